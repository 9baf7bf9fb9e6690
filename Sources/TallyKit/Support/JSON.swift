import TallyFormats

/// Helpers for writing JSON text by hand on paths where Foundation's encoder is too slow or
/// would reorder keys. Escaping works on UTF-8 bytes (see `appendJSONString`).
package enum JSON {
    /// `text` as a JSON string literal, quotes included.
    package static func quote(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendJSONString(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Builds one JSON object's text in a reusable byte buffer, keys in the order added.
struct JSONObjectBuilder {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1024) }

    /// Starts a new object, forgetting the previous one (the buffer's capacity is kept).
    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Adds `"name": "value"` (or `null`).
    mutating func add(_ name: String, _ value: String?) {
        addKey(name)
        if let value { appendJSONString(value, to: &bytes) } else { bytes.append(contentsOf: Self.null) }
    }

    /// Adds a key already encoded by ``encodedKey(_:)`` and its value: the fast path for the
    /// same keys over and over (an audit row per inserted record).
    mutating func add(encodedKey: [UInt8], _ value: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: encodedKey)
        appendJSONString(value, to: &bytes)
    }

    /// `"name":` as bytes, for ``add(encodedKey:_:)``.
    static func encodedKey(_ name: String) -> [UInt8] {
        var key: [UInt8] = []
        appendJSONString(name, to: &key)
        key.append(UInt8(ascii: ":"))
        return key
    }

    /// Adds `"name": json` where `json` is already JSON text (a number, an object).
    mutating func add(_ name: String, json: String) {
        addKey(name)
        bytes.append(contentsOf: json.utf8)
    }

    private mutating func addKey(_ name: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        appendJSONString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// The object's text, closed.
    mutating func finish() -> String {
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let null = Array("null".utf8)
}
