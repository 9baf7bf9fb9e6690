/// Merge, the second stage: a row laid over the stored record it identified. An older version is
/// stale; fields and `_extra` columns the row lacks keep their stored values; a case's derived
/// fields are put in (``CaseRuleStage``); precedence reverts what a lower-ranked source may not
/// change; a same-version tie is settled field by field (``SameVersionTie``). What is left is the
/// column-level change, and the conflicts the rules noted.
struct RecordMerger {
    let entity: EntityDefinition
    let source: String
    let precedence: PrecedenceRules
    private let audit: AuditTrail
    private let cases: CaseRuleStage
    private let updatedIndex: Int?
    private let modCountIndex: Int?
    /// External references (to tables Tally does not load) by index; each one's display field follows it.
    private let externalIndexes: [Int]

    init(entity: EntityDefinition, source: String, precedence: PrecedenceRules, audit: AuditTrail, cases: CaseRuleStage) {
        self.entity = entity
        self.source = source
        self.precedence = precedence
        self.audit = audit
        self.cases = cases
        updatedIndex = entity.index(ofField: entity.updatedField)
        modCountIndex = entity.index(ofField: entity.modCountField)
        externalIndexes = entity.fields.indices.filter { entity.fields[$0].displayField != nil }
    }

    /// A row merged into its stored record.
    struct Merged {
        var values: [FieldValue]
        var extra: String?
        /// The fields whose value changes, by index.
        var changed: [Int]
        /// Writes a rule refused or settled, to be stored as conflicts.
        var notes: [ConflictNote]

        /// Whether the merge leaves `stored` as it is.
        func changesNothing(in stored: StoredRecord) -> Bool { changed.isEmpty && extra == stored.extra }
    }

    enum Outcome {
        /// Older than the stored record (`sys_updated_on`, then `sys_mod_count`): not applied.
        /// `version`: the row's `sys_updated_on`, as `tally explain` names the losing row.
        case stale(version: String?)
        case merged(Merged)
    }

    /// Merges row `values` (and its `_extra` JSON) into `stored`. `versionIsExportTime`: the
    /// row's version is the export's time, no change by itself.
    func merge(_ values: [FieldValue?], extra incomingExtra: String?, into stored: StoredRecord,
               versionIsExportTime: Bool) throws -> Outcome {
        var current = version(of: stored.values.map(Optional.some))
        // A part of the version the row does not carry (an export without sys_mod_count) is not
        // compared, nor one the stored record lacks (a list view stored, an export of it now).
        let incoming = version(of: values, partsMissingFrom: current)
        if current.modCount == nil { current.modCount = incoming.modCount }
        if incoming < current { return .stale(version: incoming.updated) }
        // A deleted record comes back only with a version newer than its delete (restored on the platform).
        if let deletedAt = stored.deletedAt, (incoming.updated ?? "") <= deletedAt { return .stale(version: incoming.updated) }

        var merged = stored.values
        for (index, value) in values.enumerated() { if let value { merged[index] = value } }
        if stored.deletedAt != nil { try restoreRetiredField(stored: stored, incoming: values, merged: &merged) }
        var notes = try cases.protect(stored: stored, incoming: values, merged: &merged)
        notes += try applyPrecedence(stored: stored, merged: &merged)
        // Same version, other content: a tie no arrival order may decide (whether the stored side
        // came from an earlier run or an earlier row of this one). A retired record seen again comes
        // back even at the same version: retiring it was our change, not the source's.
        let tie = incoming == current && stored.retiredInRun == nil
        // A reference that moves to another record, from an input without its display column,
        // drops the old display value: it named the record the reference no longer points at. Not
        // in a tie: the same version names the same record (a list view's name, an export's sys_id).
        for index in externalIndexes where !tie && values[index] != nil && values[index + 1] == nil && merged[index] != stored.values[index] {
            merged[index + 1] = .null
        }
        // Unknown columns merge like fields: one the input lacks keeps its stored value.
        let extra = ExtraColumns.merge(stored: stored.extra, incoming: incomingExtra, tie: tie)
        var changed = merged.indices.filter { merged[$0] != stored.values[$0] }
        if tie {
            notes += settleTie(stored: stored, merged: &merged, changed: changed)
            changed = changed.filter { merged[$0] != stored.values[$0] }
        }
        // A version that is only the export's time changes nothing by itself (a list view taken again).
        if versionIsExportTime, let updatedIndex, changed == [updatedIndex] {
            merged[updatedIndex] = stored.values[updatedIndex]
            changed = []
        }
        return .merged(Merged(values: merged, extra: extra, changed: changed, notes: notes))
    }

