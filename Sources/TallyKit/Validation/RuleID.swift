/// The stable identifier of a validation rule, stored with each reject (`required`, `type.integer`).
package struct RuleID: RawRepresentable, Sendable, Hashable, Codable, Comparable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    package let rawValue: String

    package init(rawValue: String) { self.rawValue = rawValue }
    package init(_ rawValue: String) { self.rawValue = rawValue }
    package init(stringLiteral value: String) { self.rawValue = value }

    package init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    package var description: String { rawValue }

    package static func < (lhs: RuleID, rhs: RuleID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A required field is null (dbt `not_null`).
    package static let required: RuleID = "required"
    package static let typeInteger: RuleID = "type.integer"
    package static let typeBoolean: RuleID = "type.boolean"
    package static let typeDatetime: RuleID = "type.datetime"
    package static let typeDecimal: RuleID = "type.decimal"
    package static let typeDuration: RuleID = "type.duration"
    /// A value is not one of the field's choices (dbt `accepted_values`).
    package static let choice: RuleID = "choice"
    package static let patternSysID: RuleID = "pattern.sys_id"
    package static let patternNumber: RuleID = "pattern.number"
    /// Datetimes out of order along the entity's chain (`opened_at ≤ resolved_at ≤ closed_at`).
    package static let temporalOrder: RuleID = "temporal_order"
    /// No sys_id and no complete business key: the record cannot be identified.
    package static let missingKey: RuleID = "missing_key"
    /// A local time skipped by a daylight-saving change.
    package static let dstGap: RuleID = "dst_gap"
    /// A local time that happens twice at a daylight-saving change.
    package static let dstAmbiguous: RuleID = "dst_ambiguous"
}
