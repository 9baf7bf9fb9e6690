import TallyStore

/// Writes the audit trail: one row per field change, one row per inserted record.
final class AuditTrail {
    /// The field of an audit row that records an insert. Its `new` is the record's
    /// ``insertDigest(of:entity:)`` (older stores hold the record itself, as JSON):
    /// the values themselves are the record row's, and `tally check` and rollback derive what was
    /// inserted back from the current row and the later changes (``AuditRewind``).
    static let insertField = "*"
    /// The field of an audit row that records a removal (its `old` is the record as JSON).
    static let removeField = "-"

    let connection: Connection
    let run: Int64
    let source: String
    private var json = JSONObjectBuilder()
    /// Each entity's fields' seeds for ``insertDigest(of:entity:)``.
    private var digestSeeds: [String: [Int64]] = [:]

    init(connection: Connection, run: Int64, source: String) {
        self.connection = connection
        self.run = run
        self.source = source
    }

    /// An insert: one row with field `*` whose `new` is the record's ``insertDigest(of:entity:)``
    /// (`digest`, when already worked out for these values). `text` gives the record's canonical
    /// values by field index.
    /// `inputRow`: the input row that made the write (``inputRow(position:record:)``); nil for a
    /// write no row made (case links, references resolved, retirement, rollback).
    func recordInsert(entity: EntityDefinition, id: Int64, text: (Int) -> String?, digest: String? = nil, inputRow: Int64? = nil) throws {
        let digest = digest ?? {
            let seeds: [Int64]
            if let known = digestSeeds[entity.name] {
                seeds = known
            } else {
                seeds = Self.digestSeeds(entity)
                digestSeeds[entity.name] = seeds
            }
            return Self.insertDigest(seeds: seeds, value: text)
        }()
        try write(entity: entity, id: id, identity: identity(entity: entity, text: text), inputRow: inputRow,
                  CollectionOfOne((field: Self.insertField, old: nil, new: Optional(digest))))
    }

    /// What an insert row keeps of the record: `#` and 16 hex digits, the sum of a ``ContentHash``
    /// of each non-null field's canonical value seeded by the field's name. A field added to the
    /// registry later (null in older records) leaves the digest of an older record as it was.
    /// Stores keep these digests for good: a different digest must come with a prefix of its own
    /// (``inserted(_:matches:entity:)`` tells the kinds apart by their first character), never
    /// replace this one.
    static func insertDigest(of values: [String?], entity: EntityDefinition) -> String {
        insertDigest(seeds: digestSeeds(entity)) { values[$0] }
    }

    static func digestSeeds(_ entity: EntityDefinition) -> [Int64] {
        entity.fields.map { field in
            var hash = ContentHash()
            hash.combine(field.name)
            return hash.value
        }
    }

