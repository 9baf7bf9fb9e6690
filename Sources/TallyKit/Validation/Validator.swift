/// Checks mapped records against the rules declared for their entity in the registry, plus the
/// map's additions, in a small dbt-like vocabulary. A finding of severity `error` rejects the
/// record; warnings load with it.
///
/// Typing rules (`type.*`, `choice`, `dst_*`) run while mapping; ``validate(_:)`` returns those
/// findings first, then its own, and does not judge a field whose typing already failed.
package struct Validator: Sendable {
    /// One declared rule.
    package enum Rule: Sendable, Hashable, CustomStringConvertible {
        /// dbt `not_null`: the field must not be null; see ``validate(_:)`` for absent columns.
        case required(String)
        /// dbt `accepted_values`: the value must be one of the field's choice codes.
        case acceptedValues(String, ChoiceList)
        /// The text must have a shape (sys_id, number prefix).
        case pattern(String, FieldDefinition.Pattern)
        /// The datetimes must not decrease along the chain.
        case temporalOrder([String])
        /// Some identification rule's fields must all be present and not null.
        case identifiable([[String]])

        package var description: String {
            switch self {
            case .required(let field): "not_null(\(field))"
            case .acceptedValues(let field, _): "accepted_values(\(field))"
            case .pattern(let field, let pattern): "pattern(\(field), \(pattern))"
            case .temporalOrder(let chain): "temporal_order(\(chain.joined(separator: " <= ")))"
            case .identifiable(let groups):
                "identifiable(\(groups.map { $0.joined(separator: "+") }.joined(separator: " | ")))"
            }
        }
    }

    package let entity: EntityDefinition
    package let rules: [Rule]
    /// The severity of each rule's findings (the defaults, or the map's `severity`).
    package var severities = SeverityPolicy.standard
    /// Each rule's fields as indexes into the entity's fields (nil for a name it lacks), in groups:
    /// one group of one field for a field rule, the chain for a temporal order, the identification
    /// rules for `identifiable`. Looked up once, not by name for every row.
    private let ruleFields: [[[Int?]]]
    /// The entity's first identification rule, as field indexes (nil when it has none).
    private let firstKeyFields: [Int?]?

    /// The rules for `entity`: its required fields, choices, patterns, temporal order and
    /// identification rules, plus the map's `required` fields; the map's `keys` replace the
    /// entity's identification rules.
    package init(entity: EntityDefinition, map: TransformMap? = nil) {
        var rules: [Rule] = []
        var required = Set<String>()
        for field in entity.fields {
            if field.required || map?.required.contains(field.name) == true {
                rules.append(.required(field.name))
                required.insert(field.name)
            }
        }
        for field in entity.fields {
            if case .choice(let list) = field.type, !list.isOpen { rules.append(.acceptedValues(field.name, list)) }
            if let pattern = field.pattern { rules.append(.pattern(field.name, pattern)) }
        }
        if entity.temporalOrder.count > 1 { rules.append(.temporalOrder(entity.temporalOrder)) }
        rules.append(.identifiable(map?.keys ?? entity.identifierRules))
        self.init(entity: entity, rules: rules)
        // A map whose severities cannot be honoured is refused before any row (RecordMapper).
        severities = (try? map?.severityPolicy()) ?? .standard
    }

    /// A validator with exactly `rules` (their fields must be the entity's).
    package init(entity: EntityDefinition, rules: [Rule]) {
        self.entity = entity
        self.rules = rules
        let index = entity.index(ofField:)
        ruleFields = rules.map { rule in
            switch rule {
            case .required(let field), .acceptedValues(let field, _), .pattern(let field, _): [[index(field)]]
            case .temporalOrder(let chain): [chain.map(index)]
            case .identifiable(let groups): groups.map { $0.map(index) }
            }
        }
        firstKeyFields = entity.identifierRules.first.map { $0.map(index) }
    }

    /// The record's typing findings, then the findings of every rule, in rule order, each with
    /// its severity under ``severities``.
    ///
    /// A required field that is null is an error. One whose column is absent is an error too,
    /// unless the record carries its entity's first identification rule (its sys_id): then it may
    /// be a partial update of a stored record, which keeps its value.
    package func validate(_ record: MappedRecord) -> [Finding] {
        var findings = record.findings
        let typed: Set<String> = record.findings.isEmpty ? [] : Set(record.findings.compactMap(\.field))
        let provenance = record.provenance
        /// The value of `field`, at `index` among the record's values (nil when absent or mistyped).
        func value(_ field: String, at index: Int?) -> FieldValue? {
            guard let index, typed.isEmpty || !typed.contains(field) else { return nil }
            return record.values[index]
        }
        func present(_ index: Int?) -> Bool {
            guard let index, let value = record.values[index] else { return false }
            return !value.isNull
        }
        func error(_ rule: RuleID, _ field: String?, _ message: String, _ value: String? = nil) {
            findings.append(Finding(severity: .error, rule: rule, field: field, message: message, value: value,
                                    provenance: provenance))
        }
        for (rule, fields) in zip(rules, ruleFields) {
            switch rule {
            case .required(let field):
                guard typed.isEmpty || !typed.contains(field) else { continue }
                switch value(field, at: fields[0][0]) {
                case .null?:
                    error(.required, field, "\(field) is required but empty; fill it in the export (or map the "
                        + "column that holds it)")
                case nil where !(firstKeyFields?.allSatisfy(present) ?? false):
                    error(.required, field, "\(field) is required but the input has no column for it; add the "
                        + "column to the export or map the column that holds it")
                default:
                    break
                }
            case .acceptedValues(let field, let list):
                guard let current = value(field, at: fields[0][0]), let text = current.canonicalText else { continue }
                if list.choice(code: text) == nil {
                    error(.choice, field, "\(field) '\(text)' is not one of \(entity.name)'s \(field) codes "
                        + "(\(list.choices.map(\.code).joined(separator: ", "))); fix the row", text)
                }
            case .pattern(let field, let pattern):
                guard case .text(let text)? = value(field, at: fields[0][0]) else { continue }
                switch pattern {
                case .sysID where !Validator.isSysID(text):
                    error(.patternSysID, field, "\(field) '\(text)' is not a sys_id (32 lowercase hexadecimal "
                        + "characters); fix the row or leave the column out", text)
                case .number(let prefix) where !Validator.isNumber(text, prefix: prefix):
                    error(.patternNumber, field, "\(field) '\(text)' is not \(article(entity.name)) \(entity.name) "
                        + "number (\(prefix) and at least 7 digits, e.g. \(prefix)0010001); fix the row", text)
                default:
                    break
                }
            case .temporalOrder(let chain):
                var previous: (field: String, value: String)?
                for (field, index) in zip(chain, fields[0]) {
                    guard case .datetime(let current)? = value(field, at: index) else { continue }
                    if let earlier = previous, current < earlier.value {
                        error(.temporalOrder, field, "\(field) \(current) is before \(earlier.field) \(earlier.value), "
                            + "against the order \(chain.joined(separator: " ≤ ")); check the dates at the source "
                            + "(or the map's timezone)", current)
                    }
                    previous = (field, current)
                }
            case .identifiable(let groups):
                if !fields.contains(where: { $0.allSatisfy(present) }) {
                    let wanted = groups.map { $0.joined(separator: " + ") }
                    let list = wanted.count > 1
                        ? wanted.dropLast().joined(separator: ", ") + " or " + wanted.last!
                        : wanted.joined()
                    error(.missingKey, nil, "the record cannot be identified: it has no \(list); fill a key in the "
                        + "export or set the map's keys")
                }
            }
        }
        return severities.apply(findings)
    }

    /// 32 lowercase hexadecimal characters.
    package static func isSysID(_ text: String) -> Bool {
        guard text.utf8.count == 32 else { return false }
        return text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// `prefix` followed by at least 7 ASCII digits.
    package static func isNumber(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let digits = text.utf8.dropFirst(prefix.utf8.count)
        return digits.count >= 7 && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

private func article(_ word: String) -> String {
    guard let first = word.first else { return "a" }
    return "aeiou".contains(first) ? "an" : "a"
}
