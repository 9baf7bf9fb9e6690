/// A typed field value, ready for the store.
package enum FieldValue: Sendable, Hashable {
    case null
    case text(String)
    case integer(Int64)
    case boolean(Bool)
    /// Canonical UTC text `YYYY-MM-DD HH:MM:SS` (so ordering the text orders the instants).
    case datetime(String)

    /// The value as the store and extracts write it: `nil` for null, `true`/`false` for booleans.
    package var canonicalText: String? {
        switch self {
        case .null: nil
        case .text(let text), .datetime(let text): text
        case .integer(let number): String(number)
        case .boolean(let flag): flag ? "true" : "false"
        }
    }

    package var isNull: Bool { self == .null }
}

/// A column the map does not know, kept with its record in source order.
package struct ExtraField: Sendable, Hashable {
    package var name: String
    package var value: String?

    package init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}

/// The display text of a reference field (a `FIELD.display_value` column), kept aside so
/// reconciliation can resolve a reference by name when its value is not a sys_id.
package struct DisplayValue: Sendable, Hashable {
    package var field: String
    package var value: String?

    package init(field: String, value: String?) {
        self.field = field
        self.value = value
    }
}
