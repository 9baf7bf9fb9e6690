import Foundation
import TallyStore

extension StoreCheck {
    /// Replays the audit trail of a deterministic sample of records and compares the result with
    /// the stored row.
    ///
    /// Walking every audit row of a record back from its current values (``AuditRewind``) — field
    /// changes, removals (`-`), the rows rollbacks wrote, which are changes too, down to the insert
    /// (`*`), whose digest must match the values reached — must fit at every step. A record whose
    /// history starts before audit was pruned (`prune --force`) cannot be verified and is skipped.
    func audit() throws -> StoreCheckReport.Entry {
        var problems: [StoreCheckReport.Problem] = []
        let pruned = try prunedBoundary()
        var verified = 0, skipped = 0
        for entity in database.registry.entities {
            let table = EntityTable(entity).name
            // The sample's ids, read off the table in one pass (the table's ids are never held whole).
            let count = Int(try connection.scalar("SELECT count(*) FROM \(table)").integer ?? 0)
            let positions = Self.samplePositions(count: count, size: sampleSize)
            var sample: [Int64] = []
            var position = 0
            try connection.forEachRow("SELECT _id FROM \(table) ORDER BY _id") { row in
                if sample.count < positions.count && positions[sample.count] == position { sample.append(row.int64(0)) }
                position += 1
            }
            // Records the audit knows but the table does not (removed by a rollback): replay must end removed.
            sample += try connection.rows("""
                SELECT DISTINCT a.record FROM audit a WHERE a.entity = ? AND NOT EXISTS (SELECT 1 FROM \(table) t WHERE t._id = a.record)
                ORDER BY a.record LIMIT ?
                """, [.text(entity.name), .integer(Int64(max(sampleSize / 5, 1)))]).compactMap { $0.first?.integer }
            for id in sample {
                switch try verify(entity, id: id, prunedBoundary: pruned) {
                case .verified: verified += 1
                case .unverifiable: skipped += 1
                case .mismatch(let message):
                    problems.append(.init(check: .audit, severity: .error, message: message))
                }
            }
        }
        var summary = "\(verified) record(s) replayed from the audit and matched"
        if skipped > 0 { summary += ", \(skipped) skipped (history pruned)" }
        if problems.count > 20 {
            let more = problems.count - 20
            problems = Array(problems.prefix(20)) + [.init(check: .audit, severity: .error, message: "… and \(more) more")]
        }
        return .init(check: .audit, summary: summary, problems: problems)
    }

    /// `size` ids spread evenly over `ids` (all of them when there are few enough).
    static func sample(_ ids: [Int64], size: Int) -> [Int64] {
        samplePositions(count: ids.count, size: size).map { ids[$0] }
    }

    /// The positions, in increasing order, of ``sample(_:size:)`` among `count` ids.
    static func samplePositions(count: Int, size: Int) -> [Int] {
        guard size > 0 else { return [] }
        guard count > size else { return Array(0..<count) }
        return (0..<size).map { $0 * count / size }
    }

    /// The newest run whose audit was pruned: a run that wrote records but has no audit rows.
    /// Histories starting at or before it may have lost rows.
    func prunedBoundary() throws -> Int64 {
        try connection.scalar("""
            SELECT max(r.id) FROM runs r
            WHERE r.status IN ('committed', 'rolled_back') AND r.inserted + r.updated + r.retired > 0
              AND NOT EXISTS (SELECT 1 FROM audit a WHERE \(AuditSpan.rows(in: "a", ofRun: "r")))
            """).integer ?? 0
    }

    enum Verdict: Equatable { case verified, unverifiable, mismatch(String) }

    func verify(_ entity: EntityDefinition, id: Int64, prunedBoundary: Int64) throws -> Verdict {
        let rows = try AuditRewind.rows(of: entity, id: id, connection: connection)
        guard let first = rows.first, first.field == AuditTrail.insertField, first.run > prunedBoundary else { return .unverifiable }
        let name = "\(entity.name) \(rows.last?.key ?? "#\(id)") (#\(id))"
        let stored = try? EntityWriter.load(entity, id: id, connection: connection)
        let endsRemoved = rows.last?.field == AuditTrail.removeField
        if stored == nil && !endsRemoved { return .mismatch("\(name) is missing, but its audit trail never removed it") }
        if stored != nil && endsRemoved { return .mismatch("\(name) exists, but its audit trail ends with its removal") }
        var rewind = AuditRewind(entity: entity, current: stored)
        for row in rows.reversed() {
            if let problem = rewind.undo(row) { return .mismatch("\(name) disagrees with its audit trail: \(problem)") }
        }
        return .verified
    }

    static func show(_ value: String?) -> String {
        guard let value else { return "null" }
        return value.count > 40 ? JSON.quote(String(value.prefix(40)) + "…") : JSON.quote(value)
    }
}
