import TallyStore

/// Resolves reference fields to the target record's sys_id: by sys_id, else by the target's
/// display field (a task's number, a CI's name; an ambiguous name stays unresolved).
///
/// An unresolved reference keeps its raw value in the column and is recorded as pending, to be
/// resolved by ``resolvePending(target:run:source:)`` when a later run brings the target.
struct ReferenceResolver {
    /// A reference field of the entity being written, with how to look its target up.
    struct Slot {
        /// One entity the field may point at, with the statements that find a record of it.
        struct Target {
            /// The target entity's name (the slot keeps no copy of its definition: a slot is read
            /// for every row).
            var name: String
            var bySysIDSQL: String
            var byDisplaySQL: String?
            /// The target's number prefix (`INC`): a number with another prefix is not looked up in it.
            var numberPrefix: String?
            /// The target is another entity that held no record when the resolver was made: a run
            /// writes one entity, so such references cannot resolve during it and are not looked up.
            var wasEmpty = false
        }

        var index: Int
        var field: String
        /// The entities it may point at, in the registry's order for the field (one, for most).
        var targets: [Target]

        /// The target as pending rows name it: the entity, or the candidates joined by `|` for a
        /// reference to one of several (`case|incident|problem|change|request`).
        var target: String { targets.map(\.name).joined(separator: "|") }

        /// The target a pending row of `raw` names: the one entity whose number prefix `raw`
        /// carries, else ``target``.
        func pendingTarget(for raw: String) -> String {
            guard targets.count > 1 else { return target }
            let byPrefix = targets.filter { $0.numberPrefix.map { raw.hasPrefix($0) } ?? false }
            return byPrefix.count == 1 ? byPrefix[0].name : target
        }
    }

    /// A reference that did not resolve.
    struct Unresolved: Equatable {
        var field: String
        var target: String
        var raw: String
        var display: String?
    }

    let connection: Connection
    let slots: [Slot]
    /// A new record's pending rows, written ``BatchedInsert/rowsPerStatement`` to a statement. A
    /// new record has none yet (a rollback that removes a record removes its pending rows), so a
    /// plain insert: an upsert would make SQLite keep a statement journal (see ``Importer``).
    private let newRecordRows: BatchedInsert
    /// An updated record's pending row, replacing the one it had for the field.
    private let upsertPending: HeldStatement

    init(connection: Connection, entity: EntityDefinition, registry: EntityRegistry) {
        self.connection = connection
        newRecordRows = BatchedInsert(
            "INSERT OR FAIL INTO pending_references (run, entity, record, field, target_entity, raw_value, display_value)",
            columns: 7, on: connection)
        upsertPending = HeldStatement("""
            INSERT INTO pending_references (run, entity, record, field, target_entity, raw_value, display_value)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (entity, record, field) DO UPDATE SET
              run = excluded.run, target_entity = excluded.target_entity, raw_value = excluded.raw_value,
              display_value = excluded.display_value, resolved_in_run = NULL
            """, on: connection)
        slots = entity.fields.enumerated().compactMap { index, field in
            let targets = field.type.referenceTargets.compactMap { registry.entity(named: $0) }
            guard !targets.isEmpty else { return nil }
            return Slot(index: index, field: field.name, targets: targets.map { target in
                let table = EntityTable(target).name
                return Slot.Target(
                    name: target.name,
                    bySysIDSQL: "SELECT 1 FROM \(table) WHERE \"sys_id\" = ? LIMIT 1",
                    byDisplaySQL: target.displayField.map { "SELECT \"sys_id\", _id FROM \(table) WHERE \(EntityTable.quoted($0)) = ? LIMIT 2" },
                    numberPrefix: target.numberPrefix,
                    wasEmpty: target.name != entity.name && (try? connection.holdsRows(table)) == false)
            })
        }
    }

    /// A reference that resolved to a sys_id other than its raw value: `values[index]` becomes it.
    struct Replacement: Equatable {
        var index: Int
        var sysID: String
    }

