/// One step of the store's schema, identified by the version it brings the store to.
public struct Migration: Sendable {
    public var version: Int
    public var summary: String
    public var sql: String

    public init(version: Int, summary: String, sql: String) {
        self.version = version
        self.summary = summary
        self.sql = sql
    }
}

/// Applies versioned migrations, tracking the version in `PRAGMA user_version`.
///
/// Opening an older store applies the missing steps in one transaction; a store whose version is
/// newer than the last known migration was written by a newer Tally and is refused.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) {
        precondition(zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version },
                     "migrations must be in increasing version order")
        self.migrations = migrations
    }

    /// The version this code writes.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The store's current schema version.
    public func currentVersion(of connection: Connection) throws(StoreError) -> Int {
        try connection.pragma(.userVersion)
    }

    /// Brings the store up to ``latestVersion``; returns the versions applied.
    @discardableResult
    public func migrate(_ connection: Connection) throws -> [Int] {
        let current = try currentVersion(of: connection)
        if current > latestVersion {
            throw StoreError.misuse(
                "the store at \(connection.path) has schema version \(current), but this Tally knows versions up to \(latestVersion); use a newer Tally to open it")
        }
        let pending = migrations.filter { $0.version > current }
        guard !pending.isEmpty else { return [] }
        return try connection.transaction(.immediate) {
            // Re-read inside the lock: another process may have migrated meanwhile.
            let locked = try currentVersion(of: connection)
            var applied: [Int] = []
            for migration in migrations where migration.version > locked {
                try connection.execute(migration.sql)
                try connection.setPragma(.userVersion, to: migration.version)
                applied.append(migration.version)
            }
            return applied
        }
    }
}
