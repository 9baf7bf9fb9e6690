import TallyFormats
import TallyStore

/// The case-side rules of `CaseRules`, applied while cases are reconciled so that the same rows
/// give the same store in any order or split:
/// - a case is a child only while its `parent` is an accepted major case;
/// - a major case's related-record fields are derived: its own value where its newest row has
///   one, else its candidate's (recorded in `case_derived`, so it can be derived again);
/// - a child's related records are read-only on the platform: a change to them is a warning, and
///   the newest row still wins;
/// - a case holds one record per related field in a run (two rows disagreeing is a conflict);
/// - each resolution code's requirement is checked (a violation is a warning).
final class CaseLinks {
    let connection: Connection
    let registry: EntityRegistry
    let entity: EntityDefinition
    let rules: CaseRules
    let run: Int64
    let source: String
    private let audit: AuditTrail
    private let references: ReferenceResolver
    private let related: [(field: String, index: Int)]
    private let parentIndex: Int
    private let majorStateIndex: Int
    private let resolutionIndex: Int
    private let sysIDIndex: Int
    private let numberIndex: Int
    /// Fields whose change can change which child is a major case's candidate, or what it holds.
    private let candidacyIndexes: [Int]
    private let tableName: String
    private let candidateSQL: String
    /// Cases a row of this run named: a second row for one of them is checked against the first.
    private var named = RecordSet()

    init(connection: Connection, registry: EntityRegistry, entity: EntityDefinition, rules: CaseRules, run: Int64, source: String) {
        self.connection = connection
        self.registry = registry
        self.entity = entity
        self.rules = rules
        self.run = run
        self.source = source
        audit = AuditTrail(connection: connection, run: run, source: source)
        references = ReferenceResolver(connection: connection, entity: entity, registry: registry)
        related = rules.relatedFields.compactMap { field in entity.index(ofField: field).map { (field, $0) } }
        parentIndex = entity.index(ofField: rules.parentField)!
        majorStateIndex = entity.index(ofField: rules.majorStateField)!
        resolutionIndex = entity.index(ofField: rules.resolutionField)!
        sysIDIndex = entity.index(ofField: "sys_id")!
        let number = entity.displayField ?? "number"
        numberIndex = entity.index(ofField: number)!
        let created = entity.index(ofField: rules.createdField)
        candidacyIndexes = [parentIndex, majorStateIndex, sysIDIndex, numberIndex] + (created.map { [$0] } ?? []) + related.map(\.index)
        tableName = EntityTable(entity).name
        let createdOrder = created == nil ? "" : "\(EntityTable.quoted(rules.createdField)) IS NULL, \(EntityTable.quoted(rules.createdField)), "
        candidateSQL = """
            SELECT _id FROM \(tableName)
            WHERE \(EntityTable.quoted(rules.parentField)) IN (?1, ?2) AND coalesce(\(EntityTable.quoted(rules.majorStateField)), '') <> '' AND _id <> ?3
            ORDER BY \(createdOrder)\(EntityTable.quoted(number)), _id LIMIT 1
            """
    }

    private func text(_ value: FieldValue?) -> String? {
        guard let text = value?.canonicalText, !text.isEmpty else { return nil }
        return text
    }

    private func name(_ values: [FieldValue]) -> String { text(values[numberIndex]) ?? text(values[sysIDIndex]) ?? "the case" }

    // MARK: - Rows

    /// Before stored case `stored` is updated with a row (`incoming`, merged into `merged`): puts
    /// the case's derived related values into `merged` and returns the conflicts of a second row
    /// for the case in this run.
    func protect(stored: StoredRecord, incoming: [FieldValue?], merged: inout [FieldValue]) throws -> [ConflictNote] {
        let derived = try derivedFields(of: stored.id)
        let notes = cardinality(stored: stored, derived: derived, incoming: incoming, newest: true)
        for (field, index) in related where incoming[index] == nil && derived.contains(field) {
            merged[index] = .null  // not in the row: its own value stays, and that is empty
        }
        let now = try derive(&merged, id: stored.id)
        try setDerived(now, of: stored.id, before: derived)
        let fields = now.union(derived.filter { field in related.contains { $0.field == field && text(merged[$0.index]) == nil } })
        copiesToCheck[stored.id] = fields.isEmpty ? nil : fields
        return notes
    }

