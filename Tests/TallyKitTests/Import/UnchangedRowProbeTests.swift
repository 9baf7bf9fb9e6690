import Foundation
import Testing
import TestSupport
import TallyStore
@testable import TallyKit

@Suite("The unchanged-row probe's batches")
struct UnchangedRowProbeTests {
    /// `PRAGMA wal_checkpoint(PASSIVE)`: frames in the WAL, and how many of them are in the store.
    func checkpoint(_ connection: Connection) throws -> (frames: Int64, copied: Int64) {
        let row = try #require(try connection.rows("PRAGMA wal_checkpoint(PASSIVE)").first)
        return (row[1].integer ?? -1, row[2].integer ?? -1)
    }

    @Test func aBatchReadsOneSnapshotAndEndingItLetsTheCheckpointCopyEveryPage() throws {
        let store = try StoreHarness()
        try store.importText(csv(UnchangedRowTests.header, (1...5).map { UnchangedRowTests().row($0) }), entity: "incident")
        let entity = try #require(store.database.registry.entity(named: "incident"))
        let probe = try #require(UnchangedRowProbe(path: store.database.path, entity: entity, rules: entity.identifierRules))
        _ = try checkpoint(store.connection)

        probe.beginBatch()
        #expect(probe.match(key: [.text(sysID("inc-1"))], inputHash: 0) == .changed(1))
        try store.connection.run("UPDATE entity_incident SET state = 3 WHERE _id = 2")
        let held = try checkpoint(store.connection)
        #expect(held.frames > 0 && held.copied < held.frames)  // the batch's snapshot still reads the old pages
        #expect(probe.match(key: [.text(sysID("inc-2"))], inputHash: 0) == .changed(2))
        #expect(probe.storedRecord(2)?.values[entity.index(ofField: "state")!] == .integer(2))

        probe.endBatch()
        let released = try checkpoint(store.connection)
        #expect(released.frames == released.copied)
        probe.beginBatch()
        #expect(probe.storedRecord(2)?.values[entity.index(ofField: "state")!] == .integer(3))
        probe.endBatch()
    }
}
