import TallyStore

extension FieldValue {
    /// The value as bound into its column: booleans as 0/1, datetimes as canonical text.
    package var sqlValue: SQLValue {
        switch self {
        case .null: .null
        case .text(let text), .datetime(let text): .text(text)
        case .integer(let number): .integer(number)
        case .boolean(let flag): .integer(flag ? 1 : 0)
        }
    }

    /// The value read back from a column of a field of `type`.
    ///
    /// A text value in an integer column (a choice kept as-is by its map) stays text, so it
    /// compares equal to what the mapper produces for the same input.
    package init(stored: SQLValue, type: FieldType) {
        switch (stored, type) {
        case (.null, _): self = .null
        case (.integer(let number), .boolean): self = .boolean(number != 0)
        case (.integer(let number), _): self = .integer(number)
        case (.text(let text), .datetime): self = .datetime(text)
        case (.text(let text), _): self = .text(text)
        case (.real(let number), _): self = .text(String(number))
        case (.blob(let bytes), _): self = .text(String(decoding: bytes, as: UTF8.self))
        }
    }
}

extension FieldValue {
    /// The value a field of `type` holds when its canonical text (as audits and extracts write
    /// it) is `text`: the inverse of ``canonicalText``.
    package init(canonical text: String?, type: FieldType) {
        guard let text else { self = .null; return }
        switch type {
        case .boolean: self = .boolean(text == "true")
        case .integer: self = Int64(text).map(FieldValue.integer) ?? .text(text)
        case .choice(let list) where list.kind == .integer: self = Int64(text).map(FieldValue.integer) ?? .text(text)
        case .datetime: self = .datetime(text)
        default: self = .text(text)
        }
    }
}

extension ParameterSink where Self: ~Copyable {
    /// The value as ``FieldValue/sqlValue`` binds it; an absent value (nil) as NULL.
    mutating func append(_ value: FieldValue?) throws(Failure) {
        switch value {
        case nil, .null?: try appendNull()
        case .text(let text)?, .datetime(let text)?: try append(text)
        case .integer(let number)?: try append(number)
        case .boolean(let flag)?: try append(Int64(flag ? 1 : 0))
        }
    }
}
