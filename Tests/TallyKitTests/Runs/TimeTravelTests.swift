import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

extension StoreHarness {
    /// An extract (entity feed or report) as `tally extract NAME --out -` writes it, now or in the past.
    func extracted(_ name: String, asOf: AsOf? = nil, history: Bool = false) throws -> String {
        let sink = MemoryOutputSink(name: "extract")
        _ = try Extractor(database: database).write(ExtractRequest(names: [name], asOf: asOf, history: history), to: sink)
        return sink.string
    }

    /// Every version of every record of `entity`, by store key.
    func versions(_ entity: String, asOfRun: Int64? = nil) throws -> [Int64: [VersionHistory.Version]] {
        let history = VersionHistory(entity: database.registry.entity(named: entity)!, connection: connection,
                                     standing: try RunStanding(connection: connection, asOfRun: asOfRun))
        var all: [Int64: [VersionHistory.Version]] = [:]
        try history.forEachRecord { all[$0] = $1 }
        return all
    }
}

@Suite("As-of extracts and version history")
struct TimeTravelTests {
    static let header = "sys_id,number,short_description,state,priority,sys_updated_on"

    /// An incident row at version `version` (hours after 2024-01-01 00:00), its text made of `text`.
    static func row(_ key: Int, version: Int, text: String, state: Int = 1) -> String {
        let day = 1 + version / 24, hour = version % 24
        return "\(sysID("incident \(key)")),INC\(String(format: "%07d", key)),\(text),\(state),\(1 + key % 4),"
            + String(format: "2024-01-%02d %02d:00:00", day, hour)
    }

    /// The property the issue asks for: a random history of imports (new versions, stale rows,
    /// unchanged rows), snapshots that retire, rollbacks and reruns; after every run the extracts
    /// are saved, and at the end every `--as-of-run N` equals the extracts saved after run N,
    /// byte for byte — the entity feed and a report that reads it.
    @Test("as-of-run equals the extract taken right after that run", arguments: [UInt64(1), 2, 3])
    func asOfRunEqualsTheSavedExtract(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let store = try StoreHarness()
        var latest: [Int: Int] = [:]       // key → newest version imported
        var saved: [Int64: (feed: String, report: String)] = [:]
        var imports: [Int64] = []
        var kinds: [String: Int] = [:]
        func save(_ run: Int64?) throws {
            guard let run else { return }
            saved[run] = (try store.extracted("incident"), try store.extracted("incident_metrics"))
        }
        for step in 0..<24 {
            let roll = Int.random(in: 0..<10, using: &random)
            if roll < 6 || imports.isEmpty {
                var rows: [String] = []
                for key in (1...12).shuffled(using: &random).prefix(Int.random(in: 1...6, using: &random)) {
                    let known = latest[key]
                    switch (known, Int.random(in: 0..<4, using: &random)) {
                    case (nil, _), (_, 0), (_, 1):
                        let version = (known ?? 0) + Int.random(in: 1...5, using: &random)
                        latest[key] = version
                        rows.append(Self.row(key, version: version, text: "v\(version) of \(step)", state: 1 + version % 7))
                    case (let version?, 2):
                        rows.append(Self.row(key, version: max(0, version - 1), text: "stale \(step)"))  // older: skipped
                    case (let version?, _):
                        rows.append(Self.row(key, version: version, text: "v\(version) again", state: 1 + version % 7))
                    }
                }
                let result = try store.importText(csv(Self.header, rows), entity: "incident")
                imports.append(result.run!)
                kinds["import", default: 0] += 1
                try save(result.run)
            } else if roll < 7 {
                // A full export without a few records: they retire.
                var rows: [String] = []
                for (key, version) in latest.sorted(by: { $0.key < $1.key }) where Int.random(in: 0..<4, using: &random) > 0 {
                    rows.append(Self.row(key, version: version, text: "v\(version) again", state: 1 + version % 7))
                }
                guard !rows.isEmpty else { continue }
                let result = try store.importText(csv(Self.header, rows), entity: "incident", force: true, snapshot: SnapshotOptions(maxRetire: 1))
                kinds["snapshot", default: 0] += 1
                try save(result.run)
            } else if roll < 9 {
                let target = imports.randomElement(using: &random)!
                guard let result = try? store.rollback(target) else { continue }  // refused: a later run changed the same data
                kinds["rollback", default: 0] += 1
                try save(result.run)
                // What a rollback brings back is older than what the next rows would bring.
                for (key, version) in latest { latest[key] = version + 1 }
            } else {
                let target = imports.randomElement(using: &random)!
                guard let request = try? Rerun(database: store.database).request(for: target, command: "test"),
                      let result = try? Importer(database: store.database).run(request), result.run != nil else { continue }
                imports.append(result.run!)
                kinds["rerun", default: 0] += 1
                try save(result.run)
            }
        }
        #expect(kinds["import"] ?? 0 > 0 && kinds["rollback"] ?? 0 > 0, "the history should hold imports and rollbacks: \(kinds)")
        #expect(saved.count >= 10)
        for (run, expected) in saved.sorted(by: { $0.key < $1.key }) {
            #expect(try store.extracted("incident", asOf: AsOf(run: run)) == expected.feed, "incident as of run \(run) (seed \(seed), \(kinds))")
            #expect(try store.extracted("incident_metrics", asOf: AsOf(run: run)) == expected.report, "incident_metrics as of run \(run)")
        }
        // Several extracts into one folder read the same past.
        let (run, expected) = saved.min(by: { $0.key < $1.key })!
        let folder = store.folder.appendingPathComponent("past").path
        _ = try Extractor(database: store.database).write(ExtractRequest(names: ["incident", "incident_metrics"], asOf: AsOf(run: run)), toFolder: folder)
        #expect(try String(contentsOfFile: folder + "/incident.csv", encoding: .utf8) == expected.feed)
        #expect(try String(contentsOfFile: folder + "/incident_metrics.csv", encoding: .utf8) == expected.report)
        // The manifest says which past the files show.
        #expect(try String(contentsOfFile: folder + "/manifest.json", encoding: .utf8).contains("\"as_of\": {\"run\": \(run), \"time\": null},"))
        // The present is untouched: the views are gone once the extract is written.
        #expect(try store.extracted("incident") == saved[saved.keys.max()!]!.feed)
        try Self.expectHistoryHolds(store)
    }

