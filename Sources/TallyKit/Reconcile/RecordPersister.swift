import TallyStore
import TallyFormats

/// Persist, the third stage: writes what Merge decided — an insert, or an update of exactly the
/// changed columns with the bookkeeping — with an audit row per change, the conflicts noted and
/// the references still pending. Knows which records it wrote in the run.
final class RecordPersister {
    let entity: EntityDefinition
    let run: Int64
    let source: String
    private let connection: Connection
    private let tableName: String
    private let audit: AuditTrail
    private let conflicts: ConflictLog
    private let references: ReferenceResolver
    private let selectSQL: String
    private let insertStatement: HeldStatement
    /// The update statements by the columns they set.
    private var updates: [UpdateShape: HeldStatement] = [:]
    private let requiredIndexes: [Int]
    /// Whether audit and pending rows may wait to be written several at a time (``flush()``).
    let holdsRows: Bool
    /// Records inserted or updated in the run.
    private var written = RecordSet()

    /// `holdsRows`: false when the case rules write audit rows of their own between this stage's
    /// (their order must stay the order of events).
    init(connection: Connection, entity: EntityDefinition, run: Int64, source: String, audit: AuditTrail,
         references: ReferenceResolver, holdsRows: Bool) {
        self.connection = connection
        self.entity = entity
        self.run = run
        self.source = source
        self.audit = audit
        self.references = references
        self.holdsRows = holdsRows
        audit.holdsRows = holdsRows
        conflicts = ConflictLog(connection: connection, run: run, source: source)
        tableName = EntityTable(entity).name
        selectSQL = EntityWriter.selectSQL(for: entity)
        requiredIndexes = entity.fields.indices.filter { entity.fields[$0].required }
        let insertColumns = entity.fields.map { EntityTable.quoted($0.name) } + BookkeepingColumn.inserted.map(\.name)
        insertStatement = HeldStatement("INSERT INTO \(tableName) (\(insertColumns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: insertColumns.count).joined(separator: ", ")))", on: connection)
    }

    /// Writes the audit and pending rows held: due before the run reads them or ends.
    func flush() throws {
        try audit.flush()
        try references.flush()
    }

    /// Whether this stage wrote record `id` in the run.
    func wrote(_ id: Int64) -> Bool { written.contains(id) }

    func load(_ id: Int64) throws -> StoredRecord {
        try EntityWriter.load(entity, id: id, connection: connection, sql: selectSQL)
    }

    /// The reject of a row no stored record matches that lacks a required field: a partial
    /// export can only update.
    func insertRefusal(_ values: [FieldValue?], provenance: Provenance) -> Finding? {
        let missing = requiredIndexes.filter { values[$0] == nil }.map { entity.fields[$0].name }
        guard let first = missing.first else { return nil }
        return Finding(
            severity: .error, rule: .required, field: first,
            message: "no stored \(entity.name) matches this row, and it cannot be inserted: the input has no \(missing.joined(separator: ", ")) column (a partial export can only update records already in the store)",
            provenance: provenance)
    }

    /// Inserts a record and its audit row; returns its store key. `prepared`, when given, must be
    /// made of exactly these values and extra.
    func insert(_ values: [FieldValue?], extra: String?, inputHash: Int64?, prepared: PreparedInsert?,
                unresolved: [ReferenceResolver.Unresolved], inputRow: Int64) throws -> Int64 {
        let hash = prepared?.record ?? ContentHash.of(values, extra: extra)
        let (source, run) = (source, run)
        try insertStatement.run { (parameters: inout Parameters) throws(StoreError) in
            if let prepared {
                try parameters.append(contentsOf: prepared.fields)
            } else {
                for value in values { try parameters.append(value) }
            }
            try BookkeepingValues(extra: extra, hash: hash, inputHash: inputHash, source: source, run: run)
                .append(BookkeepingColumn.inserted, to: &parameters)
        }
        let id = connection.lastInsertRowID
        written.insert(id)
        try audit.recordInsert(entity: entity, id: id, text: { values[$0]?.canonicalText }, digest: prepared?.digest, inputRow: inputRow)
        if !unresolved.isEmpty {
            try references.recordPending(unresolved, entity: entity.name, record: id, run: run, isNew: true, holding: holdsRows)
        }
        return id
    }

    /// Stores the conflicts the rules noted for input row `inputRow`, which named `stored`.
    func record(_ notes: [ConflictNote], for stored: StoredRecord, inputRow: Int64) throws {
        guard !notes.isEmpty else { return }
        let key = audit.displayKey(of: stored.values, in: entity)
        for note in notes {
            try conflicts.record(entity: entity, record: stored.id, key: key, field: note.field, stored: note.stored,
                                 storedSource: note.storedSource, incoming: note.incoming, rule: note.rule, message: note.message,
                                 inputRow: inputRow)
        }
    }

