import TallyStore

/// One write a rule refused or settled, as `tally conflicts` lists it.
package struct ConflictEntry: Sendable, Equatable {
    package var run: Int64
    package var entity: String
    package var key: String?
    package var field: String
    package var stored: String?
    package var storedSource: String?
    package var incoming: String?
    package var source: String?
    package var rule: String
    package var message: String
}

extension ConflictLog {
    /// The conflicts the runs recorded (precedence, same-version ties, case rules), every run's
    /// or only `run`'s, in the order written.
    package static func list(run: Int64? = nil, in database: TallyDatabase) throws -> [ConflictEntry] {
        let connection = database.connection
        var entries: [ConflictEntry] = []
        let columns = "run, entity, key, field, stored, stored_source, incoming, source, rule, message"
        let sql = "SELECT \(columns) FROM conflicts" + (run == nil ? "" : " WHERE run = ?") + " ORDER BY id"
        try connection.forEachRow(sql, run.map { [.integer($0)] } ?? []) { row in
            entries.append(ConflictEntry(
                run: row.int64(0), entity: row.text(1) ?? "", key: row.text(2), field: row.text(3) ?? "", stored: row.text(4),
                storedSource: row.text(5), incoming: row.text(6), source: row.text(7), rule: row.text(8) ?? "", message: row.text(9) ?? ""))
        }
        return entries
    }
}