    /// Looks up the references among `values`: the ones that resolve to a sys_id other than their
    /// raw value (to put in their place, ``apply(_:to:)``), the ones that did not resolve, and
    /// whether one found a target without a sys_id (`provisional`: it stays the raw value, and
    /// the same row resolves it to the sys_id once the target gains one).
    func resolve(_ values: [FieldValue?], displayValues: [DisplayValue]) throws
        -> (unresolved: [Unresolved], replacements: [Replacement], provisional: Bool) {
        var unresolved: [Unresolved] = []
        var replacements: [Replacement] = []
        var provisional = false
        for position in slots.indices {  // slots[position] read in place: a slot copied a row retains its strings
            let index = slots[position].index
            guard case .text(let raw)? = values[index], !raw.isEmpty else { continue }
            switch try lookUp(raw, in: slots[position]) {
            case .found(let sysID):
                if let sysID, sysID != raw { replacements.append(Replacement(index: index, sysID: sysID)) }
                if sysID == nil { provisional = true }
            case .missing:
                let field = slots[position].field
                let display = displayValues.isEmpty ? nil : displayValues.first { $0.field == field }?.value
                unresolved.append(Unresolved(field: field, target: slots[position].pendingTarget(for: raw), raw: raw, display: display))
            }
        }
        return (unresolved, replacements, provisional)
    }

    /// Puts resolved sys_ids in place of their references (`values` is copied only when there are any).
    static func apply(_ replacements: [Replacement], to values: inout [FieldValue?]) {
        for replacement in replacements { values[replacement.index] = .text(replacement.sysID) }
    }

    enum Lookup { case found(String?), missing }

    /// Finds the target of `raw`: `.found(sysID)` (nil when the target has no sys_id, so the raw
    /// value stays), or `.missing`. Of several possible targets, the first that holds it; a
    /// number is looked up only in the target whose prefix it carries.
    func lookUp(_ raw: String, in slot: Slot) throws -> Lookup {
        let isSysID = Validator.isSysID(raw)
        for target in slot.targets where !target.wasEmpty {
            if isSysID, try !connection.scalar(target.bySysIDSQL, [.text(raw)]).isNull { return .found(raw) }
            if slot.targets.count > 1, let prefix = target.numberPrefix, !raw.hasPrefix(prefix) { continue }
            guard let sql = target.byDisplaySQL else { continue }
            let rows = try connection.rows(sql, [.text(raw)])
            if rows.count == 1 { return .found(rows[0][0].text) }
        }
        return .missing
    }

    /// Records the unresolved references of one record (replacing what it had pending before),
    /// and closes pending rows of fields that now resolve (a new record has none to close).
    /// `fields` limits both to those fields (an update need not touch references it did not change).
    /// `holding`: a new record's rows may wait to be written with later ones (``flush()``).
    func recordPending(_ unresolved: [Unresolved], entity: String, record: Int64, run: Int64, isNew: Bool = false,
                       fields: Set<String>? = nil, holding: Bool = false) throws {
        func considered(_ field: String) -> Bool { fields?.contains(field) ?? true }
        let unresolved = fields == nil ? unresolved : unresolved.filter { considered($0.field) }
        if !isNew {
            try flush()  // the record's rows held, if it was inserted earlier in the run
            for slot in slots where considered(slot.field) && !unresolved.contains(where: { $0.field == slot.field }) {
                try connection.run("""
                    UPDATE pending_references SET resolved_in_run = ?
                    WHERE entity = ? AND record = ? AND field = ? AND resolved_in_run IS NULL
                    """, [.integer(run), .text(entity), .integer(record), .text(slot.field)])
            }
        }
        for reference in unresolved {
            /// The row's values, in the order of both statements' columns.
            func row<Sink: ParameterSink & ~Copyable>(_ sink: inout Sink) throws(Sink.Failure) {
                try sink.append(run); try sink.append(entity); try sink.append(record)
                try sink.append(reference.field); try sink.append(reference.target)
                try sink.append(reference.raw); try sink.append(reference.display)
            }
            if isNew {
                try newRecordRows.add(holding: holding) { row(&$0) }
            } else {
                try upsertPending.run { (parameters: inout Parameters) throws(StoreError) in try row(&parameters) }
            }
        }
    }