    static func insertDigest(seeds: [Int64], value: (Int) -> String?) -> String {
        var sum: UInt64 = 0
        for index in seeds.indices {
            guard let text = value(index) else { continue }
            var hash = ContentHash(seed: seeds[index])
            hash.combine(text)
            sum &+= UInt64(bitPattern: hash.value)
        }
        let hex = String(sum, radix: 16)
        return "#" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Whether `values` (canonical texts by field index) are what an insert row says was inserted:
    /// its digest, or the JSON object older stores hold.
    static func inserted(_ new: String?, matches values: [String?], entity: EntityDefinition) -> Bool {
        guard let new, new.hasPrefix("{") else { return new == insertDigest(of: values, entity: entity) }
        let inserted = Rollback.fields(ofJSON: new)
        return entity.fields.indices.allSatisfy { values[$0] == inserted[entity.fields[$0].name] ?? nil }
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
        if let time = record.deletedAt { json.add(BookkeepingColumn.deletedAt.name, time) }
        try write(entity: entity, id: record.id, values: record.values, field: Self.removeField, old: json.finish(), new: nil)
    }

    func recordChange(entity: EntityDefinition, id: Int64, values: [FieldValue], field: String, old: String?, new: String?) throws {
        try write(entity: entity, id: id, values: values, field: field, old: old, new: new)
    }

    /// Several field changes of one record (whose values after them are `values`).
    func recordChanges(entity: EntityDefinition, id: Int64, values: [FieldValue], inputRow: Int64? = nil,
                       _ changes: [(field: String, old: String?, new: String?)]) throws {
        try write(entity: entity, id: id, identity: identity(entity: entity) { values[$0].canonicalText }, inputRow: inputRow, changes)
    }

    /// An audit row's `input_row`: the input's position in its run and the row's record number,
    /// as one integer (position × 2³² + record), so `tally check` can count the rows that wrote.
    static func inputRow(position: Int, record: Int) -> Int64 {
        Int64(position) << 32 | Int64(record & 0xFFFF_FFFF)
    }

    /// The audit rows, written ``BatchedInsert/rowsPerStatement`` to a statement.
    private lazy var rows = BatchedInsert("INSERT OR FAIL INTO audit (run, entity, record, sys_id, key, field, old, new, source, input_row)",
                                          columns: 10, on: connection)
    /// Whether rows may wait to be written with later ones (see ``flush()``): set for a run's rows
    /// by a writer whose audit rows all go through this trail. Otherwise each record's rows are
    /// written before the call that records them returns.
    var holdsRows = false

    /// Writes the rows held. Due before anything reads the audit, and before the run ends.
    func flush() throws {
        try rows.flush()
    }

    private func write(entity: EntityDefinition, id: Int64, values: [FieldValue], field: String, old: String?, new: String?) throws {
        try write(entity: entity, id: id, identity: identity(entity: entity) { values[$0].canonicalText },
                  CollectionOfOne((field: field, old: old, new: new)))
    }

    /// How records of the entity last audited are named (worked out again only when the entity changes).
    private var naming: RecordNaming?

    private func naming(of entity: EntityDefinition) -> RecordNaming {
        if let naming, naming.entity == entity.name { return naming }
        let made = RecordNaming(entity)
        naming = made
        return made
    }

    /// How an audit row names its record (canonical texts by field index): sys_id and display key.
    private func identity(entity: EntityDefinition, text: (Int) -> String?) -> (sysID: String?, key: String?) {
        let naming = naming(of: entity)
        return (naming.sysID(text), naming.displayKey(text))
    }

    /// One audit row a change, held (``holdsRows``) or written before returning.
    private func write(entity: EntityDefinition, id: Int64, identity: (sysID: String?, key: String?), inputRow: Int64? = nil,
                       _ changes: some Collection<(field: String, old: String?, new: String?)>) throws {
        let (run, source) = (run, source)
        for change in changes {
            try rows.add(holding: true) { values in
                values.append(run); values.append(entity.name); values.append(id)
                values.append(identity.sysID); values.append(identity.key); values.append(change.field)
                values.append(change.old); values.append(change.new); values.append(source); values.append(inputRow)
            }
        }
        if !holdsRows { try rows.flush() }
    }

    /// The source that last set `field` of the record (its latest change, else its insert).
    func lastSource(entity: EntityDefinition, id: Int64, field: String) throws -> String? {
        try flush()
        return try connection.scalar("""
            SELECT source FROM audit WHERE entity = ? AND record = ? AND field IN (?, '*') ORDER BY id DESC LIMIT 1
            """, [.text(entity.name), .integer(id), .text(field)]).text
    }

    /// The value the record's latest change of `field` replaced, when that change set it to `value`
    /// (`.some(nil)`: it was empty); nil when its latest change is another.
    func valueReplaced(entity: EntityDefinition, id: Int64, field: String, by value: String) throws -> String?? {
        try flush()
        guard let row = try connection.rows("""
            SELECT old, new FROM audit WHERE entity = ? AND record = ? AND field = ? ORDER BY id DESC LIMIT 1
            """, [.text(entity.name), .integer(id), .text(field)]).first, row[1].text == value else { return nil }
        return .some(row[0].text)
    }

    /// The record's business key for people (`INC0010001`, `lnx-web-01/cmdb_ci_server`): the first
    /// identifier rule other than sys_id whose fields all have values, else the sys_id.
    func displayKey(of values: [FieldValue], in entity: EntityDefinition) -> String? {
        naming(of: entity).displayKey { values[$0].canonicalText }
    }
}

/// Writes conflicts: writes a rule refused, with both sides and the rule.
package struct ConflictLog {
    let connection: Connection
    let run: Int64
    let source: String

    func record(entity: EntityDefinition, record: Int64?, key: String?, field: String, stored: String?,
                storedSource: String? = nil, incoming: String?, rule: String, message: String, inputRow: Int64? = nil) throws {
        try connection.run("""
            INSERT INTO conflicts (run, entity, record, key, field, stored, stored_source, incoming, source, rule, message, input_row)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(run), .text(entity.name), record.map(SQLValue.integer) ?? .null, key.sqlValue, .text(field),
                  stored.sqlValue, storedSource.sqlValue, incoming.sqlValue, .text(source), .text(rule), .text(message),
                  inputRow.map(SQLValue.integer) ?? .null])
    }

    /// A row skipped as stale, with the fields it would have changed (`tally explain` names it as a losing candidate).
    func recordStale(entity: EntityDefinition, record: Int64, version: String?, fields: String, inputRow: Int64) throws {
        try connection.run("INSERT INTO stale_rows (run, entity, record, input_row, source, version, fields) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [.integer(run), .text(entity.name), .integer(record), .integer(inputRow), .text(source), version.sqlValue, .text(fields)])
    }
}
