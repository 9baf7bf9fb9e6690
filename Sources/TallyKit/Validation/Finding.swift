import TallyFormats

/// One problem found in one record: which rule, which field, how bad, where, and a sentence a
/// steward can act on. Findings are data (returned and stored), never thrown.
package struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    package enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// The record loads; the finding is reported.
        case warning
        /// The record is rejected.
        case error

        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    package var severity: Severity
    package var rule: RuleID
    /// The canonical field concerned, if one is (a `missing_key` finding has none).
    package var field: String?
    /// What is wrong and what to do about it, without the position (``description`` adds it).
    package var message: String
    /// The offending input text, when there is one.
    package var value: String?
    package var provenance: Provenance

    package init(
        severity: Severity, rule: RuleID, field: String?, message: String, value: String? = nil,
        provenance: Provenance
    ) {
        self.severity = severity
        self.rule = rule
        self.field = field
        self.message = message
        self.value = value
        self.provenance = provenance
    }

    /// `FILE:LINE: error[rule] message` (see ``Provenance/place``).
    package var description: String {
        "\(provenance.place): \(severity.rawValue)[\(rule.rawValue)] \(message)"
    }
}

extension Array where Element == Finding {
    /// Whether any finding rejects the record.
    package var rejects: Bool { contains { $0.severity == .error } }
}
