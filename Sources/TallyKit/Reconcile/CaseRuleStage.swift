import TallyStore
import TallyFormats

/// Case rules, the last stage: what a row means for cases — ``CaseLinks`` when the entity is the
/// case, ``CaseJournal`` when cases relate to it. Does nothing for an entity neither concerns.
struct CaseRuleStage {
    let links: CaseLinks?
    let journal: CaseJournal?

    init(connection: Connection, registry: EntityRegistry, entity: EntityDefinition, run: Int64, source: String) {
        links = entity.caseRules.map { CaseLinks(connection: connection, registry: registry, entity: entity, rules: $0, run: run, source: source) }
        journal = CaseJournal.make(for: entity, registry: registry, connection: connection, run: run)
    }

    /// Whether the stage writes records of the entity besides the row's (a major case derived
    /// again), and audit rows of its own.
    var writesOtherRecords: Bool { links != nil }

    /// While merging a row into stored case `stored`: its derived related fields, and the
    /// conflicts of a second row for the case in this run (``CaseLinks/protect(stored:incoming:merged:)``).
    func protect(stored: StoredRecord, incoming: [FieldValue?], merged: inout [FieldValue]) throws -> [ConflictNote] {
        try links?.protect(stored: stored, incoming: incoming, merged: &merged) ?? []
    }

    /// A row older than stored record `stored`: the conflicts a second row for a case makes.
    func stale(stored: StoredRecord, incoming: [FieldValue?]) throws -> [ConflictNote] {
        try links?.staleRow(stored: stored, incoming: incoming) ?? []
    }

    /// A row that left record `id` unchanged.
    func unchanged(_ id: Int64) { links?.unchangedRow(id) }

    /// After record `id` was inserted with `values`: the case's warnings (resolution code, …).
    func inserted(_ id: Int64, values: [FieldValue?], provenance: Provenance) throws -> [Finding] {
        try links?.afterWrite(id: id, values: values.map { $0 ?? .null }, previous: nil, provenance: provenance) ?? []
    }

    /// After record `id` was updated from `previous` to `values`: work notes for the cases
    /// related to it, and the case's own warnings.
    func updated(_ id: Int64, values: [FieldValue], previous: [FieldValue], changes: [RecordPersister.Change],
                 provenance: Provenance) throws -> [Finding] {
        try journal?.recordChanges(record: id, values: values, changes: changes)
        return try links?.afterWrite(id: id, values: values, previous: previous, provenance: provenance) ?? []
    }
}
