/// Thrift's compact protocol, the encoding of Parquet's metadata (page headers and the footer):
/// only what a writer needs — structs, lists, integers, booleans and binaries.
///
/// Fields must be written in increasing id order within a struct (the protocol encodes each id
/// as a delta from the previous one). Every `begin` needs its `end`.
struct ThriftCompactWriter {
    /// The compact protocol's type codes.
    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8
        case list = 9, set = 10, map = 11, structure = 12
    }

    private(set) var bytes: [UInt8] = []
    /// The last field id written in each open struct.
    private var lastFieldIDs: [Int] = [0]

    init() {}

    /// A writer for the rest of a message whose fields up to `id` were encoded elsewhere.
    static func continuing(after id: Int) -> ThriftCompactWriter {
        var writer = ThriftCompactWriter()
        writer.lastFieldIDs = [id]
        return writer
    }

    mutating func i32(_ id: Int, _ value: Int32) {
        header(id, .i32)
        varint(zigzag(Int64(value)))
    }

    mutating func i64(_ id: Int, _ value: Int64) {
        header(id, .i64)
        varint(zigzag(value))
    }

    /// A boolean field carries its value in the field header.
    mutating func bool(_ id: Int, _ value: Bool) {
        header(id, value ? .boolTrue : .boolFalse)
    }

    mutating func binary(_ id: Int, _ value: [UInt8]) {
        header(id, .binary)
        binaryValue(value)
    }

    mutating func string(_ id: Int, _ value: String) { binary(id, Array(value.utf8)) }

    /// Opens a struct field; write its fields, then ``endStruct()``.
    mutating func beginStruct(_ id: Int) {
        header(id, .structure)
        beginStructValue()
    }

    /// Opens a struct that is a list element (no field header).
    mutating func beginStructValue() { lastFieldIDs.append(0) }

    mutating func endStruct() {
        bytes.append(0)  // STOP
        lastFieldIDs.removeLast()
    }

    /// A list field's header; then write `count` elements of `element` with the `…Value` methods.
    mutating func list(_ id: Int, of element: FieldType, count: Int) {
        header(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | element.rawValue)
        } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    mutating func i32Value(_ value: Int32) { varint(zigzag(Int64(value))) }

    mutating func binaryValue(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Ends the outermost struct (the message); `bytes` is then complete.
    mutating func finish() { bytes.append(0) }

    private mutating func header(_ id: Int, _ type: FieldType) {
        let delta = id - lastFieldIDs[lastFieldIDs.count - 1]
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(zigzag(Int64(id)))
        }
        lastFieldIDs[lastFieldIDs.count - 1] = id
    }

    private func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}