    /// A deleted record coming back from a row without the retire rule's field: the field gets the
    /// value the delete replaced (its audit row's `old`), so the restored record is not left retired.
    private func restoreRetiredField(stored: StoredRecord, incoming: [FieldValue?], merged: inout [FieldValue]) throws {
        guard let rule = entity.retireRule, let index = entity.index(ofField: rule.field), incoming[index] == nil,
              merged[index].canonicalText == rule.value else { return }
        guard let before = try audit.valueReplaced(entity: entity, id: stored.id, field: rule.field, by: rule.value) else { return }
        merged[index] = FieldValue(canonical: before, type: entity.fields[index].type)
    }

    /// Decides a same-version tie field by field (``SameVersionTie``), so every order of the rows
    /// ends in the same state; says where the two sides disagreed (a value filling an empty field
    /// is no disagreement: a partial export of the same version fills, never empties).
    private func settleTie(stored: StoredRecord, merged: inout [FieldValue], changed: [Int]) -> [ConflictNote] {
        var notes: [ConflictNote] = []
        for index in changed {
            let (old, new) = (stored.values[index].canonicalText, merged[index].canonicalText)
            let keepsStored = SameVersionTie.keepsStored(old, over: new)
            if keepsStored { merged[index] = stored.values[index] }
            guard !(old ?? "").isEmpty else { continue }
            notes.append(ConflictNote(
                field: entity.fields[index].name, stored: old, storedSource: stored.source, incoming: new, rule: "same_version",
                message: "same \(entity.updatedField) and \(entity.modCountField) as the stored record but another value; the \(keepsStored ? "stored" : "incoming") value was kept (\(SameVersionTie.rule), whatever the arrival order)"))
        }
        return notes
    }

    /// Reverts changes a lower-priority source may not make, and says which.
    private func applyPrecedence(stored: StoredRecord, merged: inout [FieldValue]) throws -> [ConflictNote] {
        guard precedence.governs(entity: entity.name) else { return [] }
        var notes: [ConflictNote] = []
        for index in merged.indices where merged[index] != stored.values[index] {
            let field = entity.fields[index].name
            let rule = precedence.rule(entity: entity.name, field: field)
            let storedValue = stored.values[index]
            let isEmpty = storedValue.canonicalText?.isEmpty ?? true
            switch rule.policy {
            case .any:
                continue
            case .writeIfEmpty:
                if isEmpty { continue }
                notes.append(ConflictNote(
                    field: field, stored: storedValue.canonicalText, storedSource: try audit.lastSource(entity: entity, id: stored.id, field: field),
                    incoming: merged[index].canonicalText, rule: "precedence.write_if_empty",
                    message: "\(field) may only be written while empty; source '\(source)' tried to change it"))
            case .owner:
                if isEmpty { continue }
                let owner = try audit.lastSource(entity: entity, id: stored.id, field: field) ?? stored.source ?? source
                if rule.rank(of: source) <= rule.rank(of: owner) { continue }
                notes.append(ConflictNote(
                    field: field, stored: storedValue.canonicalText, storedSource: owner,
                    incoming: merged[index].canonicalText, rule: "precedence.owner",
                    message: "source '\(source)' ranks below '\(owner)' for \(entity.name).\(field) (order: \(rule.sources.joined(separator: " > "))); the stored value was kept"))
            }
            merged[index] = storedValue
        }
        return notes
    }

    /// The version `values` carry; a part they do not carry (absent or empty) is taken from
    /// `missingFrom` when given, so it compares equal.
    private func version(of values: [FieldValue?], partsMissingFrom missingFrom: RecordVersion? = nil) -> RecordVersion {
        var modCount: Int64?
        if let modCountIndex, case .integer(let number)? = values[modCountIndex] { modCount = number }
        var updated = updatedIndex.flatMap { values[$0]?.canonicalText }
        if let missingFrom {
            if updated == nil { updated = missingFrom.updated }
            if modCount == nil { modCount = missingFrom.modCount }
        }
        return RecordVersion(updated: updated, modCount: modCount)
    }
}
