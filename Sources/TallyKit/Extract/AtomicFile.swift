import Foundation

/// A file written atomically: bytes go to a temp file in the same folder, which is flushed,
/// synced and renamed over the destination on ``commit()``. A reader sees the old file or the
/// whole new one, never half of it; an abandoned write leaves no trace.
public final class AtomicFile {
    public let path: String
    let temporaryPath: String
    public let sink: FileOutputSink
    private var finished = false

    public init(path: String) throws(OutputError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        temporaryPath = folder + "/." + url.lastPathComponent + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        sink = try FileOutputSink(path: temporaryPath)
    }

    /// Syncs the bytes and renames the temp file over ``path``.
    public func commit() throws(OutputError) {
        guard !finished else { return }
        finished = true
        do {
            try sink.sync()
            try sink.close()
        } catch {
            unlink(temporaryPath)
            throw error
        }
        if rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError(name: path, message: "cannot move the finished file into place: \(reason)")
        }
    }

    /// Drops the temp file; the destination is untouched.
    public func abandon() {
        guard !finished else { return }
        finished = true
        try? sink.close()
        unlink(temporaryPath)
    }

    deinit { abandon() }
}
