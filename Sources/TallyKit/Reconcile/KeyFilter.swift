/// Keys that may be stored: a Bloom filter (2 MiB, four probes a key) that answers "certainly
/// not" or "maybe". It lets a run into a table that was empty when it began skip the key lookup
/// of every new record: only keys it inserted can be there. About one "maybe" in 2,000 for a
/// million keys; a "maybe" just looks the key up as usual.
struct KeyFilter {
    private var words: [UInt64]
    private static let bitCount = 1 << 24

    init() { words = [UInt64](repeating: 0, count: Self.bitCount / 64) }

    /// A key's two hashes, worked out once for its lookup and its insert (and on any thread).
    struct Key: Sendable, Equatable {
        var first: UInt64
        var second: UInt64

        /// Two hashes from one 64-bit hash, for the probes `first + i·second` (double hashing).
        init(_ text: String) {
            var hash = ContentHash()
            hash.combine(text)
            let value = UInt64(bitPattern: hash.value)
            (first, second) = (value & 0xFFFF_FFFF, (value >> 32) | 1)
        }
    }

    mutating func insert(_ key: Key) {
        for probe in 0..<UInt64(Self.probes) {
            let bit = Int((key.first &+ probe &* key.second) & Self.mask)
            words[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    func mightContain(_ key: Key) -> Bool {
        for probe in 0..<UInt64(Self.probes) {
            let bit = Int((key.first &+ probe &* key.second) & Self.mask)
            if words[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
        }
        return true
    }

    private static let probes = 4
    private static let mask = UInt64(bitCount - 1)
}
