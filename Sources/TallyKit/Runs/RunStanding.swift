import TallyStore
import TallyFormats

/// Which runs' writes stand, now or as the store knew it right after run N: the view of the past
/// that as-of extracts, version history and explain share.
///
/// A rolled-back run is as if it never happened: its writes make no version, and a rollback's own
/// writes only undo them, so they make none either. Known "after run N" replays the rollbacks up to
/// N on the runs up to N (a rollback of a rollback re-applies the first run), so a later rollback
/// does not reach back into what the store said then.
package struct RunStanding: Sendable {
    /// A run as the past needs it.
    package struct Run: Sendable {
        package var id: Int64
        package var kind: String
        package var status: String
        package var parent: Int64?
        package var source: String?
        package var startedAt: String?
        package var auditLast: Int64?
    }

    /// The runs up to the view's run (every run when now), by id.
    package let runs: [Int64: Run]
    /// The run the view stands after (nil: now).
    package let asOfRun: Int64?
    /// The last audit row the view sees: every row of the runs up to ``asOfRun``.
    package let auditLimit: Int64
    private let rolledBack: Set<Int64>

    /// Fails with ``NoSuchRun`` when `asOfRun` is not a run of the store.
    package init(connection: Connection, asOfRun: Int64? = nil) throws {
        var runs: [Int64: Run] = [:]
        try connection.forEachRow("SELECT id, kind, status, parent_run, source, started_at, audit_last FROM runs ORDER BY id") { row in
            let id = row.int64(0)
            if let asOfRun, id > asOfRun { return }
            runs[id] = Run(id: id, kind: row.text(1) ?? "", status: row.text(2) ?? "", parent: row.isNull(3) ? nil : row.int64(3),
                           source: row.text(4), startedAt: row.text(5), auditLast: row.isNull(6) ? nil : row.int64(6))
        }
        if let asOfRun, runs[asOfRun] == nil { throw NoSuchRun(run: asOfRun) }
        var rolledBack = Set<Int64>()
        for run in runs.values.sorted(by: { $0.id < $1.id }) where run.kind == "rollback" {
            // A rollback that committed (and may have been undone since) counts; a failed one never wrote.
            guard run.status == RunStatus.committed.rawValue || run.status == RunStatus.rolledBack.rawValue, let target = run.parent else { continue }
            rolledBack.insert(target)
            if let undone = runs[target], undone.kind == "rollback", let original = undone.parent { rolledBack.remove(original) }
        }
        self.runs = runs
        self.asOfRun = asOfRun
        self.rolledBack = rolledBack
        auditLimit = asOfRun == nil ? Int64.max : runs.values.compactMap(\.auditLast).max() ?? 0
    }

    /// Whether `run`'s writes make versions: an import or rerun the view holds, not rolled back.
    package func stands(_ run: Int64) -> Bool {
        guard let known = runs[run] else { return false }
        return known.kind != "rollback" && !rolledBack.contains(run)
    }

    /// Whether the view holds `run` but a rollback it also holds undid it.
    package func isRolledBack(_ run: Int64) -> Bool { rolledBack.contains(run) }

    /// A run the store does not hold.
    package struct NoSuchRun: Error, Sendable, CustomStringConvertible {
        package var run: Int64
        package var description: String { "there is no run \(run); see 'tally runs'" }
    }
}
