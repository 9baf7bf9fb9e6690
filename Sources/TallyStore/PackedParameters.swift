/// Values to bind, packed by one thread into one buffer for another to bind: the thread that
/// binds them (``Parameters/append(contentsOf:)``) then makes, copies and retains no string per
/// value, and touches no memory but the buffer.
///
/// Each value is a tag byte, then eight bytes (an integer, or a text's length in bytes), then a
/// text's UTF-8 bytes.
public struct PackedParameters: ParameterSink, Sendable, Equatable {
    public typealias Failure = Never

    enum Tag: UInt8 {
        case null = 0, integer = 1, text = 2
    }

    private(set) var bytes: [UInt8] = []
    /// How many values are packed.
    public private(set) var count = 0
    /// How many bytes they take.
    public var byteCount: Int { bytes.count }

    /// An empty pack with room for `capacity` bytes.
    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func appendNull() {
        put(.null, 0)
    }

    public mutating func append(_ number: Int64) {
        put(.integer, UInt64(bitPattern: number))
    }

    public mutating func append(_ text: String) {
        let utf8 = text.utf8
        put(.text, UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    private mutating func put(_ tag: Tag, _ word: UInt64) {
        bytes.append(tag.rawValue)
        withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        count += 1
    }
}