    /// Validity is contiguous, each live record has exactly one current version holding its
    /// stored values, a retired one none (its last version is the retirement, closed where it opens).
    static func expectHistoryHolds(_ store: StoreHarness) throws {
        let entity = store.database.registry.entity(named: "incident")!
        let versions = try store.versions("incident")
        for (id, list) in versions {
            for (earlier, later) in zip(list, list.dropFirst()) {
                let closedAt = earlier.change == .retired ? earlier.validFrom : later.validFrom
                #expect(earlier.validTo == closedAt, "record \(id): \(earlier.change) of run \(earlier.run) closes at \(earlier.validTo ?? "∅"), not \(closedAt)")
                #expect(earlier.validFrom <= (earlier.validTo ?? ""), "record \(id): a version closes before it opens")
                #expect(earlier.run < later.run)
                #expect(!earlier.isCurrent)
            }
            let stored = try EntityWriter.load(entity, id: id, connection: store.connection)
            let current = list.filter(\.isCurrent)
            if stored.retiredInRun == nil {
                #expect(current.count == 1, "record \(id) is live: one current version, not \(current.count)")
                #expect(current.first?.values == stored.values.map(\.canonicalText), "record \(id): the current version holds the stored values")
                #expect(current.first?.validTo == nil)
            } else {
                #expect(current.isEmpty, "record \(id) is retired: no current version")
                #expect(list.last?.change == .retired && list.last?.values == stored.values.map(\.canonicalText))
            }
        }
    }

