import TallyFormats
import TallyStore

/// A record's audit trail, for `tally history`.
package struct RecordHistory {
    let connection: Connection

    package struct Change: Sendable, Equatable, Encodable {
        package var run: Int64
        package var source: String?
        package var field: String
        package var old: String?
        package var new: String?

        /// An insert, a removal, or a field's change.
        package var kind: RecordChange.Kind { RecordChange.Kind(auditField: field) }
    }

    package struct Setter: Sendable, Equatable {
        package var field: String
        package var source: String?
        package var run: Int64
    }

    /// An audit row as a person reads it: an insert and a removal carry the record's values (an
    /// insert row stores a digest only: the values are worked back from the record as it is now,
    /// undoing its later changes, as ``AuditRewind`` does), and a change whose run a rollback undid
    /// says which run undid it.
    package struct Entry: Sendable, Equatable {
        package var change: Change
        /// An insert's or removal's non-null values, in the registry's field order; nil for a field
        /// change, or when they cannot be worked back (pruned audit, or a value changed behind its back).
        package var values: [FieldText]?
        /// The rollback run that undid this row's run, if one stands.
        package var undoneBy: Int64?
    }

    /// A field's name and canonical text.
    package struct FieldText: Sendable, Equatable {
        package var field: String
        package var value: String
    }

    /// Who set what the record holds now.
    package struct Standing: Sendable, Equatable {
        /// For each field, the source and run whose value the record holds (empty when it no longer exists).
        package var setters: [Setter]
        /// The removal that ended the record, when it no longer exists.
        package var removal: Change?
    }

    package init(_ database: TallyDatabase) { connection = database.connection }

    /// A run as history needs it.
    private struct RunState {
        var kind: RunKind?
        var rolledBack: Bool
    }

    /// The record's audit rows, oldest first, with what each insert and removal held.
    private func rows(entity: EntityDefinition, record: Int64) throws -> [(id: Int64, change: Change, values: [String?]?)] {
        let rows = try connection.rows(
            "SELECT id, run, source, field, old, new FROM audit WHERE entity = ? AND record = ? ORDER BY id",
            [.text(entity.name), .integer(record)]
        ).map { (id: $0[0].integer ?? 0, change: Change(run: $0[1].integer ?? 0, source: $0[2].text, field: $0[3].text ?? "", old: $0[4].text, new: $0[5].text)) }
        let table = EntityTable(entity).name
        let exists = try connection.scalar("SELECT count(*) FROM \(table) WHERE _id = ?", [.integer(record)]).integer == 1
        var rewind = AuditRewind(entity: entity, current: exists ? try EntityWriter.load(entity, id: record, connection: connection) : nil)
        var values: [Int64: [String?]] = [:]
        for row in rows.reversed() {
            switch row.change.field {
            case AuditTrail.insertField:
                if let inserted = rewind.values, AuditTrail.inserted(row.change.new, matches: inserted, entity: entity) { values[row.id] = inserted }
            case AuditTrail.removeField:
                values[row.id] = (try? Rollback.record(fromJSON: row.change.old ?? "{}", entity: entity, id: 0))?.values.map(\.canonicalText)
            default:
                break
            }
            _ = rewind.undo(AuditRewind.Row(id: row.id, run: row.change.run, key: nil, field: row.change.field, old: row.change.old, new: row.change.new))
        }
        return rows.map { (id: $0.id, change: $0.change, values: values[$0.id]) }
    }

    /// The kind and state of each run that touched the record, and the committed rollback that undid each rolled-back one.
    private func runStates(_ runs: Set<Int64>) throws -> (states: [Int64: RunState], undoneBy: [Int64: Int64]) {
        guard !runs.isEmpty else { return ([:], [:]) }
        let list: SQLValue = .text("[" + runs.sorted().map(String.init).joined(separator: ",") + "]")
        var states: [Int64: RunState] = [:]
        for row in try connection.rows("SELECT id, kind, status FROM runs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id", [list]) {
            states[row[0].integer ?? 0] = RunState(kind: RunKind(rawValue: row[1].text ?? ""), rolledBack: row[2].text == RunStatus.rolledBack.rawValue)
        }
        var undoneBy: [Int64: Int64] = [:]
        for row in try connection.rows("""
            SELECT parent_run, max(id) FROM runs WHERE kind = 'rollback' AND status = 'committed'
              AND parent_run IN (SELECT value FROM json_each(?)) GROUP BY parent_run ORDER BY parent_run
            """, [list]) {
            if let parent = row[0].integer, let run = row[1].integer, states[parent]?.rolledBack == true { undoneBy[parent] = run }
        }
        return (states, undoneBy)
    }

    /// Every audited change of the record, newest first, inserts and removals with their values.
    package func entries(entity: EntityDefinition, record: Int64) throws -> [Entry] {
        let rows = try self.rows(entity: entity, record: record)
        let (_, undoneBy) = try runStates(Set(rows.map(\.change.run)))
        return rows.reversed().map { row in
            let values = row.values.map { values in
                zip(entity.fields, values).compactMap { field, value in value.map { FieldText(field: field.name, value: $0) } }
            }
            return Entry(change: row.change, values: values, undoneBy: undoneBy[row.change.run])
        }
    }

    /// For each field, the source and run whose value the record holds now. Rows of a rolled-back
    /// run no longer stand; a rollback's own rows put an earlier value back, so the field's setter
    /// is the one that set that value (a rollback names itself only where no earlier setter is known).
    package func standing(entity: EntityDefinition, record: Int64) throws -> Standing {
        let rows = try self.rows(entity: entity, record: record)
        let (states, _) = try runStates(Set(rows.map(\.change.run)))
        var setters: [[(run: Int64, source: String?, value: String?)]] = Array(repeating: [], count: entity.fields.count)
        var removal: Change?
        for row in rows {
            guard let state = states[row.change.run], !state.rolledBack else { continue }
            let change = row.change
            switch change.field {
            case AuditTrail.insertField:
                removal = nil
                // A rollback putting back a record whose removal it undid keeps the setters from before.
                if state.kind == .rollback && setters.contains(where: { !$0.isEmpty }) { continue }
                setters = entity.fields.indices.map { [(change.run, change.source, row.values?[$0] ?? nil)] }
            case AuditTrail.removeField:
                removal = change
                setters = Array(repeating: [], count: entity.fields.count)
            default:
                guard let index = entity.index(ofField: change.field) else { continue }
                if state.kind == .rollback, let earlier = setters[index].lastIndex(where: { $0.value == change.new }) {
                    setters[index].removeSubrange((earlier + 1)...)
                } else {
                    setters[index].append((change.run, change.source, change.new))
                }
            }
        }
        if removal != nil { return Standing(setters: [], removal: removal) }
        return Standing(setters: zip(entity.fields, setters).compactMap { field, stack in
            stack.last.map { Setter(field: field.name, source: $0.source, run: $0.run) }
        }, removal: nil)
    }

    /// The store keys (`_id`) of records whose sys_id, display field or audit key is `key`.
    package func find(entity: EntityDefinition, key: String) throws -> [Int64] {
        var conditions = ["\"sys_id\" = ?1"]
        if let display = entity.displayField { conditions.append("\(EntityTable.quoted(display)) = ?1") }
        let table = EntityTable(entity).name
        var ids = try connection.rows("SELECT _id FROM \(table) WHERE \(conditions.joined(separator: " OR ")) ORDER BY _id", [.text(key)])
            .compactMap { $0.first?.integer }
        if ids.isEmpty {
            ids = try connection.rows("SELECT DISTINCT record FROM audit WHERE entity = ? AND key = ? ORDER BY record",
                                      [.text(entity.name), .text(key)]).compactMap { $0.first?.integer }
        }
        return ids
    }

    /// For each field, the source and run whose value the record holds now (see ``standing(entity:record:)``).
    package func lastSetters(entity: EntityDefinition, record: Int64) throws -> [Setter] {
        try standing(entity: entity, record: record).setters
    }
}

extension RecordHistory.Entry: JSONOutput {
    private enum CodingKeys: String, CodingKey { case values }

    /// The change's keys, then (for an insert or removal) `"values"`: its digest or JSON copy
    /// alone says little.
    package func encode(to encoder: any Encoder) throws {
        try change.encode(to: encoder)
        guard let values else { return }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(OrderedJSONObject(values.map { (key: $0.field, value: $0.value) }), forKey: .values)
    }
}
