/// A stable 64-bit FNV-1a-style hash of a record's content, for change detection (text is
/// mixed eight bytes at a time, little-endian, so the value is the same on every machine Tally
/// runs on).
///
/// Stable across processes and machines (unlike `Hasher`), so it can be stored. Each value is
/// tagged with its kind and length, so `("ab", "c")` and `("a", "bc")` hash differently.
public struct ContentHash {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    public init() {}

    private mutating func mix(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    private mutating func mix(_ number: UInt64) {
        var remaining = number
        for _ in 0..<8 {
            mix(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }

    /// Mixes a whole 64-bit word at once (FNV-1a over words: one multiply per 8 bytes).
    private mutating func mixWord(_ word: UInt64) {
        state = (state ^ word) &* Self.prime
    }

    public mutating func combine(_ text: String?) {
        guard var text else { mix(UInt8(0)); return }
        mix(UInt8(1))
        text.withUTF8 { bytes in
            var index = 0
            let count = bytes.count
            while index + 8 <= count {
                mixWord(UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
                index += 8
            }
            while index < count {
                mix(bytes[index])
                index += 1
            }
            mixWord(UInt64(count))
        }
    }

    public mutating func combine(_ value: FieldValue?) {
        switch value {
        case nil, .null?: mix(UInt8(0))
        case .text(let text)?: mix(UInt8(2)); combine(text)
        case .datetime(let text)?: mix(UInt8(3)); combine(text)
        case .integer(let number)?: mix(UInt8(4)); mix(UInt64(bitPattern: number))
        case .boolean(let flag)?: mix(UInt8(5)); mix(UInt8(flag ? 1 : 0))
        }
    }

    /// The hash as SQLite stores it (a signed 64-bit integer).
    public var value: Int64 { Int64(bitPattern: state) }

    /// The hash of a full row: every field value, then the extra columns' JSON.
    public static func of(_ values: [FieldValue], extra: String?) -> Int64 {
        var hash = ContentHash()
        for value in values { hash.combine(value) }
        hash.combine(extra)
        return hash.value
    }

    /// The hash of an input row as mapped: absent columns count (unlike in ``of(_:extra:)``), so
    /// the same row from the same export shape hashes the same, and a partial row differently.
    public static func ofInput(_ values: [FieldValue?], extra: String?) -> Int64 {
        var hash = ContentHash()
        for value in values {
            if let value { hash.combine(value) } else { hash.mix(UInt8(6)) }
        }
        hash.combine(extra)
        return hash.value
    }

    public static func of(_ values: [FieldValue?], extra: String?) -> Int64 {
        var hash = ContentHash()
        for value in values { hash.combine(value) }
        hash.combine(extra)
        return hash.value
    }
}
