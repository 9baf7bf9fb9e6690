import TallyStore
import TallyFormats
/// The pairs of CIs a steward declared distinct (`tally dedupe distinct A B`), kept in the
/// `ci_distinct` table by store id so the pair stays out of later `ci_duplicates` extracts.
///
/// Each decision names the dedupe run that made it; a decision counts while that run stands, so
/// rolling the run back takes its decisions back too (and rolling the rollback back restores them).
package enum CIDistinctDecisions {
    /// The pairs (smaller store id first) whose decision stands; empty on a store from before
    /// the table (opened read-only, so not migrated).
    package static func pairs(in connection: Connection) throws -> Set<[Int64]> {
        guard try connection.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ci_distinct'").integer == 1 else { return [] }
        var pairs = Set<[Int64]>()
        try connection.forEachRow("""
            SELECT d.record_a, d.record_b FROM ci_distinct d
            WHERE d.run IS NULL OR EXISTS (SELECT 1 FROM runs r WHERE r.id = d.run AND r.status = 'committed')
            """) { row in pairs.insert([row.int64(0), row.int64(1)]) }
        return pairs
    }

    /// Records that the CIs `a` and `b` are distinct, by run `run`; false when that already stands.
    static func record(_ a: (id: Int64, sysID: String?), _ b: (id: Int64, sysID: String?), run: Int64, connection: Connection) throws -> Bool {
        let (first, second) = a.id < b.id ? (a, b) : (b, a)
        if try pairs(in: connection).contains([first.id, second.id]) { return false }
        try connection.run("""
            INSERT INTO ci_distinct (record_a, record_b, sys_id_a, sys_id_b, run) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (record_a, record_b) DO UPDATE SET run = excluded.run
            """, [.integer(first.id), .integer(second.id), first.sysID.sqlValue, second.sysID.sqlValue, .integer(run)])
        return true
    }
}
