/// Wraps a source so its first bytes can be looked at before reading, then replayed.
///
/// Format detection peeks at the start of an input without consuming it, which matters for
/// standard input (it cannot seek). Peek before the first `read(into:)`.
public final class PeekableByteSource: ByteSource {
    public var name: String { base.name }
    private let base: any ByteSource
    private var peeked: [UInt8] = []
    private var replayed = 0
    private var baseEnded = false

    public init(_ base: any ByteSource) {
        self.base = base
    }

    /// Up to `count` bytes from the start of the input (fewer only when the input is shorter).
    /// Peeking again returns the same bytes, reading more from the source when asked for more.
    public func peek(_ count: Int) throws(ReadIssue) -> [UInt8] {
        precondition(replayed == 0, "peek before reading")
        if peeked.count < count && !baseEnded {
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: count - peeked.count, alignment: 1)
            defer { chunk.deallocate() }
            while peeked.count < count {
                let got = try base.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<(count - peeked.count)]))
                if got == 0 {
                    baseEnded = true
                    break
                }
                peeked.append(contentsOf: chunk[0..<got])
            }
        }
        return Array(peeked.prefix(count))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadIssue) -> Int {
        if replayed < peeked.count {
            let count = min(buffer.count, peeked.count - replayed)
            peeked.withUnsafeBytes { bytes in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[replayed..<replayed + count]))
            }
            replayed += count
            if replayed == peeked.count {
                peeked = []
                replayed = Int.max  // all replayed: read the source from now on
            }
            return count
        }
        if replayed == 0 { replayed = Int.max }
        return try base.read(into: buffer)
    }
}