    /// Keeps what a row skipped as stale would have changed, for `tally explain` to name it as a
    /// losing candidate (nothing when it offered no other value).
    func recordStale(_ stored: StoredRecord, values: [FieldValue?], version: String?, inputRow: Int64) throws {
        var fields = JSONObjectBuilder()
        fields.reset()
        var any = false
        for (index, value) in values.enumerated() {
            guard let value, value != stored.values[index] else { continue }
            fields.add(entity.fields[index].name, value.canonicalText)
            any = true
        }
        if any { try conflicts.recordStale(entity: entity, record: stored.id, version: version, fields: fields.finish(), inputRow: inputRow) }
    }

    /// A field's change, as the audit and the case journal record it.
    typealias Change = (field: String, old: String?, new: String?)

    /// Updates `stored` to `merged` (which changes something): the changed columns and the
    /// bookkeeping, an audit row per change, and the pending state of the references that
    /// changed (`values`: the row's, `unresolved`: its references not found). Returns the changes.
    func update(_ stored: StoredRecord, to merged: RecordMerger.Merged, values: [FieldValue?], inputHash incomingHash: Int64?,
                unresolved: [ReferenceResolver.Unresolved], inputRow: Int64) throws -> [Change] {
        let id = stored.id
        let (changed, extra) = (merged.changed, merged.extra)
        let hash = ContentHash.of(merged.values, extra: extra)
        // A write some rule trimmed is not "this input row": the next import must be compared in full.
        let inputHash = merged.notes.isEmpty ? incomingHash : nil
        written.insert(id)
        let (source, run) = (source, run)
        let undeletes = stored.deletedAt != nil
        try updateStatement(UpdateShape(changed: changed, revives: stored.retiredInRun != nil, undeletes: undeletes)).run { (parameters: inout Parameters) throws(StoreError) in
            for index in changed { try parameters.append(merged.values[index]) }
            try BookkeepingValues(extra: extra, hash: hash, inputHash: inputHash, source: source, run: run)
                .append(BookkeepingColumn.updated, to: &parameters)
            try parameters.append(id)
        }
        let changes: [Change] = changed.map { index in
            (entity.fields[index].name, stored.values[index].canonicalText, merged.values[index].canonicalText)
        }
        // A deleted record restored by a newer version: the mark's clearing is audited, so a
        // rollback of this run deletes it again (a snapshot's retirement is cleared unaudited, as ever).
        let restored: [Change] = undeletes
            ? [(BookkeepingColumn.retiredInRun.name, stored.retiredInRun.map(String.init), nil), (BookkeepingColumn.deletedAt.name, stored.deletedAt, nil)]
            : []
        try audit.recordChanges(entity: entity, id: id, values: merged.values, inputRow: inputRow,
                                changes + (extra != stored.extra ? [("_extra", stored.extra, extra)] : []) + restored)
        let presentReferences = unresolved.filter { reference in values[entity.index(ofField: reference.field)!] != nil }
        // A reference the update left as it was keeps its pending state (a target that arrived
        // since resolved it then); only the changed ones are looked at again.
        let changedReferences = Set(references.slots.filter { values[$0.index] != nil && changed.contains($0.index) }.map(\.field))
        if !changedReferences.isEmpty {
            try references.recordPending(presentReferences, entity: entity.name, record: id, run: run, fields: changedReferences)
        }
        return changes
    }

    /// Which columns an update sets: the changed fields, and whether it brings a retired record back.
    private struct UpdateShape: Hashable {
        var changed: [Int]
        var revives: Bool
        /// It clears a delete's mark too.
        var undeletes: Bool
    }

    /// The update statement of `shape`, built and prepared on its first use: an import's updates
    /// come in a few shapes, and building the SQL a row cost more than running it.
    private func updateStatement(_ shape: UpdateShape) -> HeldStatement {
        if let held = updates[shape] { return held }
        var assignments = shape.changed.map { "\(EntityTable.quoted(entity.fields[$0].name)) = ?" }
        assignments += BookkeepingColumn.updated.map { "\($0.name) = ?" }
        if shape.revives { assignments.append("\(BookkeepingColumn.retiredInRun.name) = NULL") }
        if shape.undeletes { assignments.append("\(BookkeepingColumn.deletedAt.name) = NULL") }
        let statement = HeldStatement("UPDATE \(tableName) SET \(assignments.joined(separator: ", ")) WHERE _id = ?", on: connection)
        updates[shape] = statement
        return statement
    }
}
