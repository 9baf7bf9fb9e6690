import Foundation
import TallyStore

/// The Tally store: a SQLite file holding entities, runs, findings and audit, at the schema
/// version this Tally writes.
package final class TallyDatabase {
    package let connection: Connection
    package let path: String
    /// The entities this store holds.
    package let registry: EntityRegistry
    /// Migrations applied when this store was opened (empty when it was already current).
    package let appliedMigrations: [Int]

    /// Opens (creating if needed) the store at `path` and migrates it to the current schema.
    /// Refuses a store written by a newer Tally.
    package static func open(path: String, readOnly: Bool = false, registry: EntityRegistry = .standard) throws -> TallyDatabase {
        try open(path: path, access: readOnly ? .read : .create, registry: registry)
    }

    /// Opens the store at `path` as `access` says. Throws ``StoreFailure``: `missing`,
    /// `notATallyStore` or `newerSchema` (leaving the file untouched) when a read or write finds no
    /// store, the file is not a Tally store, or a newer Tally wrote it; SQLite's failures as their cause.
    package static func open(path: String, access: StoreAccess, registry: EntityRegistry = .standard) throws(StoreFailure) -> TallyDatabase {
        do {
            try checkIdentity(of: path, access: access, latestVersion: StoreSchema.migrator.latestVersion)
            let readOnly = access == .read
            // A small page cache by default: SQLite gives every sorter of a report query as much
            // memory as the cache, so a big cache multiplies (an import raises it for its run).
            let connection = try Connection(path: path, options: .init(readOnly: readOnly, create: access == .create, cacheKiB: defaultCacheKiB))
            let applied = readOnly ? [] : try StoreSchema.migrator.migrate(connection)
            // Only a store that lacks a table, column or index takes the write lock here: opening a
            // current store must not wait behind (or fail because of) a long import.
            if !readOnly, try !registry.tablesAreCurrent(in: connection) {
                try connection.transaction { try registry.ensureTables(in: connection) }
            }
            if readOnly { try completeTables(path: path, registry: registry, seenBy: connection) }
            return TallyDatabase(connection: connection, path: path, registry: registry, appliedMigrations: applied)
        } catch {
            throw StoreFailure.from(error) ?? StoreFailure(.failed, ErrorText.describe(error), cause: error)
        }
    }

    /// A store an older Tally wrote may lack a column the reads name (`_deleted_at`, a field the
    /// registry gained): a read adds them when the file can be written — a short write of its own,
    /// never waiting long for another writer — so `tally extract` works on it before any import.
    /// It adds columns only: an index over a large table would hold the store for seconds, so the
    /// next write builds those. Where it cannot (a read-only file, a busy store) the store is read as it is.
    private static func completeTables(path: String, registry: EntityRegistry, seenBy connection: Connection) throws {
        guard try !registry.tablesAreCurrent(in: connection), FileManager.default.isWritableFile(atPath: path) else { return }
        guard let writer = try? Connection(path: path, options: .init(readOnly: false, create: false, busyTimeoutMilliseconds: 250)) else { return }
        try? writer.transaction { try registry.addMissingColumns(in: writer) }
    }

    init(connection: Connection, path: String, registry: EntityRegistry, appliedMigrations: [Int]) {
        self.connection = connection
        self.registry = registry
        self.path = path
        self.appliedMigrations = appliedMigrations
    }

    /// The page cache of a store connection, in KiB.
    package static let defaultCacheKiB = 4 * 1024
    /// The page cache while an import runs: it keeps the key indexes of a large import hot.
    package static let importCacheKiB = 32 * 1024

    /// Sets the page cache, in KiB (``importCacheKiB`` while importing, then back to the default).
    package func setCache(kiB: Int) {
        try? connection.setPragma(.cacheSize, to: .kibibytes(kiB))
    }

    package var schemaVersion: Int { (try? StoreSchema.migrator.currentVersion(of: connection)) ?? 0 }
}
