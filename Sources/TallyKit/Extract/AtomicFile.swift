import Foundation
import TallyFormats

/// A file written atomically: bytes go to a temp file in the same folder, which is flushed,
/// synced and renamed over the destination on ``commit()``. A reader sees the old file or the
/// whole new one, never half of it; an abandoned write leaves no trace.
package final class AtomicFile {
    package let path: String
    let temporaryPath: String
    package let sink: FileOutputSink
    private var finished = false
    private var prepared = false

    package init(path: String) throws(OutputError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        temporaryPath = folder + "/." + url.lastPathComponent + ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        // Named by the file asked for: the temp name means nothing to the person who gave it.
        do { sink = try FileOutputSink(path: temporaryPath) }
        catch { throw OutputError(name: path, message: error.message) }
    }

    /// Syncs the bytes and renames the temp file over ``path``.
    package func commit() throws(OutputError) {
        try prepare()
        try publish()
    }

    /// Syncs and closes the temp file, so that ``publish()`` is only a rename. Preparing every
    /// file of a set before publishing any keeps the moment the set is half old, half new as
    /// short as a few renames.
    package func prepare() throws(OutputError) {
        guard !finished, !prepared else { return }
        do {
            try sink.sync()
            try sink.close()
            prepared = true
        } catch {
            finished = true
            unlink(temporaryPath)
            throw error
        }
    }

    /// Renames the prepared temp file over ``path`` (preparing it first if needed).
    package func publish() throws(OutputError) {
        guard !finished else { return }
        try prepare()
        finished = true
        if rename(temporaryPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw OutputError(name: path, message: "cannot move the finished file into place: \(reason)")
        }
    }

    /// Drops the temp file; the destination is untouched.
    package func abandon() {
        guard !finished else { return }
        finished = true
        if !prepared { try? sink.close() }
        unlink(temporaryPath)
    }

    deinit { abandon() }

    /// Removes temp files of ``path`` left by writers that died (killed before their rename):
    /// `.NAME.tmp-PID-…` whose PID is not a live process. Returns how many were removed.
    @discardableResult
    package static func removeStaleTemporaries(of path: String) -> Int {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".tmp-"
        var removed = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0 else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            if unlink(folder + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }
}
