/// One problem found in one record: which rule, which field, how bad, where, and a sentence a
/// steward can act on. Findings are data (returned and stored), never thrown.
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// The record loads; the finding is reported.
        case warning
        /// The record is rejected.
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    public var severity: Severity
    public var rule: RuleID
    /// The canonical field concerned, if one is (a `missing_key` finding has none).
    public var field: String?
    /// What is wrong and what to do about it, without the position (``description`` adds it).
    public var message: String
    /// The offending input text, when there is one.
    public var value: String?
    public var provenance: Provenance

    public init(
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
    public var description: String {
        "\(provenance.place): \(severity.rawValue)[\(rule.rawValue)] \(message)"
    }
}

extension Array where Element == Finding {
    /// Whether any finding rejects the record.
    public var rejects: Bool { contains { $0.severity == .error } }
}
