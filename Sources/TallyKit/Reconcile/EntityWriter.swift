import TallyFormats
import TallyStore

/// Reconciles mapped records of one entity into its table, within a run's transaction, in the
/// stages DESIGN.md draws: resolve the row's references, then Identify (``RecordIdentifier``) →
/// Merge (``RecordMerger``) → Persist (``RecordPersister``) → Case rules (``CaseRuleStage``).
/// Under ``ReconcileStrategy/fast``, ``FastPath`` skips work whose answer is known. Never
/// commits: the caller owns the transaction.
package final class EntityWriter {
    package let entity: EntityDefinition
    let run: Int64
    private let references: ReferenceResolver
    private let identifier: RecordIdentifier
    private let merger: RecordMerger
    private let persister: RecordPersister
    private let cases: CaseRuleStage
    /// The shortcuts, under ``ReconcileStrategy/fast`` (nil: every row takes the plain path).
    private let fast: FastPath?
    /// Records this run has seen (matched or inserted), for snapshot retirement (kept only when
    /// ``trackSeen`` is set, so a delta import of a million rows keeps no such set).
    package private(set) var seen = Set<Int64>()
    package var trackSeen = false
    /// The current input's position in the run (for audit rows' `input_row`).
    private var inputPosition = 0
    /// Deletes that arrived before their records (nil when there are none for the entity).
    private let tombstones: DeleteTombstones?

    package init(connection: Connection, registry: EntityRegistry, entity: EntityDefinition, run: Int64, source: String,
                 identifierRules: [[String]]? = nil, precedence: PrecedenceRules = .none, strategy: ReconcileStrategy = .fast) {
        self.entity = entity
        self.run = run
        let audit = AuditTrail(connection: connection, run: run, source: source)
        references = ReferenceResolver(connection: connection, entity: entity, registry: registry)
        cases = CaseRuleStage(connection: connection, registry: registry, entity: entity, run: run, source: source)
        identifier = RecordIdentifier(connection: connection, entity: entity, identifierRules: identifierRules, audit: audit)
        merger = RecordMerger(entity: entity, source: source, precedence: precedence, audit: audit, cases: cases)
        persister = RecordPersister(connection: connection, entity: entity, run: run, source: source, audit: audit,
                                    references: references, holdsRows: !cases.writesOtherRecords)
        tombstones = DeleteTombstones(connection: connection, entity: entity)
        fast = strategy == .fast
            ? FastPath(connection: connection, entity: entity, run: run, identifier: identifier, persister: persister,
                       othersWrite: cases.writesOtherRecords)
            : nil
    }

    /// Writes the audit and pending rows held: due before the run reads them or ends.
    package func flush() throws { try persister.flush() }

    /// Starts the rows of input `position` of the run: identity collisions are looked for within one input.
    package func beginInput(position: Int) {
        inputPosition = position
        identifier.beginInput()
    }

    /// Records rows of the current input identified under different identities, by record.
    var identityCollisions: [Int64: IdentityCollisions.Group] { identifier.identityCollisions }

    /// A row's identity as ``identityCollisions`` records it, from its mapped values.
    func identity(of values: [FieldValue?]) -> [String?] { identifier.identity(of: values) }

    /// Applies one valid record and says what happened.
    package func apply(_ record: MappedRecord) throws -> WriteResult {
        try apply(record, storedAtStart: nil)
    }

    /// ``apply(_:)``, with `storedAtStart` the stored record the row names as the run began when
    /// the probe read it (fast path only).
    func apply(_ record: MappedRecord, storedAtStart: StoredRecord?) throws -> WriteResult {
        var values = record.values
        let (unresolved, replacements, provisional) = try references.resolve(values, displayValues: record.displayValues)
        if !replacements.isEmpty { ReferenceResolver.apply(replacements, to: &values) }
        // The row's input hash marks a record as this row's to skip next time (`_input_hash`):
        // not when what the row writes depends on more than the row and the record — a version
        // that is the export's time (another `--as-of` makes the same row stale), or a reference
        // to a record without sys_id (the same row resolves it once the target gains one).
        let inputHash = record.versionIsExportTime || provisional ? nil : record.inputHash
        let extra = ExtraColumns.json(record.extra)
        let inputRow = AuditTrail.inputRow(position: inputPosition, record: record.provenance.record)
        let hint = fast?.hint(for: record, values: values, storedAtStart: storedAtStart)
        switch try hint?.match.map(RecordIdentifier.Identification.one)
            ?? identifier.identify(values, sysIDKnownNew: hint?.sysIDKnownNew ?? false) {
        case .none(let sysIDFree):
            if !sysIDFree, let holder = try identifier.sysIDHolder(of: values, besides: nil) {
                return .rejected(try identifier.sysIDConflict(holder: holder, values: values, target: nil, provenance: record.provenance))
            }
            if let refusal = persister.insertRefusal(values, provenance: record.provenance) { return .rejected(refusal) }
            if let tombstones, try tombstones.buries(values) { return WriteResult(outcome: .skippedStale) }
            // Packed for these values only: a reference resolved to a sys_id changed them.
            let prepared = fast != nil && replacements.isEmpty ? record.preparedInsert : nil
            let id = try persister.insert(values, extra: extra, inputHash: inputHash, prepared: prepared,
                                          unresolved: unresolved, inputRow: inputRow)
            if let hint { fast?.stored(hint) }
            _ = identifier.meet(id)
            if trackSeen { seen.insert(id) }
            identifier.noteInserted(values)
            let shared = try identifier.sharedIdentity(of: values, insertedAs: id, provenance: record.provenance)
            return WriteResult(outcome: .inserted, warnings: shared + (try cases.inserted(id, values: values, provenance: record.provenance)))
        case .ambiguous(let candidates, let rule):
            return .rejected(try identifier.ambiguity(values, candidates: candidates, rule: rule, provenance: record.provenance))
        case .one(let match):
            if trackSeen { seen.insert(match.id) }
            if let hint { fast?.stored(hint) }
            let metBefore = identifier.meet(match.id)
            if let fast, fast.isLeftAsWritten(match, by: inputHash) {
                cases.unchanged(match.id)
                return WriteResult(outcome: .unchanged)
            }
            let stored = try fast?.copy(storedAtStart, of: match.id) ?? persister.load(match.id)
            if metBefore && !match.bySysID { identifier.compare(stored, values: values, mapped: record.values) }
            return try update(stored, with: record, values: values, inputHash: inputHash, extra: extra, unresolved: unresolved,
                              inputRow: inputRow)
        }
    }

    /// Merges the row (`values`: its values with references resolved) into `stored` and persists
    /// what changed (`inputHash`: the row's, if the record may keep it).
    private func update(_ stored: StoredRecord, with record: MappedRecord, values: [FieldValue?], inputHash: Int64?, extra: String?,
                        unresolved: [ReferenceResolver.Unresolved], inputRow: Int64) throws -> WriteResult {
        let merged: RecordMerger.Merged
        switch try merger.merge(values, extra: extra, into: stored, versionIsExportTime: record.versionIsExportTime) {
        case .stale(let version):
            try persister.recordStale(stored, values: values, version: version, inputRow: inputRow)
            let notes = try cases.stale(stored: stored, incoming: values)
            try persister.record(notes, for: stored, inputRow: inputRow)
            return WriteResult(outcome: .skippedStale, conflicts: notes.count)
        case .merged(let result):
            merged = result
        }
        if let index = identifier.sysIDRule.first, merged.changed.contains(index),
           let holder = try identifier.sysIDHolder(of: merged.values.map(Optional.some), besides: stored.id) {
            return .rejected(try identifier.sysIDConflict(holder: holder, values: values, target: stored, provenance: record.provenance))
        }
        try persister.record(merged.notes, for: stored, inputRow: inputRow)
        if merged.changesNothing(in: stored) { return WriteResult(outcome: .unchanged, conflicts: merged.notes.count) }
        let changes = try persister.update(stored, to: merged, values: values, inputHash: inputHash,
                                           unresolved: unresolved, inputRow: inputRow)
        let warnings = try cases.updated(stored.id, values: merged.values, previous: stored.values, changes: changes,
                                         provenance: record.provenance)
        return WriteResult(outcome: .updated(fields: changes.map(\.field)), warnings: warnings, conflicts: merged.notes.count)
    }

    /// Whether stored record `id` is still exactly as input row `inputHash` left it (the probe's
    /// candidate, fast path only): then the row is counted unchanged, unmapped.
    package func confirmUnchanged(id: Int64, inputHash: Int64) throws -> Bool {
        guard let fast, try fast.confirmUnchanged(id: id, inputHash: inputHash) else { return false }
        if trackSeen { seen.insert(id) }
        _ = identifier.meet(id)
        cases.unchanged(id)
        return true
    }
}

