import TallyStore

/// One change a run made (or, in a dry run, would make), read from its audit rows.
package struct RecordChange: Sendable, Equatable, JSONOutput {
    package enum Kind: String, Sendable, Encodable {
        case inserted, updated, removed

        /// What an audit row records, from its `field`: the `*` and `-` markers, else a field's change.
        package init(auditField field: String) {
            switch field {
            case AuditTrail.insertField: self = .inserted
            case AuditTrail.removeField: self = .removed
            default: self = .updated
            }
        }
    }

    package var kind: Kind
    package var entity: String
    package var key: String?
    package var field: String?
    package var old: String?
    package var new: String?

    /// `inserted incident INC0010001`, `incident INC0010001 state: 1 → 2`, `retired ci lnx-01`.
    package var line: String {
        let name = "\(entity) \(key ?? "?")"
        switch kind {
        case .inserted: return "inserted \(name)"
        case .removed: return "removed \(name)"
        case .updated:
            if field == "retired_in_run" { return new == nil ? "reinstated \(name)" : "retired \(name)" }
            if field == BookkeepingColumn.deletedAt.name { return new.map { "deleted \(name) at \($0)" } ?? "undeleted \(name)" }
            return "\(name) \(field ?? "?"): \(old ?? "∅") → \(new ?? "∅")"
        }
    }

    private enum CodingKeys: String, CodingKey { case kind = "change", entity, key, field, old, new }

    /// The changes of `run`, in the order they were made.
    static func of(run: Int64, connection: Connection) throws -> [RecordChange] {
        var changes: [RecordChange] = []
        try forEach(run: run, connection: connection) { changes.append($0) }
        return changes
    }

    /// Calls `body` with each change of `run` in the order they were made, read one at a time.
    static func forEach(run: Int64, connection: Connection, _ body: (RecordChange) -> Void) throws {
        try connection.forEachRow("SELECT entity, key, field, old, new FROM audit WHERE \(AuditSpan.rows(ofRunBoundTo: 1)) ORDER BY id", [.integer(run)]) { row in
            let entity = row.text(0) ?? "", key = row.text(1), field = row.text(2) ?? ""
            switch RecordChange.Kind(auditField: field) {
            case .updated: body(RecordChange(kind: .updated, entity: entity, key: key, field: field, old: row.text(3), new: row.text(4)))
            case let kind: body(RecordChange(kind: kind, entity: entity, key: key))
            }
        }
    }
}
