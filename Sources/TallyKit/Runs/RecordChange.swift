/// One change a run made (or, in a dry run, would make), read from its audit rows.
public struct RecordChange: Sendable, Equatable {
    public enum Kind: String, Sendable { case inserted, updated, removed }

    public var kind: Kind
    public var entity: String
    public var key: String?
    public var field: String?
    public var old: String?
    public var new: String?

    /// `inserted incident INC0010001`, `incident INC0010001 state: 1 → 2`, `retired ci lnx-01`.
    public var line: String {
        let name = "\(entity) \(key ?? "?")"
        switch kind {
        case .inserted: return "inserted \(name)"
        case .removed: return "removed \(name)"
        case .updated:
            if field == "retired_in_run" { return new == nil ? "reinstated \(name)" : "retired \(name)" }
            return "\(name) \(field ?? "?"): \(old ?? "∅") → \(new ?? "∅")"
        }
    }

    public var json: String {
        "{\"change\": \(JSON.quote(kind.rawValue)), \"entity\": \(JSON.quote(entity)), \"key\": \(key.map(JSON.quote) ?? "null"), "
            + "\"field\": \(field.map(JSON.quote) ?? "null"), \"old\": \(old.map(JSON.quote) ?? "null"), \"new\": \(new.map(JSON.quote) ?? "null")}"
    }

    /// The changes of `run`, in the order they were made.
    static func of(run: Int64, connection: Connection) throws -> [RecordChange] {
        try connection.rows("SELECT entity, key, field, old, new FROM audit WHERE run = ? ORDER BY id", [.integer(run)]).map { row in
            let field = row[2].text ?? ""
            switch field {
            case AuditTrail.insertField:
                return RecordChange(kind: .inserted, entity: row[0].text ?? "", key: row[1].text)
            case AuditTrail.removeField:
                return RecordChange(kind: .removed, entity: row[0].text ?? "", key: row[1].text)
            default:
                return RecordChange(kind: .updated, entity: row[0].text ?? "", key: row[1].text, field: field, old: row[3].text, new: row[4].text)
            }
        }
    }
}