    /// The derived fields of a case being updated whose pending references are due once it is
    /// written (derived now, or derived before and empty now), by case.
    private var copiesToCheck: [Int64: Set<String>] = [:]

    /// A row older than stored case `stored`: nothing changes, but a second row of this run that
    /// disagrees with the first is a conflict, whichever came first.
    func staleRow(stored: StoredRecord, incoming: [FieldValue?]) throws -> [ConflictNote] {
        cardinality(stored: stored, derived: try derivedFields(of: stored.id), incoming: incoming, newest: false)
    }

    /// A row that left stored case `id` unchanged (it names it all the same).
    func unchangedRow(_ id: Int64) { named.insert(id) }

    /// A case holds one record per related field: a second row of this run with another one is a
    /// conflict (the newest row wins). Compares the rows' own values, never a derived one.
    private func cardinality(stored: StoredRecord, derived: Set<String>, incoming: [FieldValue?], newest: Bool) -> [ConflictNote] {
        defer { named.insert(stored.id) }
        guard named.contains(stored.id) else { return [] }
        var notes: [ConflictNote] = []
        for (field, index) in related where !derived.contains(field) {
            guard let before = text(stored.values[index]), let after = text(incoming[index]), before != after else { continue }
            let (kept, older) = newest ? (after, before) : (before, after)
            notes.append(ConflictNote(
                field: field, stored: before, storedSource: stored.source, incoming: after, rule: "case.cardinality",
                message: "\(name(stored.values)) got two different \(field) values in one run (\(older) in an older row, \(kept) in the newest); a case has at most one \(field): the newest row wins"))
        }
        return notes
    }

    /// After a case is written: warns of a child's changed related records, derives again the
    /// major cases it may be the candidate of, checks the resolution code.
    func afterWrite(id: Int64, values: [FieldValue], previous: [FieldValue]?, provenance: Provenance) throws -> [Finding] {
        named.insert(id)
        var findings: [Finding] = []
        if let previous, let major = try major(of: previous), try self.major(of: values)?.id == major.id {
            for (field, index) in related where text(previous[index]) != text(values[index]) {
                findings.append(Finding(
                    severity: .warning, rule: "case.child_read_only", field: field,
                    message: "\(name(values)) is a child of major case \(name(major.values)), so its \(field) is read-only on the platform, yet run \(run) changed it from \(text(previous[index]) ?? "empty") to \(text(values[index]) ?? "empty"); the newest row was applied: check the change on the platform",
                    value: text(values[index]), provenance: provenance))
            }
        }
        var values = values
        if previous == nil {
            // A major case arriving after its children: derived now, and checked as derived.
            if text(values[majorStateIndex]) == rules.acceptedMajorState { values = try rederive(id) }
        } else if let fields = copiesToCheck.removeValue(forKey: id) {
            try recordPendingCopies(id: id, values: values, fields: fields)
        }
        if previous.map({ old in candidacyIndexes.contains { old[$0] != values[$0] } }) ?? true {
            var majors = Set<Int64>()
            for parent in Set([previous?[parentIndex], values[parentIndex]].compactMap { text($0) }) {
                if let major = try findCase(parent), major.id != id, !majors.contains(major.id) {
                    majors.insert(major.id)
                    try rederive(major.id)
                }
            }
        }
        return findings + (try checkResolution(values, provenance: provenance))
    }

    // MARK: - Major cases

    /// The accepted major case that `values`' parent names, if there is one: only then is the case a child.
    private func major(of values: [FieldValue]) throws -> StoredRecord? {
        guard let parent = text(values[parentIndex]), let major = try findCase(parent),
              text(major.values[majorStateIndex]) == rules.acceptedMajorState else { return nil }
        return major
    }

