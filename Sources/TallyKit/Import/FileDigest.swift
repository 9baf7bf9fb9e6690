import Foundation
import TallyFormats

/// A file's SHA-256 before it is imported, computed on first use: only to tell whether a file of
/// the size of a committed input is that input (then it is skipped). The SHA-256 a run records is
/// the one of the bytes its reader consumed (``FileByteSource/finish()``), never this one.
final class FileDigest: @unchecked Sendable {
    private let lock = NSLock()
    private let path: String
    private var result: Result<String, ReadIssue>?

    init(hashing path: String) { self.path = path }

    /// A digest already known.
    init(known hex: String) {
        path = ""
        result = .success(hex)
    }

    /// The hex digest (hashes the file the first time).
    func value() throws(ReadIssue) -> String {
        lock.lock()
        defer { lock.unlock() }
        if result == nil {
            do throws(ReadIssue) { result = .success(SHA256.hex(try SHA256.hash(fileAt: path))) }
            catch { result = .failure(error) }
        }
        return try result!.get()
    }
}
