import Foundation
import TallyStore

/// Drops what is no longer wanted: the kept inputs (rerun material) of runs outside the
/// retention, and input copies no run refers to. Audit rows, which a rollback needs, are kept
/// unless `force` is given — then the pruned runs can no longer be rolled back.
package struct Pruning {
    let database: TallyDatabase

    package init(database: TallyDatabase) { self.database = database }

    package enum Retention: Sendable, Equatable {
        case days(Int)
        case runs(Int)
    }

    package struct Result: Sendable, Equatable {
        package var runs: [Int64]
        package var filesRemoved: Int
        package var bytesFreed: Int64
        package var auditRowsRemoved: Int
    }

    package func prune(keeping retention: Retention, force: Bool, dryRun: Bool, now: Date = Date()) throws -> Result {
        let connection = database.connection
        let pruned: [Int64]
        switch retention {
        case .days(let days):
            let cutoff = Timestamp.format(now.addingTimeInterval(-Double(days) * 86_400))
            pruned = try connection.rows("SELECT id FROM runs WHERE coalesce(finished_at, started_at) < ? ORDER BY id", [.text(cutoff)])
                .compactMap { $0.first?.integer }
        case .runs(let count):
            pruned = try connection.rows("SELECT id FROM runs ORDER BY id DESC LIMIT -1 OFFSET ?", [.integer(Int64(count))])
                .compactMap { $0.first?.integer }.sorted()
        }
        let archive = InputArchive(storePath: database.path)
        let list = pruned.map(String.init).joined(separator: ",")
        let outside = pruned.isEmpty ? "" : " AND run NOT IN (\(list))"
        var result = Result(runs: pruned, filesRemoved: 0, bytesFreed: 0, auditRowsRemoved: 0)
        // The audit rows of the pruned runs, found by their ranges.
        let prunedAudit = "SELECT a.id FROM runs r JOIN audit a ON \(AuditSpan.rows(in: "a", ofRun: "r")) WHERE r.id IN (\(list))"
        if force && !pruned.isEmpty {
            result.auditRowsRemoved = Int(try connection.scalar("SELECT count(*) FROM (\(prunedAudit))").integer ?? 0)
        }
        // The copies the remaining runs still need; every other file in the archive goes.
        let kept = Set(try connection.rows("SELECT DISTINCT stored_path FROM run_inputs WHERE stored_path IS NOT NULL\(outside)")
            .compactMap { $0.first?.text })
        if !dryRun && !pruned.isEmpty {
            try connection.transaction {
                try connection.execute("UPDATE run_inputs SET stored_path = NULL WHERE run IN (\(list))")
                if force {
                    try connection.execute("DELETE FROM audit WHERE id IN (\(prunedAudit))")
                    try connection.execute("UPDATE runs SET audit_first = NULL, audit_last = NULL WHERE id IN (\(list))")
                }
            }
        }
        // Files are removed only after the store no longer refers to them.
        let files = (try? FileManager.default.contentsOfDirectory(atPath: archive.folder)) ?? []
        for name in files.sorted() {
            let path = archive.folder + "/" + name
            guard !kept.contains(path) else { continue }
            result.bytesFreed += ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            result.filesRemoved += 1
            if !dryRun { try FileManager.default.removeItem(atPath: path) }
        }
        return result
    }
}
