/// One value being encoded: containers fill it in, then it writes itself out. A class, so that
/// nested containers can keep filling their part of the tree after they are handed out.
final class JSONNode {
    enum Kind: Equatable { case empty, scalar, object, array }

    private(set) var kind = Kind.empty
    /// A scalar's text, already JSON.
    private var scalar: [UInt8] = []
    /// An object's keys, parallel to `children`; empty for an array.
    private var keys: [String] = []
    private var children: [JSONNode] = []

    func setScalar(_ text: [UInt8]) {
        kind = .scalar
        scalar = text
    }

    func setScalar(_ text: String) { setScalar(Array(text.utf8)) }

    /// Makes this node an object (keeping the members it has if it already is one).
    func becomeObject() {
        if kind != .object { kind = .object; keys = []; children = [] }
    }

    /// Makes this node an array (keeping the elements it has if it already is one).
    func becomeArray() {
        if kind != .array { kind = .array; keys = []; children = [] }
    }

    /// The member for `key`: the one already there, emptied (a key encoded twice keeps its first
    /// place and its last value), or a new, empty one at the end.
    func member(_ key: String) -> JSONNode {
        if let index = keys.firstIndex(of: key) {
            children[index] = JSONNode()
            return children[index]
        }
        let node = JSONNode()
        keys.append(key)
        children.append(node)
        return node
    }

    /// A new, empty element at the end of the array.
    func appendElement() -> JSONNode {
        let node = JSONNode()
        children.append(node)
        return node
    }

    var count: Int { children.count }

    func write(to out: inout [UInt8], path: String, depth: Int, layout: OrderedJSONEncoder.Layout) {
        switch kind {
        case .empty: out.append(contentsOf: Array("null".utf8))
        case .scalar: out.append(contentsOf: scalar)
        case .object, .array:
            let isObject = kind == .object
            var broken = false
            if case .lines(let paths) = layout { broken = paths.contains(path) }
            out.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            for (index, child) in children.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if broken {
                    out.append(0x0A)
                    out.append(contentsOf: repeatElement(0x20, count: 2 * (depth + 1)))
                } else if index > 0 {
                    out.append(0x20)
                }
                let name = isObject ? keys[index] : String(index)
                if isObject {
                    appendJSONString(name, to: &out)
                    out.append(contentsOf: [UInt8(ascii: ":"), 0x20])
                }
                let childPath = path.isEmpty ? name : path + "." + name
                child.write(to: &out, path: childPath, depth: broken ? depth + 1 : depth, layout: layout)
            }
            if broken {
                out.append(0x0A)
                out.append(contentsOf: repeatElement(0x20, count: 2 * depth))
            }
            out.append(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }
}

/// The `Encoder` handed to `encode(to:)`: it fills one node.
struct JSONNodeEncoder: Encoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    let nilEncoding: OrderedJSONEncoder.NilEncoding
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return JSONUnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSingleValueContainer(encoder: self) }

    /// An encoder for a child node one key further down.
    func child(_ node: JSONNode, key: any CodingKey) -> JSONNodeEncoder {
        JSONNodeEncoder(node: node, codingPath: codingPath + [key], nilEncoding: nilEncoding)
    }

    /// Writes `value` into this node: scalars directly, ``FixedDecimal`` as its text, anything else
    /// through its own `encode(to:)`.
    func encodeValue(_ value: some Encodable) throws {
        switch value {
        case let text as String: node.setScalar(Self.quoted(text))
        case let number as FixedDecimal:
            guard number.value.isFinite else { throw invalid(number.value) }
            node.setScalar(number.description)
        case let number as Double:
            guard number.isFinite else { throw invalid(number) }
            node.setScalar(number.description)
        case let number as Float:
            guard number.isFinite else { throw invalid(number) }
            node.setScalar(number.description)
        default:
            try value.encode(to: self)
        }
    }

    func invalid(_ value: Any) -> EncodingError {
        EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSON has no text for \(value)"))
    }

    static func quoted(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendJSONString(text, to: &bytes)
        return bytes
    }
}

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONNodeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func memberEncoder(_ key: Key) -> JSONNodeEncoder {
        encoder.child(encoder.node.member(key.stringValue), key: key)
    }

    mutating func encodeNil(forKey key: Key) throws { memberEncoder(key).node.setScalar("null") }
    mutating func encode(_ value: Bool, forKey key: Key) throws { memberEncoder(key).node.setScalar(value ? "true" : "false") }
    mutating func encode(_ value: String, forKey key: Key) throws { try memberEncoder(key).encodeValue(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try memberEncoder(key).encodeValue(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try memberEncoder(key).encodeValue(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { memberEncoder(key).node.setScalar(String(value)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try memberEncoder(key).encodeValue(value) }

    // Synthesized conformances encode optionals with `encodeIfPresent`; these honour
    // `nilEncoding` instead of always leaving the key out.
    private mutating func encodeOptional<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else if encoder.nilEncoding == .null { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        memberEncoder(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        memberEncoder(key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { memberEncoder(Key(stringValue: "super")!) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { memberEncoder(key) }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: JSONNodeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.node.count }

    private func elementEncoder() -> JSONNodeEncoder {
        let index = count
        return encoder.child(encoder.node.appendElement(), key: JSONKey(String(index)))
    }

    mutating func encodeNil() throws { elementEncoder().node.setScalar("null") }
    mutating func encode(_ value: Bool) throws { elementEncoder().node.setScalar(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { try elementEncoder().encodeValue(value) }
    mutating func encode(_ value: Double) throws { try elementEncoder().encodeValue(value) }
    mutating func encode(_ value: Float) throws { try elementEncoder().encodeValue(value) }
    mutating func encode(_ value: Int) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: Int8) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: Int16) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: Int32) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: Int64) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: UInt) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: UInt8) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: UInt16) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: UInt32) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode(_ value: UInt64) throws { elementEncoder().node.setScalar(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try elementEncoder().encodeValue(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        elementEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { elementEncoder().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { elementEncoder() }
}

struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let encoder: JSONNodeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.node.setScalar("null") }
    mutating func encode(_ value: Bool) throws { encoder.node.setScalar(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { try encoder.encodeValue(value) }
    mutating func encode(_ value: Double) throws { try encoder.encodeValue(value) }
    mutating func encode(_ value: Float) throws { try encoder.encodeValue(value) }
    mutating func encode(_ value: Int) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node.setScalar(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node.setScalar(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}
