import TallyFormats

/// A stable 64-bit FNV-1a-style hash of a record's content, for change detection (text is
/// mixed eight bytes at a time, little-endian, so the value is the same on every machine Tally
/// runs on).
///
/// Stable across processes and machines (unlike `Hasher`), so it can be stored. Each value is
/// tagged with its kind and length, so `("ab", "c")` and `("a", "bc")` hash differently.
package struct ContentHash {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    package init() {}

    /// A hash that starts from `seed` (another hash), so that equal text under different seeds
    /// hashes differently.
    package init(seed: Int64) { mixWord(UInt64(bitPattern: seed)) }

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

    package mutating func combine(_ text: String?) {
        guard let text else { mix(UInt8(0)); return }
        if text.utf8.withContiguousStorageIfAvailable({ combine(utf8: $0) }) != nil { return }
        var native = text  // a bridged string: withUTF8 makes it native first
        native.withUTF8 { combine(utf8: $0) }
    }

    /// Mixes text given as its UTF-8 bytes (nil for null): the same as ``combine(_:)-(String?)`` of that text.
    package mutating func combine(utf8 bytes: UnsafeBufferPointer<UInt8>?) {
        guard let bytes else { mix(UInt8(0)); return }
        mix(UInt8(1))
        var index = 0
        let count = bytes.count
        if let base = bytes.baseAddress {
            while index + 8 <= count {
                mixWord(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                index += 8
            }
        }
        while index < count {
            mix(bytes[index])
            index += 1
        }
        mixWord(UInt64(count))
    }

    package mutating func combine(_ value: FieldValue?) {
        switch value {
        case nil, .null?: mix(UInt8(0))
        case .text(let text)?: mix(UInt8(2)); combine(text)
        case .datetime(let text)?: mix(UInt8(3)); combine(text)
        case .integer(let number)?: mix(UInt8(4)); mix(UInt64(bitPattern: number))
        case .boolean(let flag)?: mix(UInt8(5)); mix(UInt8(flag ? 1 : 0))
        }
    }

    /// The hash as SQLite stores it (a signed 64-bit integer).
    package var value: Int64 { Int64(bitPattern: state) }

    /// The hash of a full row: every field value, then the extra columns' JSON.
    package static func of(_ values: [FieldValue], extra: String?) -> Int64 {
        var hash = ContentHash()
        for value in values { hash.combine(value) }
        hash.combine(extra)
        return hash.value
    }

    /// The hash of an input row as read, under one mapping: ``ofHeader(_:seed:)`` of its column
    /// names (once per header; `seed` is ``RowPreparer/inputSeed(entity:map:)``), then
    /// ``ofInput(_:header:)`` of its values — so the same row of the same export shape under the
    /// same map hashes the same, and any other row differently. Stored as a record's `_input_hash`
    /// by the write it caused, it lets a later import recognise that row unchanged before mapping it.
    package static func ofHeader(_ names: [String], seed: Int64) -> Int64 {
        var hash = ContentHash()
        hash.mixWord(UInt64(bitPattern: seed))
        hash.mixWord(UInt64(names.count))
        for name in names { hash.combine(name) }
        return hash.value
    }

    /// The values' part, mixed into the header's ``ofHeader(_:seed:)``.
    package static func ofInput(_ values: [String?], header: Int64) -> Int64 {
        var hash = ContentHash()
        hash.mixWord(UInt64(bitPattern: header))
        for value in values { hash.combine(value) }
        return hash.value
    }

    /// ``ofInput(_:header:)-([String?],_)`` of the record's values, read as bytes (no strings made).
    package static func ofInput(_ record: RawRecord, header: Int64) -> Int64 {
        var hash = ContentHash()
        hash.mixWord(UInt64(bitPattern: header))
        record.forEachUTF8 { hash.combine(utf8: $0) }
        return hash.value
    }

    package static func of(_ values: [FieldValue?], extra: String?) -> Int64 {
        var hash = ContentHash()
        for value in values { hash.combine(value) }
        hash.combine(extra)
        return hash.value
    }
}