    /// The candidate of the major case whose values are `values`: the child carrying a major-case
    /// state of its own, the earliest created (then the lowest number) when several do.
    private func candidate(of values: [FieldValue], id: Int64) throws -> StoredRecord? {
        guard text(values[majorStateIndex]) == rules.acceptedMajorState else { return nil }
        let keys = [text(values[sysIDIndex]), text(values[numberIndex])].compactMap { $0 }
        guard let first = keys.first else { return nil }
        let candidate = try connection.scalar(candidateSQL, [.text(first), .text(keys.last!), .integer(id)]).integer
        return try candidate.map { try EntityWriter.load(entity, id: $0, connection: connection) }
    }

    /// Fills the empty related fields of `values` (case `id`'s own values) with its candidate's,
    /// when it is an accepted major case; returns the fields filled. A copied reference is
    /// resolved like any reference.
    private func derive(_ values: inout [FieldValue], id: Int64) throws -> Set<String> {
        guard let candidate = try candidate(of: values, id: id) else { return [] }
        var filled = Set<String>()
        for (field, index) in related where text(values[index]) == nil {
            guard let value = text(candidate.values[index]) else { continue }
            let slot = references.slots.first { $0.index == index }
            if let slot, case .found(let sysID?) = try references.lookUp(value, in: slot) {
                values[index] = .text(sysID)
            } else {
                values[index] = .text(value)
            }
            filled.insert(field)
        }
        return filled
    }

    /// Derives stored case `id`'s related values again (its candidate, or whether it is a major
    /// case, may have changed), writing and auditing what changes; returns its values.
    @discardableResult
    private func rederive(_ id: Int64) throws -> [FieldValue] {
        let stored = try EntityWriter.load(entity, id: id, connection: connection)
        let before = try derivedFields(of: id)
        var values = stored.values
        for (field, index) in related where before.contains(field) { values[index] = .null }
        let filled = try derive(&values, id: id)
        try setDerived(filled, of: id, before: before)
        let changes = related.filter { values[$0.index] != stored.values[$0.index] }
        if !changes.isEmpty {
            let assignments = changes.map { "\(EntityTable.quoted($0.field)) = ?" }.joined(separator: ", ")
            try connection.run("UPDATE \(tableName) SET \(assignments), _updated_run = ? WHERE _id = ?",
                               changes.map { values[$0.index].sqlValue } + [.integer(run), .integer(id)])
            let written = try EntityWriter.rehash(entity, id: id, connection: connection)
            for (field, index) in changes {
                try audit.recordChange(entity: entity, id: id, values: written, field: field,
                                       old: stored.values[index].canonicalText, new: values[index].canonicalText)
            }
        }
        try recordPendingCopies(id: id, values: values, fields: filled.union(before))
        return values
    }

    /// A derived reference whose target is not in the store yet is pending, like the candidate's
    /// own: the run that brings the target resolves both. `fields`: the fields derived now, and
    /// those derived before that are empty now (their pending rows are closed).
    private func recordPendingCopies(id: Int64, values: [FieldValue], fields: Set<String>) throws {
        guard !fields.isEmpty else { return }
        var unresolved: [ReferenceResolver.Unresolved] = []
        for slot in references.slots where fields.contains(slot.field) {
            guard let value = text(values[slot.index]), case .missing = try references.lookUp(value, in: slot) else { continue }
            unresolved.append(.init(field: slot.field, target: slot.target, raw: value, display: nil))
        }
        try references.recordPending(unresolved, entity: entity.name, record: id, run: run, fields: fields)
    }

    /// The related fields of case `id` that hold its candidate's value.
    private func derivedFields(of id: Int64) throws -> Set<String> {
        Set(try connection.rows("SELECT field FROM case_derived WHERE case_record = ? AND ended_in_run IS NULL",
                                [.integer(id)]).compactMap { $0.first?.text })
    }

