/// The case-side rules of `CaseRules`, applied while cases are reconciled:
/// a child's related-record fields are read-only; a case holds one record per related field in a
/// run; a child joining an accepted major case fills the major case's empty related fields; each
/// resolution code's requirement is checked (a violation is a warning).
final class CaseLinks {
    let connection: Connection
    let registry: EntityRegistry
    let entity: EntityDefinition
    let rules: CaseRules
    let run: Int64
    let source: String
    private let audit: AuditTrail
    private let related: [(field: String, index: Int)]
    private let parentIndex: Int
    private let majorStateIndex: Int
    private let resolutionIndex: Int
    private let sysIDIndex: Int
    private let numberIndex: Int
    private let tableName: String

    init(connection: Connection, registry: EntityRegistry, entity: EntityDefinition, rules: CaseRules, run: Int64, source: String) {
        self.connection = connection
        self.registry = registry
        self.entity = entity
        self.rules = rules
        self.run = run
        self.source = source
        audit = AuditTrail(connection: connection, run: run, source: source)
        related = rules.relatedFields.compactMap { field in entity.index(ofField: field).map { (field, $0) } }
        parentIndex = entity.index(ofField: rules.parentField)!
        majorStateIndex = entity.index(ofField: rules.majorStateField)!
        resolutionIndex = entity.index(ofField: rules.resolutionField)!
        sysIDIndex = entity.index(ofField: "sys_id")!
        numberIndex = entity.index(ofField: entity.displayField ?? "number")!
        tableName = EntityTable(entity).name
    }

    private func text(_ value: FieldValue) -> String? {
        guard let text = value.canonicalText, !text.isEmpty else { return nil }
        return text
    }

    /// Reverts changes the rules forbid and returns them as conflicts.
    func protect(stored: StoredRecord, merged: inout [FieldValue]) throws -> [ConflictNote] {
        var notes: [ConflictNote] = []
        let name = text(stored.values[numberIndex]) ?? "the case"
        if let parent = text(stored.values[parentIndex]) {
            let major = try findCase(parent).map { text($0.values[numberIndex]) ?? parent } ?? parent
            for (field, index) in related where merged[index] != stored.values[index] {
                notes.append(ConflictNote(
                    field: field, stored: stored.values[index].canonicalText, storedSource: stored.source,
                    incoming: merged[index].canonicalText, rule: "case.child_read_only",
                    message: "\(name) is a child of major case \(major): its related-record fields are read-only, so the change to \(field) was not applied"))
                merged[index] = stored.values[index]
            }
        } else if stored.writtenIn(run: run) {
            for (field, index) in related {
                guard let before = text(stored.values[index]), let after = text(merged[index]), before != after else { continue }
                notes.append(ConflictNote(
                    field: field, stored: before, storedSource: stored.source, incoming: after, rule: "case.cardinality",
                    message: "\(name) got two different \(field) values in one run (\(before), then \(after)); a case has at most one \(field): the newest row wins"))
            }
        }
        return notes
    }

    /// After a case is written: joins to a major case, pulls into a major case, checks the resolution code.
    func afterWrite(id: Int64, values: [FieldValue], previous: [FieldValue]?, provenance: Provenance) throws -> [Finding] {
        if let parent = text(values[parentIndex]), previous?[parentIndex] != values[parentIndex],
           let major = try findCase(parent), text(major.values[majorStateIndex]) == rules.acceptedMajorState {
            try copyRelated(from: values, into: major)
        }
        if text(values[majorStateIndex]) == rules.acceptedMajorState,
           previous.map({ text($0[majorStateIndex]) != rules.acceptedMajorState }) ?? true {
            for child in try children(of: values) {
                try copyRelated(from: child.values, into: try EntityWriter.load(entity, id: id, connection: connection))
            }
        }
        return try checkResolution(values, provenance: provenance)
    }

    /// Fills the major case's empty related-record fields from a child's.
    private func copyRelated(from child: [FieldValue], into major: StoredRecord) throws {
        var assignments: [String] = []
        var bindings: [SQLValue] = []
        var changes: [(String, String)] = []
        for (field, index) in related {
            guard text(major.values[index]) == nil, let value = text(child[index]) else { continue }
            assignments.append("\(EntityTable.quoted(field)) = ?")
            bindings.append(.text(value))
            changes.append((field, value))
        }
        guard !changes.isEmpty else { return }
        try connection.run("UPDATE \(tableName) SET \(assignments.joined(separator: ", ")), _updated_run = ? WHERE _id = ?",
                           bindings + [.integer(run), .integer(major.id)])
        let values = try EntityWriter.rehash(entity, id: major.id, connection: connection)
        for (field, value) in changes {
            try audit.recordChange(entity: entity, id: major.id, values: values, field: field, old: nil, new: value)
        }
    }

    /// The case a reference names (by sys_id, else by number).
    func findCase(_ reference: String) throws -> StoredRecord? {
        let id = try connection.scalar(
            "SELECT _id FROM \(tableName) WHERE \"sys_id\" = ?1 OR \(EntityTable.quoted(entity.displayField ?? "number")) = ?1 ORDER BY _id LIMIT 1",
            [.text(reference)]).integer
        return try id.map { try EntityWriter.load(entity, id: $0, connection: connection) }
    }

    /// The children of a case, in number order (so copying into the major case is deterministic).
    private func children(of values: [FieldValue]) throws -> [StoredRecord] {
        let keys = [text(values[sysIDIndex]), text(values[numberIndex])].compactMap { $0 }
        guard !keys.isEmpty else { return [] }
        let placeholders = keys.map { _ in "?" }.joined(separator: ", ")
        let number = EntityTable.quoted(entity.displayField ?? "number")
        let ids = try connection.rows(
            "SELECT _id FROM \(tableName) WHERE \(EntityTable.quoted(rules.parentField)) IN (\(placeholders)) ORDER BY \(number), _id",
            keys.map(SQLValue.text)).compactMap { $0.first?.integer }
        return try ids.map { try EntityWriter.load(entity, id: $0, connection: connection) }
    }

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
        if states.contains(where: { $0.state.map(requirement.acceptedValues.contains) ?? false }) { return [] }
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
