/// The stable identifier of a validation rule, stored with each reject (`required`, `type.integer`).
public struct RuleID: RawRepresentable, Sendable, Hashable, Codable, Comparable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: RuleID, rhs: RuleID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A required field is null (dbt `not_null`).
    public static let required: RuleID = "required"
    public static let typeInteger: RuleID = "type.integer"
    public static let typeBoolean: RuleID = "type.boolean"
    public static let typeDatetime: RuleID = "type.datetime"
    public static let typeDecimal: RuleID = "type.decimal"
    /// A value is not one of the field's choices (dbt `accepted_values`).
    public static let choice: RuleID = "choice"
    public static let patternSysID: RuleID = "pattern.sys_id"
    public static let patternNumber: RuleID = "pattern.number"
    /// Datetimes out of order along the entity's chain (`opened_at ≤ resolved_at ≤ closed_at`).
    public static let temporalOrder: RuleID = "temporal_order"
    /// No sys_id and no complete business key: the record cannot be identified.
    public static let missingKey: RuleID = "missing_key"
    /// A local time skipped by a daylight-saving change.
    public static let dstGap: RuleID = "dst_gap"
    /// A local time that happens twice at a daylight-saving change.
    public static let dstAmbiguous: RuleID = "dst_ambiguous"
}
