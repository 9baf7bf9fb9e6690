/// One record exactly as the export holds it: ordered field names and their text values.
///
/// Values stay text: no type guessing, so leading zeros and long numbers survive. A value is
/// `nil` only where the format itself says null (JSON `null`, an XML element marked null);
/// an empty CSV field is `""`. Null tokens such as `?` are the mapping stage's business.
/// `names` is usually shared between the records of one file (copy-on-write), so it costs
/// nothing per record.
public struct RawRecord: Sendable, Equatable {
    public var names: [String]
    public var values: [String?]
    public var provenance: Provenance

    public init(names: [String], values: [String?], provenance: Provenance) {
        precondition(names.count == values.count, "a record needs one value per name")
        self.names = names
        self.values = values
        self.provenance = provenance
    }

    /// The value of the first field called `name`: `.none` when there is no such field,
    /// `.some(nil)` when the field is present and null.
    public subscript(name: String) -> String?? {
        guard let index = names.firstIndex(of: name) else { return .none }
        return .some(values[index])
    }

    /// The fields in source order.
    public var fields: Zip2Sequence<[String], [String?]> { zip(names, values) }
}
