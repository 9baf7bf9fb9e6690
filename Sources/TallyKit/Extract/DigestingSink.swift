/// An output sink that passes bytes on while counting them and computing their SHA-256, so a
/// manifest can describe a file without reading it back.
public final class DigestingSink: OutputSink {
    private let base: any OutputSink
    private var hasher = SHA256()
    public private(set) var byteCount = 0

    public init(_ base: any OutputSink) { self.base = base }

    public var name: String { base.name }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        hasher.update(bytes)
        byteCount += bytes.count
        try base.write(bytes)
    }

    public func flush() throws(OutputError) { try base.flush() }

    /// The hex SHA-256 of everything written; call once, after the last write.
    public func hexDigest() -> String { hasher.hexDigest() }
}
