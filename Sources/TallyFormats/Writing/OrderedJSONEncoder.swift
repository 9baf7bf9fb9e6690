import Foundation

/// Encodes `Encodable` values as JSON text with keys in the order they are encoded (a type's
/// `CodingKeys` order), `", "` and `": "` between items, strings escaped by ``appendJSONString(_:to:)``
/// and `nil` as `null`: Tally's output format, which Foundation's `JSONEncoder` cannot keep (it
/// has no spaces after separators, escapes `/`, and offers no key order but sorted).
public struct OrderedJSONEncoder: Sendable {
    /// Where the text breaks into lines.
    public enum Layout: Sendable, Equatable {
        /// Everything on one line: `{"a": 1, "b": [2, 3]}`.
        case singleLine
        /// The containers at these paths put each element on its own line, indented two spaces
        /// a level; the others stay on one line. A path joins keys (and array indices) with `.`;
        /// `""` is the top-level value.
        case lines(at: Set<String>)
    }

    /// What an optional that is `nil` becomes when a type encodes it with `encodeIfPresent`
    /// (as synthesized conformances do).
    public enum NilEncoding: Sendable, Equatable {
        /// `"key": null`: every key is always there.
        case null
        /// The key is left out.
        case omit
    }

    public var layout: Layout
    public var nilEncoding: NilEncoding

    public init(layout: Layout = .singleLine, nilEncoding: NilEncoding = .null) {
        self.layout = layout
        self.nilEncoding = nilEncoding
    }

    /// `value` as JSON text (no newline at the end).
    public func encode(_ value: some Encodable) throws(EncodingError) -> String {
        String(decoding: try encodeBytes(value), as: UTF8.self)
    }

    /// `value` as UTF-8 JSON bytes (no newline at the end).
    public func encodeBytes(_ value: some Encodable) throws(EncodingError) -> [UInt8] {
        let root = JSONNode()
        do {
            try JSONNodeEncoder(node: root, codingPath: [], nilEncoding: nilEncoding).encodeValue(value)
        } catch let error as EncodingError {
            throw error
        } catch {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(error)", underlyingError: error))
        }
        guard root.kind != .empty else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(type(of: value)) encoded no value"))
        }
        var out: [UInt8] = []
        root.write(to: &out, path: "", depth: 0, layout: layout)
        return out
    }
}

/// A number written with a fixed count of decimals (`0.120`, as `%.3f` writes it): a duration or
/// rate whose text must not change with the value's binary noise. Other encoders see a `Double`.
public struct FixedDecimal: Encodable, Sendable, Equatable, CustomStringConvertible {
    public var value: Double
    public var decimals: Int

    public init(_ value: Double, decimals: Int) {
        self.value = value
        self.decimals = decimals
    }

    /// The number's text, `%.Nf`.
    public var description: String { String(format: "%.\(decimals)f", value) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// An object whose keys are data (counts by name, a record's fields), written in the order given;
/// a `Dictionary` would lose that order.
public struct OrderedJSONObject<Value: Encodable>: Encodable {
    public var members: [(key: String, value: Value)]

    public init(_ members: [(key: String, value: Value)]) {
        self.members = members
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        for member in members { try container.encode(member.value, forKey: JSONKey(member.key)) }
    }
}

extension OrderedJSONObject: Sendable where Value: Sendable {}

/// A coding key made at run time, for objects whose keys are data.
public struct JSONKey: CodingKey, Sendable, Hashable {
    public var stringValue: String
    public var intValue: Int? { nil }

    public init(_ string: String) { stringValue = string }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { stringValue = String(intValue) }
}