    /// Writes the pending rows held. Due before anything reads them, and before the run ends.
    func flush() throws {
        try newRecordRows.flush()
    }
}

extension ReferenceResolver {
    /// Resolves pending references to `target` that its records now satisfy: sets the column to
    /// the target's sys_id (audited) and marks the pending row resolved in `run`. Returns how many.
    /// The open references are read a page at a time (`pageSize`), so memory does not grow with them.
    static func resolvePending(target: EntityDefinition, registry: EntityRegistry, connection: Connection,
                               run: Int64, source: String, pageSize: Int = 1_000) throws -> Int {
        var resolvers: [String: ReferenceResolver] = [:]
        let audit = AuditTrail(connection: connection, run: run, source: source)
        var resolved = 0
        let names = pendingNames(of: target, in: registry)
        try connection.forEachPage("""
            SELECT id, entity, record, field, raw_value FROM pending_references
            WHERE target_entity IN (\(names.map { _ in "?" }.joined(separator: ", "))) AND resolved_in_run IS NULL AND id > ? ORDER BY id LIMIT ?
            """, names.map(SQLValue.text), pageSize: pageSize) { row in
            let pending = (id: row[0].integer ?? 0, entity: row[1].text ?? "", record: row[2].integer ?? 0,
                           field: row[3].text ?? "", raw: row[4].text ?? "")
            guard let entity = registry.entity(named: pending.entity) else { return }
            let resolver = resolvers[entity.name] ?? ReferenceResolver(connection: connection, entity: entity, registry: registry)
            resolvers[entity.name] = resolver
            guard let slot = resolver.slots.first(where: { $0.field == pending.field }),
                  case .found(let sysID) = try resolver.lookUp(pending.raw, in: slot) else { return }
            let table = EntityTable(entity).name
            let column = EntityTable.quoted(pending.field)
            let current = try connection.scalar("SELECT \(column) FROM \(table) WHERE _id = ?", [.integer(pending.record)]).text
            if current == pending.raw, let sysID, sysID != pending.raw {
                try connection.run("UPDATE \(table) SET \(column) = ?, _updated_run = ? WHERE _id = ?",
                                   [.text(sysID), .integer(run), .integer(pending.record)])
                let values = try EntityWriter.rehash(entity, id: pending.record, connection: connection)
                try audit.recordChange(entity: entity, id: pending.record, values: values, field: pending.field,
                                       old: pending.raw, new: sysID)
            } else if current == pending.raw, sysID == nil {
                // A target without sys_id: the reference stays its raw value, provisional as in
                // ``resolve(_:displayValues:)``, so the record keeps no input hash.
                try connection.run("UPDATE \(table) SET \(BookkeepingColumn.inputHash.name) = NULL WHERE _id = ?", [.integer(pending.record)])
            }
            try connection.run("UPDATE pending_references SET resolved_in_run = ? WHERE id = ?", [.integer(run), .integer(pending.id)])
            resolved += 1
        }
        return resolved
    }

    /// The names pending rows give `target`: its own, and that of each reference to one of
    /// several entities that include it (`case|incident|…`).
    static func pendingNames(of target: EntityDefinition, in registry: EntityRegistry) -> [String] {
        var names = [target.name]
        for entity in registry.entities {
            for field in entity.fields {
                let targets = field.type.referenceTargets
                guard targets.count > 1, targets.contains(target.name) else { continue }
                let joined = targets.joined(separator: "|")
                if !names.contains(joined) { names.append(joined) }
            }
        }
        return names
    }
}
