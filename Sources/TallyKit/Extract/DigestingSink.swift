import TallyFormats

/// An output sink that passes bytes on while counting them and computing their SHA-256, so a
/// manifest can describe a file without reading it back.
package final class DigestingSink: OutputSink {
    private let base: any OutputSink
    private var hasher = SHA256()
    package private(set) var byteCount = 0

    package init(_ base: any OutputSink) { self.base = base }

    package var name: String { base.name }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        hasher.update(bytes)
        byteCount += bytes.count
        try base.write(bytes)
    }

    package func flush() throws(OutputError) { try base.flush() }

    /// The hex SHA-256 of everything written; call once, after the last write.
    package func hexDigest() -> String { hasher.hexDigest() }
}
