import Foundation
import TallyStore

/// How a command opens the store: only the commands that load data create one, and only the
/// commands that change it open it for writing.
package enum StoreAccess: Sendable {
    /// Create the store when it is missing, migrate it when it is older (`init`, `import`, `run`).
    case create
    /// Read and write a store that exists (`rollback`, `rerun`, `prune`, `settings set`).
    case write
    /// Read a store that exists, opened read-only (`runs`, `extract`); the one write it may make
    /// is adding columns an older Tally's store lacks, when the file can be written.
    case read
}

/// Where the store is, found the same way by every command and job.
package enum StoreLocation {
    /// `--db`, else a job's `store` (already resolved against the job file), else `$TALLY_DB`,
    /// else `./tally.db`.
    package static func path(option: String?, job: String? = nil) -> String {
        if let option { return option }
        if let job { return job }
        if let path = ProcessInfo.processInfo.environment["TALLY_DB"], !path.isEmpty { return path }
        return "tally.db"
    }
}

/// Why the store cannot be used, in NIOFileSystem's `FileSystemError` shape: a code the CLI turns
/// into an exit code, a sentence a person can act on, the error that caused it, and where Tally
/// raised it. The cause is kept whole (SQLite's code and statement), not flattened into a string.
package struct StoreFailure: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// No store at the path (exit 66): a read never creates one.
        case missing
        /// The file is not a Tally store (exit 64); it was left as it was.
        case notATallyStore
        /// A newer Tally wrote the store (exit 64).
        case newerSchema
        /// Another process holds SQLite's write lock past the busy timeout (exit 75).
        case busy
        /// The file is damaged.
        case corrupt
        /// The file or its folder cannot be written.
        case readOnly
        /// Any other failure of SQLite.
        case failed
    }

    /// Where Tally raised the failure.
    package struct Location: Sendable, CustomStringConvertible {
        package var function: String
        package var file: String
        package var line: Int
        package var description: String { "\(function) (\(file):\(line))" }
    }

    package var code: Code
    /// What went wrong and what to do; for a failure of SQLite, SQLite's own message.
    package var message: String
    package var cause: (any Error)?
    package var location: Location

    package init(_ code: Code, _ message: String, cause: (any Error)? = nil,
                 function: String = #function, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = Location(function: function, file: file, line: line)
    }

    /// A failure SQLite reported, classified, with the error kept as its cause.
    package init(_ error: StoreError, function: String = #function, file: String = #fileID, line: Int = #line) {
        let code: Code = error.isBusy ? .busy : error.isCorrupt ? .corrupt : error.isReadOnly ? .readOnly : .failed
        self.init(code, error.message, cause: error, function: function, file: file, line: line)
    }

    /// `error` as a store failure when the store raised it (a ``StoreFailure`` or SQLite's error), else nil.
    package static func from(_ error: any Error) -> StoreFailure? {
        if let failure = error as? StoreFailure { return failure }
        if let error = error as? StoreError { return StoreFailure(error) }
        return nil
    }

    /// The sentence a person reads: the message, or for a failure of SQLite its own account (code
    /// name and statement), as Tally has always printed it.
    package var description: String {
        if let cause = cause as? StoreError { return cause.description }
        return message
    }

    /// A tree for a person debugging: code, reason, cause and where it was raised.
    package var detailedDescription: String {
        var lines = ["StoreFailure: \(code.rawValue)", "├─ Reason: \(message)"]
        if let cause { lines.append("├─ Cause: \(String(reflecting: cause))") }
        lines.append("└─ Source location: \(location)")
        return lines.joined(separator: "\n")
    }
}

extension TallyDatabase {
    /// Checks that the file at `path` is a Tally store this build can open with `access`, through
    /// a read-only look that leaves the file unchanged (no table, no journal mode, no `-wal`).
    static func checkIdentity(of path: String, access: StoreAccess, latestVersion: Int) throws {
        guard path != ":memory:" else { return }
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else {
            if access == .create { return }
            let empty = FileManager.default.fileExists(atPath: path) ? " (the file is empty)" : ""
            throw StoreFailure(.missing, "no store at \(path)\(empty); create one with tally init (or give --db PATH, or set TALLY_DB)")
        }
        let tables: [String]
        let version: Int
        do throws(StoreError) {
            let probe = try Connection(path: path, options: .init(readOnly: true, create: false, cacheKiB: 64))
            tables = try probe.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0.first?.text }
            version = try probe.pragma(.userVersion)
        } catch {
            guard error.isNotADatabase else { throw StoreFailure(error) }
            throw StoreFailure(.notATallyStore, "\(path) is not a Tally store: it is not a SQLite database; it was left unchanged (give --db the path of a Tally store)")
        }
        if tables.isEmpty && version == 0 {
            if access == .create { return }
            throw StoreFailure(.missing, "no store at \(path) (an empty SQLite file); create one with tally init")
        }
        guard version >= 1, tables.contains("runs"), tables.contains("settings") else {
            let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
            throw StoreFailure(.notATallyStore, "\(path) is not a Tally store: it is a SQLite database of another application (tables \(shown)); it was left unchanged (give --db the path of a Tally store)")
        }
        if version > latestVersion {
            throw StoreFailure(.newerSchema, "the store at \(path) was written by a newer Tally (schema \(version), this build knows \(latestVersion)); open it with that Tally or a newer one")
        }
    }
}
