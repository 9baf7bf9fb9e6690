import Foundation

/// A file's SHA-256, computed on a thread of its own so the import can read the file at the
/// same time (the second core hashes while the first parses). ``value()`` waits for it.
final class FileDigest: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, ReadIssue>?

    /// Starts hashing `path` in the background.
    init(hashing path: String) {
        let thread = Thread { [self] in
            let outcome: Result<String, ReadIssue>
            do throws(ReadIssue) { outcome = .success(SHA256.hex(try SHA256.hash(fileAt: path))) }
            catch { outcome = .failure(error) }
            result = outcome
            done.signal()
        }
        thread.name = "tally-sha256"
        thread.start()
    }

    /// A digest already known.
    init(known hex: String) {
        result = .success(hex)
        done.signal()
    }

    /// The hex digest, once computed (waits for the hashing thread the first time).
    func value() throws(ReadIssue) -> String {
        done.wait()
        done.signal()  // later callers do not wait
        return try result!.get()
    }
}