private extension WriteResult {
    static func rejected(_ finding: Finding) -> WriteResult { WriteResult(outcome: .rejected([finding])) }
}

extension EntityWriter {
    // MARK: - Reading back (also for rollback, history, retirement and the check)

    static func selectSQL(for entity: EntityDefinition) -> String {
        let columns = entity.fields.map { EntityTable.quoted($0.name) }
        return "SELECT \(columns.joined(separator: ", ")), \(BookkeepingColumn.stored.list) FROM \(EntityTable(entity).name) WHERE _id = ?"
    }

    static func load(_ entity: EntityDefinition, id: Int64, connection: Connection, sql: String? = nil) throws -> StoredRecord {
        var result: StoredRecord?
        try connection.forEachRow(sql ?? selectSQL(for: entity), [.integer(id)]) { row in
            var values: [FieldValue] = []
            values.reserveCapacity(entity.fields.count)
            for (index, field) in entity.fields.enumerated() {
                values.append(FieldValue(stored: row.value(Int32(index)), type: field.type))
            }
            func at(_ column: BookkeepingColumn) -> Int32 { BookkeepingColumn.stored.position(of: column, from: entity.fields.count) }
            func integer(_ column: BookkeepingColumn) -> Int64? { row.isNull(at(column)) ? nil : row.int64(at(column)) }
            result = StoredRecord(id: id, values: values, extra: row.text(at(.extra)), hash: integer(.hash), source: row.text(at(.source)),
                                  createdRun: integer(.createdRun), updatedRun: integer(.updatedRun), retiredInRun: integer(.retiredInRun),
                                  deletedAt: row.text(at(.deletedAt)))
        }
        guard let result else { throw StoreError.misuse("record \(id) of \(EntityTable(entity).name) vanished during the run") }
        return result
    }

