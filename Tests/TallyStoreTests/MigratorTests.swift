import Foundation
import Testing
import TestSupport
@testable import TallyStore

@Suite("Migrations")
struct MigratorTests {
    let v1 = Migration(version: 1, summary: "runs", sql: "CREATE TABLE runs (id INTEGER PRIMARY KEY, status TEXT)")
    let v2 = Migration(version: 2, summary: "notes", sql: "ALTER TABLE runs ADD COLUMN note TEXT")

    func storePath() throws -> String {
        try Paths.makeTempDirectory("mig").appendingPathComponent("t.db").path
    }

    @Test func migratesAFreshStoreToTheLatestVersion() throws {
        let db = try Connection(path: try storePath())
        let applied = try Migrator([v1, v2]).migrate(db)
        #expect(applied == [1, 2])
        #expect(try Migrator([v1, v2]).currentVersion(of: db) == 2)
        #expect(try Migrator([v1, v2]).migrate(db) == [])  // again: harmless
    }

    @Test func opensAnOlderStoreAndMigratesItKeepingData() throws {
        let path = try storePath()
        do {
            let old = try Connection(path: path)
            try Migrator([v1]).migrate(old)
            try old.run("INSERT INTO runs (status) VALUES ('committed')")
        }
        let db = try Connection(path: path)
        #expect(try Migrator([v1, v2]).migrate(db) == [2])
        #expect(try db.rows("SELECT status, note FROM runs") == [[.text("committed"), .null]])
    }

    @Test func refusesAStoreWrittenByANewerTally() throws {
        let path = try storePath()
        do { try Migrator([v1, v2]).migrate(try Connection(path: path)) }
        let error = try #require(throws: StoreError.self) {
            try Migrator([v1]).migrate(try Connection(path: path))
        }
        #expect(error.message.contains("schema version 2"))
        #expect(error.message.contains("newer Tally"))
    }

    @Test func aFailingMigrationLeavesTheStoreAtItsOldVersion() throws {
        let db = try Connection(path: try storePath())
        try Migrator([v1]).migrate(db)
        let broken = Migration(version: 2, summary: "broken", sql: "ALTER TABLE nope ADD COLUMN x")
        #expect(throws: StoreError.self) { try Migrator([v1, broken]).migrate(db) }
        #expect(try Migrator([v1]).currentVersion(of: db) == 1)
    }
}
