import TallyStore
import TallyFormats

/// Why a record's field holds its value, for `tally explain`: who set it (run, source, file and
/// row), the rule that decided, and the candidates that lost and why. Read from the audit, the
/// conflicts, the stale rows and the major cases' derived fields the store keeps.
package struct FieldExplanation: Sendable, Equatable {
    package var field: String
    package var value: String?
    /// The choice's label beside its code, for a choice field.
    package var label: String?
    package var run: Int64?
    package var source: String?
    package var place: InputPlace?
    /// The deciding rule, as a short kind (`first_load`, `newest_version`, `precedence.owner`, …).
    package var rule: String
    /// The rule in a sentence.
    package var reason: String
    package var losers: [Candidate]

    /// A value that lost: where it came from and why it lost.
    package struct Candidate: Sendable, Equatable {
        package var value: String?
        package var source: String?
        package var run: Int64
        package var place: InputPlace?
        /// `stale`, `lower_precedence`, `write_if_empty`, `same_version_tie`, `read_only`, `rolled_back`, `cardinality`.
        package var why: String
        package var message: String
    }

    /// An input row: the file a run read and the row's record number in it (its line when the store knows it).
    package struct InputPlace: Sendable, Equatable {
        package var file: String
        package var record: Int
        package var line: Int?

        package var text: String { line.map { "\(file):\($0)" } ?? "\(file) record \(record)" }
    }
}

/// `tally explain --json`: the record and each field's explanation, in one object.
package struct RecordExplanation: JSONOutput {
    package var entity: String
    package var key: String
    package var record: Int64
    package var fields: [FieldExplanation]

    package init(entity: String, key: String, record: Int64, fields: [FieldExplanation]) {
        (self.entity, self.key, self.record, self.fields) = (entity, key, record, fields)
    }
}

/// A field and each losing candidate carry their input place as three keys of their own
/// (`file`, `input_record`, `line`; null when no input row set it).
extension FieldExplanation: Encodable {
    fileprivate enum CodingKeys: String, CodingKey {
        case field, value, label, run, source, file, inputRecord = "input_record", line, rule, reason, losers, why, message
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(field, forKey: .field)
        try container.encode(value, forKey: .value)
        try container.encode(label, forKey: .label)
        try container.encode(run, forKey: .run)
        try container.encode(source, forKey: .source)
        try Self.encode(place, into: &container)
        try container.encode(rule, forKey: .rule)
        try container.encode(reason, forKey: .reason)
        try container.encode(losers, forKey: .losers)
    }

    fileprivate static func encode(_ place: InputPlace?, into container: inout KeyedEncodingContainer<CodingKeys>) throws {
        try container.encode(place?.file, forKey: .file)
        try container.encode(place?.record, forKey: .inputRecord)
        try container.encode(place?.line, forKey: .line)
    }
}

extension FieldExplanation.Candidate: Encodable {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldExplanation.CodingKeys.self)
        try container.encode(value, forKey: .value)
        try container.encode(source, forKey: .source)
        try container.encode(run, forKey: .run)
        try FieldExplanation.encode(place, into: &container)
        try container.encode(why, forKey: .why)
        try container.encode(message, forKey: .message)
    }
}

