import TallyStore

/// Which audit rows a run wrote: a range of audit ids, kept on the run's row (`runs.audit_first`,
/// `runs.audit_last`; both null when it wrote none).
///
/// Audit ids only grow, and a run writes every audit row inside its one write transaction, so a
/// run's rows lie in one range of ids. Finding them by that range (a seek on the table's own key)
/// replaces an index on `audit.run`, which every audit row of every run had to update. Queries
/// test `run` as well, so a range can never pull in another run's rows.
package struct AuditSpan: Sendable {
    /// The largest audit id when the run's write transaction began: the run's rows are above it.
    let floor: Int64

    /// Call once the run's write transaction has begun (so no other writer adds rows meanwhile).
    init(startingIn connection: Connection) throws {
        floor = try connection.scalar("SELECT coalesce(max(id), 0) FROM audit").integer ?? 0
    }

    /// Writes the first and last id of the audit rows `run` wrote onto its run row (call before
    /// the run's transaction ends). Two seeks: the run's rows are the ones above the floor.
    func record(run: Int64, connection: Connection) throws {
        let bounds: [SQLValue] = [.integer(floor), .integer(run)]
        let first = try connection.scalar("SELECT id FROM audit WHERE id > ? AND run = ? ORDER BY id LIMIT 1", bounds)
        let last = try connection.scalar("SELECT id FROM audit WHERE id > ? AND run = ? ORDER BY id DESC LIMIT 1", bounds)
        try connection.run("UPDATE runs SET audit_first = ?, audit_last = ? WHERE id = ?", [first, last, .integer(run)])
    }

    /// The condition on `audit` (unaliased) that selects the rows of the run bound to parameter
    /// `?N`: `"SELECT … FROM audit WHERE \(AuditSpan.rows(ofRunBoundTo: 1)) ORDER BY id"`.
    static func rows(ofRunBoundTo parameter: Int) -> String {
        let run = "?\(parameter)"
        return "id BETWEEN (SELECT audit_first FROM runs WHERE runs.id = \(run)) AND (SELECT audit_last FROM runs WHERE runs.id = \(run)) AND run = \(run)"
    }

    /// The join condition between a `runs` alias and an `audit` alias: the audit rows of that run.
    static func rows(in audit: String, ofRun runs: String) -> String {
        "\(audit).id BETWEEN \(runs).audit_first AND \(runs).audit_last AND \(audit).run = \(runs).id"
    }
}
