import TallyStore

/// Walks a record's audit rows back from its current values, newest first: each field change is
/// undone (its `new` must be the value found, its `old` is put back), a removal brings back the
/// record it kept, and an insert row is checked against the values reached — so what a run
/// inserted is known without the insert row holding it (``AuditTrail/insertDigest(of:entity:)``).
struct AuditRewind {
    /// One audit row of the record.
    struct Row {
        var id: Int64
        var run: Int64
        var key: String?
        var field: String
        var old: String?
        var new: String?
    }

    let entity: EntityDefinition
    /// The entity's fields' canonical values (by field index) where the walk has got to; nil
    /// where the record did not exist.
    private(set) var values: [String?]?

    /// Starts at the record as stored now (nil: it does not exist).
    init(entity: EntityDefinition, current: StoredRecord?) {
        self.entity = entity
        values = current.map { $0.values.map(\.canonicalText) }
    }

    /// Starts at the given canonical values (nil: the record does not exist).
    init(entity: EntityDefinition, values: [String?]?) {
        self.entity = entity
        self.values = values
    }

    /// The audit rows of record `id`, oldest first.
    static func rows(of entity: EntityDefinition, id: Int64, connection: Connection) throws -> [Row] {
        try connection.rows("SELECT id, run, key, field, old, new FROM audit WHERE entity = ? AND record = ? ORDER BY id",
                            [.text(entity.name), .integer(id)])
            .map { Row(id: $0[0].integer ?? 0, run: $0[1].integer ?? 0, key: $0[2].text, field: $0[3].text ?? "", old: $0[4].text, new: $0[5].text) }
    }

    /// Undoes `row`, the newest not undone yet; says what does not fit, if anything.
    mutating func undo(_ row: Row) -> String? {
        switch row.field {
        case AuditTrail.insertField:
            guard let inserted = values else {
                return "audit row \(row.id) inserts it, but it did not exist after that row"
            }
            values = nil
            guard AuditTrail.inserted(row.new, matches: inserted, entity: entity) else {
                return "it differs from what audit row \(row.id) inserted in a field no later audit row changed"
                    + Self.differences(inserted, row.new, entity)
            }
            return nil
        case AuditTrail.removeField:
            guard values == nil else { return "audit row \(row.id) removes it, but it exists after that row" }
            values = (try? Rollback.record(fromJSON: row.old ?? "{}", entity: entity, id: 0)).map { $0.values.map(\.canonicalText) }
            return values == nil ? "audit row \(row.id) removes it but does not keep a readable copy" : nil
        case "_extra", "retired_in_run", BookkeepingColumn.deletedAt.name:
            return nil  // bookkeeping outside the entity's fields
        default:
            guard let index = entity.index(ofField: row.field) else { return "audit row \(row.id) names an unknown field \(row.field)" }
            guard values != nil else { return "audit row \(row.id) changes \(row.field) while the record does not exist" }
            let found = values![index]
            values![index] = row.old
            guard found == row.new else {
                return "\(row.field) is \(StoreCheck.show(found)) where audit row \(row.id) says \(StoreCheck.show(row.new))"
            }
            return nil
        }
    }

    /// For an insert row that holds JSON (older stores): which fields differ, as the check has
    /// always named them.
    private static func differences(_ values: [String?], _ new: String?, _ entity: EntityDefinition) -> String {
        guard let new, new.hasPrefix("{") else { return "" }
        let inserted = Rollback.fields(ofJSON: new)
        let lines = entity.fields.indices.compactMap { index -> String? in
            let audited = inserted[entity.fields[index].name] ?? nil
            return values[index] == audited ? nil
                : "\(entity.fields[index].name) is \(StoreCheck.show(values[index])), the audit says \(StoreCheck.show(audited))"
        }
        return lines.isEmpty ? "" : ": " + lines.prefix(3).joined(separator: "; ") + (lines.count > 3 ? "; … \(lines.count - 3) more" : "")
    }
}
