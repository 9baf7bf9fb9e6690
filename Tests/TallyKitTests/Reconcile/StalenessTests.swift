import Foundation
import Testing
import TestSupport
@testable import TallyKit

@Suite("Staleness and order independence")
struct StalenessTests {
    static let header = "number,state,short_description,sys_updated_on,sys_mod_count"

    @Test func anOlderRowChangesNothingAndCountsAsStale() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["INC0000001,2,new,2026-02-01 10:00:00,5"]), entity: "incident")
        let before = try store.extract("incident")
        let older = try store.importText(csv(Self.header, ["INC0000001,1,old,2026-01-01 10:00:00,9"]), entity: "incident")
        #expect(older.counts.skippedStale == 1)
        // Same second, lower mod count: stale too.
        let lowerCount = try store.importText(csv(Self.header, ["INC0000001,1,old,2026-02-01 10:00:00,4"]), entity: "incident")
        #expect(lowerCount.counts.skippedStale == 1)
        #expect(try store.extract("incident") == before)
    }

    /// Each row is applied in file order and counted for what it did: oldest first, an insert then
    /// an update; newest first, an insert then a stale row that changes nothing.
    @Test(arguments: [false, true])
    func theSameRecordTwiceInOneRunKeepsTheNewest(newestFirst: Bool) throws {
        let store = try StoreHarness()
        var rows = ["INC0000001,1,older,2026-01-01 10:00:00,1", "INC0000001,2,newer,2026-01-02 10:00:00,2"]
        if newestFirst { rows.reverse() }
        let result = try store.importText(csv(Self.header, rows), entity: "incident")
        #expect(result.counts.inserted == 1)
        #expect(result.counts.updated == (newestFirst ? 0 : 1))
        #expect(result.counts.skippedStale == (newestFirst ? 1 : 0))
        #expect(result.counts.isConserved)
        #expect(try store.value("SELECT short_description FROM entity_incident") == "newer")
    }

    @Test func aSameVersionTieIsAConflictDecidedIndependentlyOfOrder() throws {
        let a = "INC0000001,2,alpha,2026-01-01 10:00:00,3"
        let b = "INC0000001,2,bravo,2026-01-01 10:00:00,3"
        var finals: [String] = []
        for order in [[a, b], [b, a]] {
            let store = try StoreHarness()
            try store.importText(csv(Self.header, [order[0]]), entity: "incident")
            let second = try store.importText(csv(Self.header, [order[1]]), entity: "incident")
            #expect(second.counts.read == 1)
            #expect(try store.count("SELECT count(*) FROM conflicts WHERE rule = 'same_version' AND field = 'short_description'") == 1)
            finals.append(try store.extract("incident"))
        }
        #expect(finals[0] == finals[1])
    }

    /// The same rows, in any order and split into any number of runs, end in the same state;
    /// every run's counts add up and agree with its audit; and a store the run finds holding
    /// records (the unchanged-row probe and the stored copies it reads) counts every run exactly
    /// as an empty one (pre-packed inserts, no probe) does.
    @Test(arguments: 0..<12)
    func anyOrderAndAnySplitEndsInTheSameState(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 1)
        // 30 incidents × up to 5 versions each, with ties and partial-looking updates.
        var rows: [String] = []
        for incident in 1...30 {
            for version in 0..<Int.random(in: 1...5, using: &rng) {
                let minute = version * 7 + Int.random(in: 0...1, using: &rng)  // some same-minute versions
                let state = [1, 2, 3, 6, 7].randomElement(using: &rng)!
                let text = ["printer jam", "vpn down, again", "\"quoted\" issue", "naïve café"].randomElement(using: &rng)!
                let row = "INC\(String(format: "%07d", incident)),\(state),\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\",2026-03-01 10:\(String(format: "%02d", minute)):00,\(version)"
                rows.append(row)
                // Now and then the same version again: with other content (a same-version tie) or as it is.
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: rows.append(row.replacingOccurrences(of: ",\(state),", with: ",\(state == 1 ? 2 : 1),"))
                case 1: rows.append(row)
                default: break
                }
            }
        }
        let reference = try StoreHarness()
        try reference.importText(csv(Self.header, rows), entity: "incident")
        let expected = try reference.extract("incident")

        rows.shuffle(using: &rng)
        let cuts = (0..<Int.random(in: 1...4, using: &rng)).map { _ in Int.random(in: 0...rows.count, using: &rng) }.sorted()
        let bounds = [0] + cuts + [rows.count]
        let store = try StoreHarness()
        // The same runs into a store that already holds another incident, so each run probes it.
        let seeded = try StoreHarness()
        let seedRow = "INC0999999,1,seed,2026-01-01 00:00:00,0"
        try seeded.importText(csv(Self.header, [seedRow]), entity: "incident")
        var read = 0
        for (start, end) in zip(bounds, bounds.dropFirst()) where start < end {
            let part = csv(Self.header, Array(rows[start..<end]))
            let result = try store.importText(part, entity: "incident")
            #expect(result.counts.isConserved)
            let probed = try seeded.importText(part, entity: "incident")
            #expect(probed.counts == result.counts)
            read += result.counts.read
        }
        #expect(read == rows.count)
        #expect(try store.extract("incident") == expected)
        #expect(try seeded.extract("incident").split(separator: "\n").filter { !$0.contains("INC0999999") }
                == expected.split(separator: "\n"))
        for harness in [reference, store, seeded] {
            var check = StoreCheck(database: harness.database)
            check.isAlive = { _ in true }
            #expect(try check.run().problems.map(\.message) == [])
        }
    }
}

