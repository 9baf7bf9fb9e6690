/// The severity of each rule's findings: the defaults, then a map's `severity` overrides.
///
/// By default what cannot be stored faithfully (a value not of its type, a missing or malformed
/// key, an ambiguous identity) is an error and rejects the row, and what the platform itself does
/// not enforce (temporal order, the case resolution-code requirements) is a warning: the row lands.
package struct SeverityPolicy: Sendable, Equatable {
    /// Rules that are warnings unless a map says otherwise (a key also covers `key.*`).
    package static let defaultWarnings: [RuleID] = [.temporalOrder, "resolution"]
    /// Rules a map cannot make warnings: without them a row cannot be identified or written.
    package static let alwaysErrors: [RuleID] = [.missingKey, .patternSysID, "ambiguous_match", "sys_id_conflict", "wrong_table"]
    /// Rules decided before a row is written; any other rule a map makes an error needs the row's
    /// write undone when it fires (``escalatesWriteRules``).
    static let decidedBeforeWriting: [RuleID] = [
        .required, "type", .choice, "pattern", .temporalOrder, .missingKey, .dstGap, .dstAmbiguous, "wrong_table",
    ]

    /// Rule (or rule family, `resolution`) → severity, from the map.
    package let overrides: [RuleID: Finding.Severity]

    /// A map's overrides that cannot be honoured.
    package struct Invalid: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// The rules and families a map may name (a family covers its `family.*` rules).
    package static let knownRules: [RuleID] = [
        .required, "type", .typeInteger, .typeBoolean, .typeDatetime, .typeDecimal, .typeDuration, .choice, "pattern", .patternNumber,
        .temporalOrder, .dstGap, .dstAmbiguous, "resolution", "identity", "identity.collision",
    ] + alwaysErrors

    package init(overrides: [RuleID: Finding.Severity] = [:]) throws(Invalid) {
        for rule in overrides.keys.sorted() where !Self.knownRules.contains(rule) && !rule.rawValue.hasPrefix("resolution.") {
            throw Invalid(description: "severity: '\(rule)' is not a rule (rules: \(Self.knownRules.map(\.rawValue).joined(separator: ", ")), resolution.<code>)")
        }
        for (rule, severity) in overrides.sorted(by: { $0.key < $1.key }) {
            if severity == .warning, Self.covers(Self.alwaysErrors, rule) {
                throw Invalid(description: "severity: \(rule) cannot be a warning (a row it fires on cannot be identified "
                    + "or written); leave it out of the map's severity")
            }
            if severity == .error, Self.covers(["identity"], rule) {
                throw Invalid(description: "severity: \(rule) cannot be an error (the rows it names are merged before "
                    + "the collision shows); leave it out of the map's severity")
            }
        }
        self.init(checked: overrides)
    }

    /// The defaults alone.
    package static let standard = SeverityPolicy(checked: [:])

    private init(checked: [RuleID: Finding.Severity]) {
        overrides = checked
        escalatesWriteRules = checked.contains { rule, severity in
            severity == .error && !Self.covers(Self.decidedBeforeWriting, rule) && !Self.covers(Self.alwaysErrors, rule)
        }
    }

    /// The severity `rule`'s findings have, given what its check said (`found`): the map's
    /// override for the rule or its family, else the default. A rule that must stay an error
    /// (``alwaysErrors``) stays one whatever its family's override (`pattern` and `pattern.sys_id`).
    package func severity(of rule: RuleID, found: Finding.Severity) -> Finding.Severity {
        if Self.covers(Self.alwaysErrors, rule) { return found }
        if !overrides.isEmpty {
            var key = rule.rawValue
            while true {
                if let override = overrides[RuleID(key)] { return override }
                guard let dot = key.lastIndex(of: ".") else { break }
                key = String(key[..<dot])
            }
        }
        return Self.covers(Self.defaultWarnings, rule) ? .warning : found
    }

    /// `findings` with each one's severity as this policy says.
    package func apply(_ findings: [Finding]) -> [Finding] {
        guard !findings.isEmpty else { return findings }
        var result = findings
        for index in result.indices {
            result[index].severity = severity(of: result[index].rule, found: result[index].severity)
        }
        return result
    }

    /// Whether the map makes an error of a rule found while writing (a case's resolution code):
    /// each row's write must then be undoable. Worked out once: it is asked for every row.
    package let escalatesWriteRules: Bool

    /// Whether `rule` is one of `rules` or in the family of one (`resolution` covers `resolution.x`).
    /// Compares bytes, allocating nothing: it runs for every finding.
    static func covers(_ rules: [RuleID], _ rule: RuleID) -> Bool {
        let text = rule.rawValue.utf8
        return rules.contains { family in
            let prefix = family.rawValue.utf8
            return text.starts(with: prefix) && (text.count == prefix.count || text.dropFirst(prefix.count).first == UInt8(ascii: "."))
        }
    }
}