    @Test func aRecordBackAfterRetirementOpensANewVersion() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, [Self.row(1, version: 1, text: "one"), Self.row(2, version: 1, text: "two")]), entity: "incident")
        let retiring = try store.importText(csv(Self.header, [Self.row(1, version: 1, text: "one")]), entity: "incident",
                                            force: true, snapshot: SnapshotOptions(maxRetire: 1))
        #expect(retiring.counts.retired == 1)
        let back = try store.importText(csv(Self.header, [Self.row(2, version: 3, text: "two again")]), entity: "incident")
        let id = Int64(try store.count("SELECT _id FROM entity_incident WHERE number = 'INC0000002'"))
        let list = try #require(try store.versions("incident")[id])
        #expect(list.map(\.change) == [.inserted, .retired, .restored])
        #expect(list.map(\.run) == [1, retiring.run!, back.run!])
        #expect(list.map(\.isCurrent) == [false, false, true])
        // The retirement closes the first version and is closed where it opens; the record is absent until it comes back.
        #expect(list[0].validTo == list[1].validFrom && list[1].validTo == list[1].validFrom)
        #expect(list[2].validFrom >= list[1].validFrom && list[2].validTo == nil)
        #expect(list[2].values[2] == "two again")
        try Self.expectHistoryHolds(store)
        // A history extract writes the same: four rows for record 2 with its 'change' column.
        let rows = try store.extracted("incident", history: true).split(separator: "\n").filter { $0.contains("INC0000002") }
        #expect(rows.map { $0.split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) } == ["inserted", "retired", "restored"])
        // As of a source time between its retirement and its return it is absent; before, present.
        let retiredAt = list[1].validFrom
        if retiredAt < list[2].validFrom {
            #expect(!(try store.extracted("incident", asOf: AsOf(time: retiredAt))).contains("INC0000002"))
        }
        #expect(try store.extracted("incident", asOf: AsOf(time: "2024-01-01 02:00:00")).contains("INC0000002,two,"))
    }

    @Test func aRollbackRemovesTheVersionsItsRunWrote() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, [Self.row(1, version: 1, text: "one")]), entity: "incident")
        let bad = try store.importText(csv(Self.header, [Self.row(1, version: 5, text: "bad"), Self.row(2, version: 5, text: "new")]), entity: "incident")
        let before = try store.extracted("incident", history: true)
        #expect(before.contains(",bad,") && before.contains(",new,"))
        let rollback = try store.rollback(bad.run!)
        let after = try store.extracted("incident", history: true)
        #expect(!after.contains(",bad,") && !after.contains(",new,"))
        #expect(after.split(separator: "\n").count == 2)  // header + record 1's one version, current again
        #expect(after.contains(",true,1,default,inserted"))
        // As known after the bad run, its versions were there; as of its rollback, gone.
        #expect(try store.extracted("incident", asOf: AsOf(run: bad.run!), history: true) == before)
        #expect(try store.extracted("incident", asOf: AsOf(run: rollback.run!), history: true) == after)
        // Source time, as the store knows it now: the rolled-back version never was.
        #expect(!(try store.extracted("incident", asOf: AsOf(time: "2024-01-02 00:00:00"))).contains(",bad,"))
        // …and as it knew it after the bad run: it was.
        #expect(try store.extracted("incident", asOf: AsOf(run: bad.run!, time: "2024-01-02 00:00:00")).contains(",bad,"))
        try Self.expectHistoryHolds(store)
    }

    @Test func asOfTimeTakesEachRecordsVersionValidThen() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, [Self.row(1, version: 1, text: "one"), Self.row(2, version: 10, text: "two")]), entity: "incident")
        try store.importText(csv(Self.header, [Self.row(1, version: 5, text: "one later")]), entity: "incident")
        let at = { (time: String) in try store.extracted("incident", asOf: AsOf(time: time)).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[2] } }
        #expect(try at("2024-01-01 00:30:00") == [])                     // nothing created yet
        #expect(try at("2024-01-01 01:00:00") == ["one"])                // record 2 not yet created
        #expect(try at("2024-01-01 04:59:59") == ["one"])
        #expect(try at("2024-01-01 12:00:00").sorted() == ["one later", "two"])
        // Reports read the same past: incident_metrics counts one incident opened as of 01:00.
        #expect(try store.extracted("incident_metrics", asOf: AsOf(time: "2024-01-01 01:00:00")) != store.extracted("incident_metrics"))
    }

    @Test func aHistoryFeedDeliversTheVersionsOpenedOrClosedSinceItsLastPickup() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, [Self.row(1, version: 1, text: "one"), Self.row(2, version: 1, text: "two")]), entity: "incident")
        func pickUp() throws -> [String] {
            let sink = MemoryOutputSink(name: "feed")
            _ = try Extractor(database: store.database).write(ExtractRequest(names: ["incident"], feed: "scd", history: true), to: sink)
            return sink.string.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[2]) + "/" + String($0.split(separator: ",", omittingEmptySubsequences: false).suffix(4).joined(separator: ",")) }
        }
        #expect(try pickUp().count == 2)
        #expect(try pickUp() == [])
        try store.importText(csv(Self.header, [Self.row(1, version: 2, text: "one later")]), entity: "incident")
        // The first version closed, the second opened; record 2 untouched.
        #expect(try pickUp() == ["one/false,1,default,inserted", "one later/true,2,default,updated"])
        #expect(try pickUp() == [])
        // A plain feed of the same name is another feed: refused.
        #expect(throws: ExtractRequestError.self) {
            try Extractor(database: store.database).write(ExtractRequest(names: ["incident"], feed: "scd"), to: MemoryOutputSink())
        }
    }
}