    /// Records that `now` (and no longer `before`'s others) of case `id` hold its candidate's value.
    private func setDerived(_ now: Set<String>, of id: Int64, before: Set<String>) throws {
        for field in before.subtracting(now) {
            // Set and ended in this run: nothing for a rollback to restore.
            try connection.run("DELETE FROM case_derived WHERE case_record = ? AND field = ? AND ended_in_run IS NULL AND run = ?",
                               [.integer(id), .text(field), .integer(run)])
            try connection.run("UPDATE case_derived SET ended_in_run = ? WHERE case_record = ? AND field = ? AND ended_in_run IS NULL",
                               [.integer(run), .integer(id), .text(field)])
        }
        for field in now.subtracting(before) {
            try connection.run("INSERT INTO case_derived (case_record, field, run) VALUES (?, ?, ?)", [.integer(id), .text(field), .integer(run)])
        }
    }

    /// The case a reference names (by sys_id, else by number).
    func findCase(_ reference: String) throws -> StoredRecord? {
        let id = try connection.scalar(
            "SELECT _id FROM \(tableName) WHERE \"sys_id\" = ?1 OR \(EntityTable.quoted(entity.displayField ?? "number")) = ?1 ORDER BY _id LIMIT 1",
            [.text(reference)]).integer
        return try id.map { try EntityWriter.load(entity, id: $0, connection: connection) }
    }

    // MARK: - Resolution codes

    /// A warning for each resolution-code requirement the case's related records fail.
    private func checkResolution(_ values: [FieldValue], provenance: Provenance) throws -> [Finding] {
        guard let code = text(values[resolutionIndex]),
              let requirement = rules.requirements.first(where: { $0.code == code }),
              let target = registry.entity(named: requirement.entity) else { return [] }
        let caseName = text(values[numberIndex]) ?? "this case"
        let targetTable = EntityTable(target).name
        let stateColumn = EntityTable.quoted(requirement.stateField)
        let display = EntityTable.quoted(target.displayField ?? "sys_id")
        var states: [(name: String, state: String?)] = []
        if let caseField = requirement.caseField {
            guard let index = entity.index(ofField: caseField), let reference = text(values[index]) else {
                return [finding(code, "\(caseName) has resolution code '\(code)', which needs \(requirement.summary), but its \(caseField) is empty", provenance)]
            }
            states = try connection.rows(
                "SELECT \(display), \(stateColumn) FROM \(targetTable) WHERE \"sys_id\" = ?1 OR \(display) = ?1 LIMIT 1",
                [.text(reference)]).map { ($0[0].text ?? reference, $0[1].text) }
            if states.isEmpty { return [] }  // not in the store yet: the consistency report checks it later
        } else if let link = entity.index(ofField: "sys_id").flatMap({ text(values[$0]) }) ?? text(values[numberIndex]) {
            states = try connection.rows(
                "SELECT \(display), \(stateColumn) FROM \(targetTable) WHERE \(EntityTable.quoted(rules.requestLink.field)) IN (?, ?) ORDER BY \(display)",
                [.text(link), .text(text(values[numberIndex]) ?? link)]).map { ($0[0].text ?? "?", $0[1].text) }
        }
        if states.contains(where: { requirement.states.accepts($0.state) }) { return [] }
        // A state reads as its code and label (`-1 (Assess)`), as the platform shows it.
        let stateField = target.index(ofField: requirement.stateField).map { target.fields[$0] }
        func shown(_ state: String?) -> String {
            guard let state else { return "empty" }
            guard case .choice(let list)? = stateField?.type, let choice = list.choice(code: state) else { return state }
            return "\(state) (\(choice.label))"
        }
        let found = states.isEmpty ? "none is in the store"
            : states.map { "\($0.name) is \(shown($0.state))" }.joined(separator: ", ")
        return [finding(code, "\(caseName) has resolution code '\(code)', which needs \(requirement.summary), but \(found)", provenance)]
    }

    private func finding(_ code: String, _ message: String, _ provenance: Provenance) -> Finding {
        Finding(severity: .warning, rule: RuleID("resolution.\(code)"), field: rules.resolutionField, message: message, provenance: provenance)
    }
}
