/// Writes the audit trail: one row per field change, one row per inserted record.
final class AuditTrail {
    /// The field of an audit row that records an insert (its `new` is the record as JSON).
    static let insertField = "*"
    /// The field of an audit row that records a removal (its `old` is the record as JSON).
    static let removeField = "-"

    let connection: Connection
    let run: Int64
    let source: String
    private var json = JSONObjectBuilder()
    private var insert: Statement?
    /// Each entity's field names, encoded once as JSON keys.
    private var encodedKeys: [String: [[UInt8]]] = [:]

    static let insertSQL = "INSERT INTO audit (run, entity, record, sys_id, key, field, old, new, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

    init(connection: Connection, run: Int64, source: String) {
        self.connection = connection
        self.run = run
        self.source = source
    }

    /// An insert: one row with field `*` whose `new` is the record as a JSON object of its
    /// non-null fields, in registry order.
    func recordInsert(entity: EntityDefinition, id: Int64, values: [FieldValue]) throws {
        let keys = encodedKeys[entity.name] ?? entity.fields.map { JSONObjectBuilder.encodedKey($0.name) }
        encodedKeys[entity.name] = keys
        json.reset()
        for (key, value) in zip(keys, values) {
            if let text = value.canonicalText { json.add(encodedKey: key, text) }
        }
        try write(entity: entity, id: id, values: values, field: Self.insertField, old: nil, new: json.finish())
    }

    /// A removal (a rollback of an insert): one row with field `-` whose `old` is the whole
    /// record, bookkeeping included, so rolling the rollback back can put it back as it was.
    func recordRemoval(entity: EntityDefinition, record: StoredRecord) throws {
        var fields = JSONObjectBuilder()
        fields.reset()
        for (field, value) in zip(entity.fields, record.values) {
            if let text = value.canonicalText { fields.add(field.name, text) }
        }
        json.reset()
        json.add("fields", json: fields.finish())
        if let extra = record.extra { json.add("_extra", extra) }
        if let source = record.source { json.add("_source", source) }
        if let run = record.createdRun { json.add("_created_run", json: String(run)) }
        if let run = record.updatedRun { json.add("_updated_run", json: String(run)) }
        if let run = record.retiredInRun { json.add("retired_in_run", json: String(run)) }
        try write(entity: entity, id: record.id, values: record.values, field: Self.removeField, old: json.finish(), new: nil)
    }

    func recordChange(entity: EntityDefinition, id: Int64, values: [FieldValue], field: String, old: String?, new: String?) throws {
        try write(entity: entity, id: id, values: values, field: field, old: old, new: new)
    }

    /// Several field changes of one record (whose values after them are `values`).
    func recordChanges(entity: EntityDefinition, id: Int64, values: [FieldValue], _ changes: [(field: String, old: String?, new: String?)]) throws {
        let record = identity(entity: entity, values: values)
        for change in changes {
            try write(entity: entity, id: id, identity: record, field: change.field, old: change.old, new: change.new)
        }
    }

    private func write(entity: EntityDefinition, id: Int64, values: [FieldValue], field: String, old: String?, new: String?) throws {
        try write(entity: entity, id: id, identity: identity(entity: entity, values: values), field: field, old: old, new: new)
    }

    /// How an audit row names its record: sys_id and display key.
    private func identity(entity: EntityDefinition, values: [FieldValue]) -> (sysID: SQLValue, key: SQLValue) {
        (entity.index(ofField: "sys_id").flatMap { values[$0].canonicalText }.sqlValue, displayKey(of: values, in: entity).sqlValue)
    }

    private func write(entity: EntityDefinition, id: Int64, identity: (sysID: SQLValue, key: SQLValue), field: String,
                       old: String?, new: String?) throws {
        if insert == nil { insert = try connection.prepare(Self.insertSQL) }
        try insert!.execute([
            .integer(run), .text(entity.name), .integer(id), identity.sysID, identity.key,
            .text(field), old.sqlValue, new.sqlValue, .text(source),
        ])
    }

    /// The source that last set `field` of the record (its latest change, else its insert).
    func lastSource(entity: EntityDefinition, id: Int64, field: String) throws -> String? {
        try connection.scalar("""
            SELECT source FROM audit WHERE entity = ? AND record = ? AND field IN (?, '*') ORDER BY id DESC LIMIT 1
            """, [.text(entity.name), .integer(id), .text(field)]).text
    }

    /// The record's business key for people (`INC0010001`, `lnx-web-01/cmdb_ci_server`): the first
    /// identifier rule other than sys_id whose fields all have values, else the sys_id.
    func displayKey(of values: [FieldValue], in entity: EntityDefinition) -> String? {
        for group in entity.identifierRules where group != ["sys_id"] {
            let parts = group.compactMap { entity.index(ofField: $0).flatMap { values[$0].canonicalText } }
            if parts.count == group.count && !parts.contains("") { return parts.joined(separator: "/") }
        }
        return entity.index(ofField: "sys_id").flatMap { values[$0].canonicalText }
    }
}

/// Writes conflicts: writes a rule refused, with both sides and the rule.
struct ConflictLog {
    let connection: Connection
    let run: Int64
    let source: String

    func record(entity: EntityDefinition, record: Int64?, key: String?, field: String, stored: String?,
                storedSource: String? = nil, incoming: String?, rule: String, message: String) throws {
        try connection.run("""
            INSERT INTO conflicts (run, entity, record, key, field, stored, stored_source, incoming, source, rule, message)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(run), .text(entity.name), record.map(SQLValue.integer) ?? .null, key.sqlValue, .text(field),
                  stored.sqlValue, storedSource.sqlValue, incoming.sqlValue, .text(source), .text(rule), .text(message)])
    }
}
