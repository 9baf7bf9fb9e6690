/// Keys that may be stored: a Bloom filter (2 MiB, four probes a key) that answers "certainly
/// not" or "maybe". It lets a run into a table that was empty when it began skip the key lookup
/// of every new record: only keys it inserted can be there. About one "maybe" in 2,000 for a
/// million keys; a "maybe" just looks the key up as usual.
struct KeyFilter {
    private var words: [UInt64]
    private static let bitCount = 1 << 24

    init() { words = [UInt64](repeating: 0, count: Self.bitCount / 64) }

    mutating func insert(_ key: String) {
        let (first, second) = Self.hashes(of: key)
        for probe in 0..<UInt64(Self.probes) {
            let bit = Int((first &+ probe &* second) & Self.mask)
            words[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    func mightContain(_ key: String) -> Bool {
        let (first, second) = Self.hashes(of: key)
        for probe in 0..<UInt64(Self.probes) {
            let bit = Int((first &+ probe &* second) & Self.mask)
            if words[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
        }
        return true
    }

    private static let probes = 4
    private static let mask = UInt64(bitCount - 1)

    /// Two hashes from one 64-bit hash, for the probes `first + i·second` (double hashing).
    private static func hashes(of key: String) -> (UInt64, UInt64) {
        var hash = ContentHash()
        hash.combine(key)
        let value = UInt64(bitPattern: hash.value)
        return (value & 0xFFFF_FFFF, (value >> 32) | 1)
    }
}
