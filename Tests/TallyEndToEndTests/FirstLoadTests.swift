import Foundation
import Testing
import TestSupport
import TallyStore

/// The first import into a new store writes under SQLite's rollback journal and hands the store
/// back in WAL; while such an initial load holds the store, other commands say so and exit 75.
@Suite("An initial load")
struct FirstLoadTests {
    @Test func theFirstImportIntoANewStoreLeavesItInWALWithNoJournalAndItsRowsCommitted() throws {
        let folder = try Paths.makeTempDirectory("first-load")
        let first = try TallyProcess.run(["import", Paths.fixture("itsm/incident.csv"), "--entity", "incident"], in: folder)
        #expect(first.status == 0 || first.status == 65, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("tally.db-journal").path))
        let probe = try StoreProbe(folder)
        #expect(try probe.text("PRAGMA journal_mode") == "wal")
        #expect(try probe.count("runs", "status = 'committed'") == 1)
        let stored = try probe.count("entity_incident")
        #expect(stored > 0)
        #expect(try probe.count("audit", "field = '*'") == stored)

        let again = try TallyProcess.run(["import", Paths.fixture("itsm/incident.csv"), "--entity", "incident", "--force"], in: folder)
        #expect(again.status == 0 || again.status == 65, "\(again.stderr)")
        #expect(try probe.text("PRAGMA journal_mode") == "wal")
        #expect(try probe.count("entity_incident") == stored)
    }

    @Test func whileAnInitialLoadHoldsTheStoreAWriterExits75AndAReaderSeesTheStateBefore() throws {
        let folder = try Paths.makeTempDirectory("first-load-held")
        #expect(try TallyProcess.run(["init"], in: folder).status == 0)
        // What an initial load holds: the store under the rollback journal, in a write transaction.
        let loader = try Connection(path: folder.appendingPathComponent("tally.db").path)
        #expect(loader.switchJournalMode(to: .delete) == .delete)
        try loader.execute("BEGIN IMMEDIATE; CREATE TABLE loading (x); INSERT INTO loading VALUES (1)")

        // A command that writes cannot have the store; one that reads opens it read-only and
        // sees the state before the load (no journal switch needed).
        let refused = try TallyProcess.run(["settings", "set", "sync_enabled", "true"], in: folder)
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("held whole by another process's initial load"), "\(refused.stderr)")
        let read = try TallyProcess.run(["runs"], in: folder)
        #expect(read.status == 0 && read.stdout.contains("No runs yet."), "\(read.status): \(read.stderr)")

        try loader.execute("ROLLBACK")
        #expect(loader.switchJournalMode(to: .wal, waiting: true) == .wal)
        let listed = try TallyProcess.run(["runs"], in: folder)
        #expect(listed.status == 0, "\(listed.stderr)")
    }
}
