import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// The first import into a store without records writes under the rollback journal
/// (``FirstLoadJournal``); every other import keeps WAL, so readers are never blocked behind it.
@Suite("First load into an empty store")
struct FirstLoadJournalTests {
    static let header = "sys_id,number,state,short_description,sys_updated_on,sys_mod_count"

    func rows(_ range: ClosedRange<Int>, prefix: String = "INC") -> [String] {
        range.map { "\(sysID("\(prefix)-\($0)")),\(prefix)\(String(format: "%07d", $0)),2,\"printer jam \($0)\",2026-03-01 10:00:00,1" }
    }

    @Test func theFirstImportIntoAnEmptyStoreWritesStraightIntoTheFileAndLeavesItInWAL() throws {
        let store = try StoreHarness()
        let first = try store.importText(csv(Self.header, rows(1...200)), entity: "incident")
        #expect(first.firstLoad)
        #expect(first.counts.inserted == 200 && first.counts.isConserved)
        #expect(try store.connection.pragma(.journalMode) == .wal)
        #expect(try store.count("PRAGMA synchronous") == 1)  // NORMAL again
        #expect(!FileManager.default.fileExists(atPath: store.database.path + "-journal"))
        #expect(try store.count("SELECT count(*) FROM audit WHERE field = '*'") == 200)

        let second = try store.importText(csv(Self.header, rows(150...250)), entity: "incident")
        #expect(!second.firstLoad)
        #expect(second.counts.inserted == 50 && second.counts.unchanged == 51)
    }

    @Test func aStoreWithRecordsKeepsWALSoAReaderKeepsReadingThroughAnImport() throws {
        let store = try StoreHarness()
        #expect(try store.importText(csv(Self.header, rows(1...20)), entity: "incident").firstLoad)
        let reader = try Connection(path: store.database.path, options: .init(readOnly: true, create: false))
        try reader.execute("BEGIN")
        #expect(try reader.scalar("SELECT count(*) FROM entity_incident").integer == 20)

        // Under the rollback journal this import could not commit while the reader holds its snapshot.
        let result = try store.importText(csv(Self.header, rows(21...120)), entity: "incident")
        #expect(!result.firstLoad)
        #expect(result.counts.inserted == 100)
        #expect(try reader.scalar("SELECT count(*) FROM entity_incident").integer == 20)
        try reader.execute("COMMIT")
        #expect(try reader.scalar("SELECT count(*) FROM entity_incident").integer == 120)
    }

    @Test func anotherOpenConnectionKeepsTheFirstImportInWALWithoutWaiting() throws {
        let store = try StoreHarness()
        let other = try Connection(path: store.database.path)
        #expect(try other.scalar("SELECT count(*) FROM runs").integer == 0)
        let started = Date()
        let result = try store.importText(csv(Self.header, rows(1...100)), entity: "incident")
        #expect(Date().timeIntervalSince(started) < 4, "the switch must not wait out the busy timeout")
        #expect(!result.firstLoad)
        #expect(result.counts.inserted == 100)
        #expect(try other.scalar("SELECT count(*) FROM entity_incident").integer == 100)
    }

    @Test func aFirstLoadThatFailsLeavesTheStoreEmptyInWALAndTheNextOneLoadsIt() throws {
        let store = try StoreHarness()
        // Enough rows that the run's pages spill from the page cache into the file before it fails.
        var text = "{\"result\": ["
        let wide = String(repeating: "x", count: 3_000)
        for number in 1...12_000 {
            text += "{\"sys_id\": \"\(sysID("inc-\(number)"))\", \"number\": \"INC\(number)\", \"description\": \"\(wide)\", \"sys_updated_on\": \"2026-03-01 10:00:00\"},"
        }
        text += "{\"sys_id\": \"broken"  // the export ends mid-record
        let path = store.folder.appendingPathComponent("cut.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let sizeBefore = try FileManager.default.attributesOfItem(atPath: store.database.path)[.size] as! Int
        let request = ImportRequest(paths: [path], entity: "incident", command: "test")
        #expect(throws: ImportFailure.self) { try Importer(database: store.database).run(request) }

        #expect(try store.count("SELECT count(*) FROM entity_incident") == 0)
        #expect(try store.count("SELECT count(*) FROM audit") == 0)
        #expect(try store.value("SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "failed")
        #expect(try store.connection.pragma(.journalMode) == .wal)
        #expect(!FileManager.default.fileExists(atPath: store.database.path + "-journal"))
        #expect(try store.value("PRAGMA integrity_check") == "ok")
        let sizeAfter = try FileManager.default.attributesOfItem(atPath: store.database.path)[.size] as! Int
        #expect(sizeAfter < sizeBefore + 1_000_000, "the rollback cut the file back (\(sizeBefore) → \(sizeAfter) bytes)")

        let next = try store.importText(csv(Self.header, rows(1...10)), entity: "incident")
        #expect(next.firstLoad)
        #expect(next.counts.inserted == 10)
    }

    @Test func aDryRunIntoAnEmptyStoreKeepsWALAndLeavesNothing() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv(Self.header, rows(1...30)), entity: "incident", dryRun: true)
        #expect(!result.firstLoad)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 0)
        #expect(try store.connection.pragma(.journalMode) == .wal)
    }
}