    /// Puts a removed record back under its old store key (rolling back a rollback).
    static func reinsert(_ record: StoredRecord, entity: EntityDefinition, run: Int64, connection: Connection) throws {
        let columns = ["_id"] + entity.fields.map { EntityTable.quoted($0.name) } + BookkeepingColumn.stored.map(\.name)
        var put = record
        (put.hash, put.updatedRun) = (ContentHash.of(record.values, extra: record.extra), run)
        let bindings: [SQLValue] = [.integer(record.id)] + record.values.map(\.sqlValue) + BookkeepingColumn.stored.map(put.value)
        try connection.run("INSERT INTO \(EntityTable(entity).name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))", bindings)
    }

    /// Recomputes a record's content hash after a change made outside ``apply(_:)``; returns its values.
    @discardableResult
    static func rehash(_ entity: EntityDefinition, id: Int64, connection: Connection) throws -> [FieldValue] {
        let stored = try load(entity, id: id, connection: connection)
        try connection.run("UPDATE \(EntityTable(entity).name) SET \(BookkeepingColumn.hash.name) = ?, \(BookkeepingColumn.inputHash.name) = NULL WHERE _id = ?",
                           [.integer(ContentHash.of(stored.values, extra: stored.extra)), .integer(id)])
        return stored.values
    }
}
