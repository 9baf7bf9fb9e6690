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

        try probe.batch {
            #expect(probe.match(key: [.text(sysID("inc-1"))], inputHash: 0) == .changed(1))
            try store.connection.run("UPDATE entity_incident SET state = 3 WHERE _id = 2")
            let held = try checkpoint(store.connection)
            #expect(held.frames > 0 && held.copied < held.frames)  // the batch's snapshot still reads the old pages
            #expect(probe.match(key: [.text(sysID("inc-2"))], inputHash: 0) == .changed(2))
            #expect(probe.storedRecord(2)?.values[entity.index(ofField: "state")!] == .integer(2))
        }
        let released = try checkpoint(store.connection)
        #expect(released.frames == released.copied)
        try probe.batch {
            #expect(probe.storedRecord(2)?.values[entity.index(ofField: "state")!] == .integer(3))
        }
    }

    @Test func inABatchTheProbeAnswersAsItsLookupsDoInAnyOrderOfRows() throws {
        let store = try StoreHarness()
        try store.importText(csv(UnchangedRowTests.header, (1...40).map { UnchangedRowTests().row($0) }), entity: "incident")
        try store.connection.run("DELETE FROM entity_incident WHERE _id IN (5, 17, 18)")  // gaps, as a rollback leaves
        let entity = try #require(store.database.registry.entity(named: "incident"))
        var hashes: [Int64: Int64] = [:]
        for row in try store.connection.rows("SELECT _id, _input_hash FROM entity_incident") { hashes[row[0].integer!] = row[1].integer! }
        // In order, with gaps, jumps forward and back, repeats, keys the store lacks, and rows
        // whose input hash is (unchanged) or is not (changed) the stored one.
        var order = Array(1...12) + [30, 31, 3, 3, 4, 16, 19, 20, 41, 42, 21, 40, 39, 1] + Array(22...29)
        var generator = SeededGenerator(seed: 7)
        order += (1...42).shuffled(using: &generator)
        let batched = try #require(UnchangedRowProbe(path: store.database.path, entity: entity, rules: entity.identifierRules))
        let single = try #require(UnchangedRowProbe(path: store.database.path, entity: entity, rules: entity.identifierRules))
        for start in stride(from: 0, to: order.count, by: 50) {
            try batched.batch {
                for position in start..<min(start + 50, order.count) {
                    let number = order[position]
                    let key: [FieldValue] = [.text(sysID("inc-\(number)"))]
                    let hash = position % 3 == 0 ? 1 : hashes[Int64(number)] ?? 1
                    #expect(batched.match(key: key, inputHash: hash) == single.match(key: key, inputHash: hash), "row \(position): incident \(number)")
                }
            }
        }
        #expect(single.match(key: [.text(sysID("inc-7"))], inputHash: hashes[7]!) == .unchanged(7))
        #expect(single.match(key: [.text(sysID("inc-5"))], inputHash: 1) == nil)
    }
}