/// Works out ``FieldExplanation``s for one record.
package struct Explainer {
    let database: TallyDatabase
    var connection: Connection { database.connection }

    package init(_ database: TallyDatabase) { self.database = database }

    /// The explanation of each field of record `record` (or only `field`), in registry order.
    package func explain(entity: EntityDefinition, record: Int64, field: String? = nil) throws -> [FieldExplanation] {
        let standing = try RunStanding(connection: connection)
        let versions = try VersionHistory(entity: entity, connection: connection, standing: standing).versions(of: record)
        guard let current = versions.last else { return [] }
        let conflicts = try self.conflicts(entity: entity, record: record, standing: standing)
        let stale = try staleRows(entity: entity, record: record, standing: standing)
        let rolledBack = try rolledBackChanges(entity: entity, record: record, standing: standing)
        let derived = try derivedFields(entity: entity, record: record)
        let readOnly = try readOnlyFindings(entity: entity, values: current.values, standing: standing)
        var places: [Int64: [Int64: FieldExplanation.InputPlace]] = [:]
        func place(run: Int64, inputRow: Int64?) throws -> FieldExplanation.InputPlace? {
            guard let inputRow else { return nil }
            if let known = places[run]?[inputRow] { return known }
            let found = try self.place(run: run, inputRow: inputRow)
            places[run, default: [:]][inputRow] = found
            return found
        }
        var explanations: [FieldExplanation] = []
        for (index, definition) in entity.fields.enumerated() where field == nil || definition.name == field {
            let value = current.values[index]
            let setter = versions.last { $0.changedFields.contains(index) } ?? versions[0]
            var label: String?
            if case .choice(let list) = definition.type, let value { label = list.choice(code: value)?.label }
            var losers: [FieldExplanation.Candidate] = []
            for conflict in conflicts[definition.name] ?? [] {
                // The side of the conflict that is not the value held lost.
                let storedLost = conflict.message.contains("the incoming value was kept") || (conflict.incoming == value && conflict.stored != value)
                losers.append(FieldExplanation.Candidate(
                    value: storedLost ? conflict.stored : conflict.incoming, source: storedLost ? conflict.storedSource : conflict.source,
                    run: conflict.run, place: storedLost ? nil : try place(run: conflict.run, inputRow: conflict.inputRow),
                    why: Self.why(rule: conflict.rule), message: conflict.message))
            }
            for row in stale where row.fields[definition.name] != nil {
                let offered = row.fields[definition.name] ?? nil
                guard offered != value else { continue }
                losers.append(FieldExplanation.Candidate(
                    value: offered, source: row.source, run: row.run, place: try place(run: row.run, inputRow: row.inputRow), why: "stale",
                    message: "its \(entity.updatedField) \(row.version ?? "∅") is older than the stored record's: the row changed nothing (skipped_stale)"))
            }
            for finding in readOnly where finding.field == definition.name {
                // The value the read-only rule would have kept: the one before the run that changed it.
                let before = versions.lastIndex { $0.run == finding.run }.flatMap { $0 > 0 ? versions[$0 - 1].values[index] : nil }
                losers.append(FieldExplanation.Candidate(
                    value: before, source: nil, run: finding.run, place: finding.place, why: "read_only", message: finding.message))
            }
            for change in rolledBack[definition.name] ?? [] {
                losers.append(FieldExplanation.Candidate(
                    value: change.value, source: change.source, run: change.run, place: try place(run: change.run, inputRow: change.inputRow),
                    why: "rolled_back", message: "run \(change.run) set it, and run \(change.undoneBy.map(String.init) ?? "?") rolled that run back"))
            }
            let (rule, decided) = decidingRule(entity: entity, field: definition.name, setter: setter, current: current,
                                              derived: derived[definition.name], losers: losers, standing: standing)
 var reason = decided
            if let run = standing.runs[setter.run], run.kind == "rerun", let parent = run.parent {
                reason += " (run \(setter.run) reran run \(parent) with the maps and rules of its day)"
            }
            explanations.append(FieldExplanation(
                field: definition.name, value: value, label: label, run: setter.run == 0 ? nil : setter.run, source: setter.source,
                place: try place(run: setter.run, inputRow: setter.inputRow), rule: rule, reason: reason, losers: losers))
        }
        return explanations
    }

    private func decidingRule(entity: EntityDefinition, field: String, setter: VersionHistory.Version, current: VersionHistory.Version,
                              derived: Int64?, losers: [FieldExplanation.Candidate], standing: RunStanding) -> (String, String) {
        if let derived {
            return ("derived_major_case", "derived: the major case's own rows have no \(field), so it holds its candidate's (since run \(derived)); it follows the candidate")
        }
        if let win = losers.first(where: { $0.why == "lower_precedence" }) {
            return ("precedence.owner", "precedence policy owner: \(win.message)")
        }
        if losers.contains(where: { $0.why == "write_if_empty" }) {
            return ("precedence.write_if_empty", "precedence policy write_if_empty: the first value stays; later sources may not change it")
        }
        if losers.contains(where: { $0.why == "same_version_tie" }) {
            return ("same_version", "same-version tie: rows of the same \(entity.updatedField) disagreed; \(SameVersionTie.rule), whatever the arrival order")
        }
        if losers.contains(where: { $0.why == "rolled_back" }) {
            return ("rollback", "a later change was rolled back: the value is the one run \(setter.run) set")
        }
        if let deletedAt = setter.deletedAt, setter.change == .retired || setter.change == .restored {
            return setter.change == .retired
                ? ("deleted", "deleted: the platform deleted the record at \(deletedAt) (sys_audit_delete, imported by run \(setter.run)); the retire rule set this")
                : ("restored", "restored: run \(setter.run) brought a version newer than the record's delete at \(deletedAt)")
        }
        if setter.change == .retired || setter.change == .restored {
            let how = setter.change == .retired ? "no longer held the record: it was retired" : "held the retired record again: it came back"
            return ("snapshot_\(setter.change.rawValue)", "snapshot: run \(setter.run)'s full export \(how)")
        }
        if setter.change == .inserted {
            return ("first_load", "first load: run \(setter.run) inserted the record with this value, and no later version changed it")
        }
        return ("newest_version", "newest version: run \(setter.run) brought \(entity.updatedField) \(setter.validFrom), newer than what the store held")
    }

    private static func why(rule: String) -> String {
        switch rule {
        case "precedence.owner": "lower_precedence"
        case "precedence.write_if_empty": "write_if_empty"
        case "same_version": "same_version_tie"
        case "case.cardinality": "cardinality"
        default: rule
        }
    }

    private struct Conflict {
        var run: Int64
        var stored: String?
        var storedSource: String?
        var incoming: String?
        var source: String?
        var rule: String
        var message: String
        var inputRow: Int64?
    }

    /// The record's conflicts, by field, of runs that stand.
    private func conflicts(entity: EntityDefinition, record: Int64, standing: RunStanding) throws -> [String: [Conflict]] {
        var result: [String: [Conflict]] = [:]
        try connection.forEachRow("""
            SELECT field, run, stored, stored_source, incoming, source, rule, message, input_row FROM conflicts
            WHERE entity = ? AND record = ? ORDER BY id
            """, [.text(entity.name), .integer(record)]) { row in
            let run = row.int64(1)
            guard standing.stands(run) else { return }
            result[row.text(0) ?? "", default: []].append(Conflict(
                run: run, stored: row.text(2), storedSource: row.text(3), incoming: row.text(4), source: row.text(5),
                rule: row.text(6) ?? "", message: row.text(7) ?? "", inputRow: row.isNull(8) ? nil : row.int64(8)))
        }
        return result
    }

    private struct StaleRow {
        var run: Int64
        var source: String?
        var inputRow: Int64?
        var version: String?
        var fields: [String: String?]
    }

    /// The rows of runs that stand that were skipped as stale for the record, with what they offered.
    private func staleRows(entity: EntityDefinition, record: Int64, standing: RunStanding) throws -> [StaleRow] {
        var result: [StaleRow] = []
        try connection.forEachRow("SELECT run, source, input_row, version, fields FROM stale_rows WHERE entity = ? AND record = ? ORDER BY id",
                                  [.text(entity.name), .integer(record)]) { row in
            guard standing.stands(row.int64(0)) else { return }
            result.append(StaleRow(run: row.int64(0), source: row.text(1), inputRow: row.isNull(2) ? nil : row.int64(2), version: row.text(3),
                                   fields: Rollback.fields(ofJSON: row.text(4) ?? "{}")))
        }
        return result
    }

    private struct Undone {
        var run: Int64
        var value: String?
        var source: String?
        var inputRow: Int64?
        var undoneBy: Int64?
    }

    /// The field changes of rolled-back runs, by field.
    private func rolledBackChanges(entity: EntityDefinition, record: Int64, standing: RunStanding) throws -> [String: [Undone]] {
        var result: [String: [Undone]] = [:]
        var undoneBy: [Int64: Int64] = [:]
        for run in standing.runs.values where run.kind == "rollback" { if let parent = run.parent { undoneBy[parent] = max(undoneBy[parent] ?? 0, run.id) } }
        try connection.forEachRow("SELECT run, field, new, source, input_row FROM audit WHERE entity = ? AND record = ? ORDER BY id",
                                  [.text(entity.name), .integer(record)]) { row in
            let run = row.int64(0)
            guard standing.isRolledBack(run), standing.runs[run]?.kind != "rollback" else { return }
            result[row.text(1) ?? "", default: []].append(Undone(run: run, value: row.text(2), source: row.text(3),
                                                                 inputRow: row.isNull(4) ? nil : row.int64(4), undoneBy: undoneBy[run]))
        }
        return result
    }

    private struct ReadOnlyFinding {
        var run: Int64
        var field: String
        var message: String
        var place: FieldExplanation.InputPlace?
    }

    /// A child case's `case.child_read_only` warnings (the newest row changed a related record the
    /// platform keeps read-only): findings name their row, not their record, so the row's sys_id or
    /// number is matched.
    private func readOnlyFindings(entity: EntityDefinition, values: [String?], standing: RunStanding) throws -> [ReadOnlyFinding] {
        guard entity.name == "case" else { return [] }
        let keys = ["sys_id", "number"].compactMap { name in entity.index(ofField: name).flatMap { values[$0] }.map { (name, $0) } }
        guard !keys.isEmpty else { return [] }
        var result: [ReadOnlyFinding] = []
        try connection.forEachRow("""
            SELECT run, field, message, file, record, line, raw FROM findings
            WHERE run IN (SELECT id FROM runs WHERE entity = ?) AND rule = 'case.child_read_only' ORDER BY id
            """, [.text(entity.name)]) { row in
            let run = row.int64(0)
            guard standing.stands(run) else { return }
            let raw = Rollback.fields(ofJSON: row.text(6) ?? "{}")
            guard keys.contains(where: { raw[$0.0] == $0.1 }) else { return }
            result.append(ReadOnlyFinding(run: run, field: row.text(1) ?? "", message: row.text(2) ?? "",
                                          place: FieldExplanation.InputPlace(file: row.text(3) ?? "", record: Int(row.int64(4)),
                                                                             line: row.isNull(5) ? nil : Int(row.int64(5)))))
        }
        return result
    }

    /// The major case's fields that hold its candidate's value, with the run that derived each.
    private func derivedFields(entity: EntityDefinition, record: Int64) throws -> [String: Int64] {
        guard entity.name == "case" else { return [:] }
        var result: [String: Int64] = [:]
        try connection.forEachRow("SELECT field, run FROM case_derived WHERE case_record = ? AND ended_in_run IS NULL", [.integer(record)]) { row in
            result[row.text(0) ?? ""] = row.int64(1)
        }
        return result
    }

    /// Where input row `inputRow` of `run` was: the file, its record number, and its line when a finding of that row gives it.
    private func place(run: Int64, inputRow: Int64) throws -> FieldExplanation.InputPlace? {
        let position = inputRow >> 32, number = Int(inputRow & 0xFFFF_FFFF)
        guard let path = try connection.scalar("SELECT path FROM run_inputs WHERE run = ? AND position = ?", [.integer(run), .integer(position)]).text else {
            return nil
        }
        let line = try connection.scalar("SELECT line FROM findings WHERE run = ? AND input = ? AND record = ? AND line IS NOT NULL LIMIT 1",
                                         [.integer(run), .integer(position), .integer(Int64(number))]).integer
        return FieldExplanation.InputPlace(file: path, record: number, line: line.map(Int.init))
    }
}
