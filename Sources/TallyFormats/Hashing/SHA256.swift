import CSHA256

/// SHA-256 (FIPS 180-4), streaming: feed bytes with ``update(_:)-(UnsafeRawBufferPointer)`` in
/// pieces of any size, then call ``finalize()`` once.
///
/// No allocation per block: whole 64-byte blocks are compressed straight from the caller's
/// memory; only a partial block is copied. Blocks are compressed with the CPU's SHA extensions
/// where it has them (about 20 times faster: a C function, `CSHA256`), otherwise in Swift.
public struct SHA256: Sendable {
    /// How blocks are compressed.
    public enum Engine: Sendable, CaseIterable {
        /// The x86 SHA extensions.
        case hardware
        /// Portable Swift: the fallback, and the reference the hardware engine is tested against.
        case portable

        /// The fastest engine this CPU runs.
        public static let best: Engine = tally_sha256_hardware_available() == 1 ? .hardware : .portable
        /// The engines this CPU runs.
        public static var available: [Engine] { best == .hardware ? [.hardware, .portable] : [.portable] }
    }

    /// The digest size in bytes.
    public static let digestCount = 32

    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    )
    /// A partial block (up to 63 bytes) waiting for more input.
    private var tail: [UInt8] = []
    private var totalBytes: UInt64 = 0
    private var finalized = false
    private let engine: Engine

    /// A hasher using `engine` (one of ``Engine/available``).
    public init(engine: Engine = .best) {
        precondition(Engine.available.contains(engine), "SHA256 engine \(engine) is not available on this CPU")
        self.engine = engine
        tail.reserveCapacity(64)
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finalized, "SHA256.update after finalize")
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        totalBytes &+= UInt64(remaining)
        if !tail.isEmpty {
            let take = min(64 - tail.count, remaining)
            tail.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            base += take
            remaining -= take
            if tail.count < 64 { return }
            tail.withUnsafeBytes { compress($0.baseAddress!, count: 1) }
            tail.removeAll(keepingCapacity: true)
        }
        let blocks = remaining / 64
        if blocks > 0 {
            compress(base, count: blocks)
            base += blocks * 64
            remaining -= blocks * 64
        }
        if remaining > 0 {
            tail.append(contentsOf: UnsafeRawBufferPointer(start: base, count: remaining))
        }
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds a string's UTF-8 bytes to the message.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Pads the message and returns the 32-byte digest. Call it once; no updates after it.
    public mutating func finalize() -> [UInt8] {
        precondition(!finalized, "SHA256.finalize called twice")
        let bitLength = totalBytes &* 8
        var padding: [UInt8] = [0x80]
        let afterPad = (tail.count + 1) % 64
        padding.append(contentsOf: repeatElement(0, count: afterPad <= 56 ? 56 - afterPad : 120 - afterPad))
        for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        let savedTotal = totalBytes
        update(padding)
        totalBytes = savedTotal
        finalized = true
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7] {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    /// Finalizes and returns the digest as 64 lowercase hex digits (the form `sha256sum` prints).
    public mutating func hexDigest() -> String {
        Self.hex(finalize())
    }

    /// Bytes as lowercase hex digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of a file's contents (`-` is standard input).
    /// Throws `.unreadable` when the file cannot be opened or read.
    public static func hash(fileAt path: String) throws(ReadIssue) -> [UInt8] {
        try FileByteSource(path: path).finish().digest
    }

    // MARK: - Compression

    /// Compresses `count` whole blocks at `blocks` into the state, with this hasher's engine.
    private mutating func compress(_ blocks: UnsafeRawPointer, count: Int) {
        switch engine {
        case .hardware:
            // A tuple of eight UInt32 is laid out as eight consecutive words.
            withUnsafeMutableBytes(of: &h) { state in
                tally_sha256_hardware_blocks(state.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                             blocks.assumingMemoryBound(to: UInt8.self), count)
            }
        case .portable:
            Self.compress(&h, blocks: blocks, count: count)
        }
    }

    /// The round constants, from the C target (one table for both engines).
    private static let k = Array(UnsafeBufferPointer(start: tally_sha256_round_constants(), count: 64))

    /// Rotates right; the masking shifts compile to one rotate instruction (`>>` and `<<` would
    /// add overshift checks to every one of the six rotations of each round).
    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }

    /// One round on the working variables `a…h`: `d` becomes the next `e`, `h` the next `a`
    /// (`kw` is the round constant plus the schedule word).
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
        d = d &+ t1
        h = t1 &+ (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
    }

    /// Compresses `count` 64-byte blocks starting at `blocks` into the state `h`.
    private static func compress(
        _ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
        blocks: UnsafeRawPointer, count: Int
    ) {
        k.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var block = blocks
                for _ in 0..<count {
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let w15 = w[t - 15], w2 = w[t - 2]
                        let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 &>> 3)
                        let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 &>> 10)
                        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                    }
                    var a = h.0, b = h.1, c = h.2, d = h.3, e = h.4, f = h.5, g = h.6, hh = h.7
                    // Eight rounds at a time, the variables taking each other's roles instead of
                    // being shifted along after every round.
                    for t in stride(from: 0, to: 64, by: 8) {
                        round(a, b, c, &d, e, f, g, &hh, k[t] &+ w[t])
                        round(hh, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                        round(g, hh, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                        round(f, g, hh, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                        round(e, f, g, &hh, a, b, c, &d, k[t + 4] &+ w[t + 4])
                        round(d, e, f, &g, hh, a, b, &c, k[t + 5] &+ w[t + 5])
                        round(c, d, e, &f, g, hh, a, &b, k[t + 6] &+ w[t + 6])
                        round(b, c, d, &e, f, g, hh, &a, k[t + 7] &+ w[t + 7])
                    }
                    h.0 &+= a; h.1 &+= b; h.2 &+= c; h.3 &+= d
                    h.4 &+= e; h.5 &+= f; h.6 &+= g; h.7 &+= hh
                    block += 64
                }
            }
        }
    }
}
