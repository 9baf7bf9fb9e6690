import Foundation
import Testing
import TestSupport
@testable import TallyStore

@Suite("Typed pragmas")
struct PragmaTests {
    private func makeStore() throws -> Connection {
        let folder = try Paths.makeTempDirectory("pragma")
        return try Connection(path: folder.appendingPathComponent("t.db").path)
    }

    @Test func eachPragmaReadsBackWhatWasSet() throws {
        let db = try makeStore()
        #expect(try db.pragma(.foreignKeys) == true)  // as a connection opens
        #expect(try db.pragma(.synchronous) == .normal)
        #expect(try db.pragma(.journalMode) == .wal)
        #expect(try db.pragma(.cacheSize) == .kibibytes(16 * 1024))

        try db.setPragma(.foreignKeys, to: false)
        try db.setPragma(.synchronous, to: .full)
        try db.setPragma(.cacheSize, to: .kibibytes(2_048))
        try db.setPragma(.userVersion, to: 42)
        #expect(try db.pragma(.foreignKeys) == false)
        #expect(try db.pragma(.synchronous) == .full)
        #expect(try db.pragma(.cacheSize) == .kibibytes(2_048))
        #expect(try db.pragma(.userVersion) == 42)
        try db.setPragma(.cacheSize, to: .pages(500))
        #expect(try db.pragma(.cacheSize) == .pages(500))
        // The SQL SQLite sees: what the typed values stand for.
        #expect(try db.scalar("PRAGMA synchronous").integer == 2)
        #expect(try db.scalar("PRAGMA cache_size").integer == 500)
        #expect(try db.scalar("PRAGMA user_version").integer == 42)
    }

    @Test func theJournalModeSwitchSaysWhichModeIsInForce() throws {
        let db = try makeStore()
        #expect(db.switchJournalMode(to: .delete) == .delete)
        #expect(try db.pragma(.journalMode) == .delete)
        #expect(db.switchJournalMode(to: .wal) == .wal)
        // While another connection has the store open, the switch fails at once (nil), and WAL stays.
        let other = try Connection(path: db.path)
        #expect(db.switchJournalMode(to: .delete) == nil)
        #expect(try other.pragma(.journalMode) == .wal)
    }

    @Test func theChecksReportWhatTheyFind() throws {
        let db = try makeStore()
        try db.execute("""
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id));
            """)
        #expect(try db.integrityCheck().isEmpty)
        #expect(try db.foreignKeyCheck().isEmpty)
        try db.setPragma(.foreignKeys, to: false)
        try db.execute("INSERT INTO child (id, parent) VALUES (7, 99)")
        #expect(try db.foreignKeyCheck() == [ForeignKeyViolation(table: "child", rowID: 7, parent: "parent")])
    }
}
