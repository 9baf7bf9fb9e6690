import Foundation

/// How a command opens the store: only the commands that load data create one, and only the
/// commands that change it open it for writing.
package enum StoreAccess: Sendable {
    /// Create the store when it is missing, migrate it when it is older (`init`, `import`, `run`).
    case create
    /// Read and write a store that exists (`rollback`, `rerun`, `prune`, `settings set`).
    case write
    /// Read a store that exists, opened read-only so the file is never changed (`runs`, `extract`).
    case read
}

/// Why a store cannot be opened, before anything in it was touched.
package struct StoreOpenError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable {
        /// No store at the path (exit 66): a read never creates one.
        case missing
        /// The file is not a Tally store (exit 64); it was left as it was.
        case notATallyStore
        /// A newer Tally wrote the store (exit 64).
        case newerSchema
    }
    package var kind: Kind
    package var message: String
    package var description: String { message }
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
            throw StoreOpenError(kind: .missing, message: "no store at \(path)\(empty); create one with tally init (or give --db PATH, or set TALLY_DB)")
        }
        let tables: [String]
        let version: Int
        do throws(StoreError) {
            let probe = try Connection(path: path, options: .init(readOnly: true, create: false, cacheKiB: 64))
            tables = try probe.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0.first?.text }
            version = try probe.pragma(.userVersion)
        } catch {
            guard error.isNotADatabase else { throw error }
            throw StoreOpenError(kind: .notATallyStore, message: "\(path) is not a Tally store: it is not a SQLite database; it was left unchanged (give --db the path of a Tally store)")
        }
        if tables.isEmpty && version == 0 {
            if access == .create { return }
            throw StoreOpenError(kind: .missing, message: "no store at \(path) (an empty SQLite file); create one with tally init")
        }
        guard version >= 1, tables.contains("runs"), tables.contains("settings") else {
            let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
            throw StoreOpenError(kind: .notATallyStore, message: "\(path) is not a Tally store: it is a SQLite database of another application (tables \(shown)); it was left unchanged (give --db the path of a Tally store)")
        }
        if version > latestVersion {
            throw StoreOpenError(kind: .newerSchema, message: "the store at \(path) was written by a newer Tally (schema \(version), this build knows \(latestVersion)); open it with that Tally or a newer one")
        }
    }
}
