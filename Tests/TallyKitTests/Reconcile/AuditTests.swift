import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

@Suite("Audit")
struct AuditTests {
    static let header = "number,state,short_description,category,sys_updated_on,sys_mod_count"

    @Test func anInsertIsOneRowAndAnUpdateOneRowPerChangedField() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["INC0000001,1,printer jam,Ann,2026-01-01 00:00:00,1"]), entity: "incident")
        #expect(try store.count("SELECT count(*) FROM audit") == 1)
        // The insert row keeps a digest of what was inserted, not the values (the record row has them).
        let entity = try #require(store.database.registry.entity(named: "incident"))
        let inserted = ["number": "INC0000001", "short_description": "printer jam", "state": "1", "category": "Ann",
                        "sys_updated_on": "2026-01-01 00:00:00", "sys_mod_count": "1"]
        let values = entity.fields.map { inserted[$0.name] }
        let digest = try #require(try store.value("SELECT new FROM audit WHERE field = '*'"))
        #expect(digest == AuditTrail.insertDigest(of: values, entity: entity))
        #expect(digest.count == 17 && digest.hasPrefix("#"))
        var other = values
        other[try #require(entity.index(ofField: "state"))] = "2"
        #expect(AuditTrail.insertDigest(of: other, entity: entity) != digest)
        #expect(AuditTrail.inserted(digest, matches: values, entity: entity) && !AuditTrail.inserted(digest, matches: other, entity: entity))
        try store.importText(csv(Self.header, ["INC0000001,2,printer jam,Bob,2026-01-02 00:00:00,2"]), entity: "incident")
        let rows = try store.connection.rows("SELECT run, field, old, new, source FROM audit WHERE run = 2 ORDER BY field").map { $0.map(\.text) }
        #expect(rows == [
            ["2", "category", "Ann", "Bob", "default"],
            ["2", "state", "1", "2", "default"],
            ["2", "sys_mod_count", "1", "2", "default"],
            ["2", "sys_updated_on", "2026-01-01 00:00:00", "2026-01-02 00:00:00", "default"],
        ])
    }

    @Test func aRecordWithManyChangesIsAuditedInTheOrderOfItsFieldsAcrossMultiRowInserts() throws {
        let store = try StoreHarness()
        let names = ["short_description", "description", "assignment_group", "assigned_to", "opened_by", "caller_id",
                     "category", "subcategory", "contact_type", "close_notes", "sys_updated_by", "location",
                     "resolved_by", "sys_created_by", "close_code", "opened_at", "resolved_at", "closed_at"]
        let header = "number,state,sys_updated_on,sys_mod_count," + names.joined(separator: ",")
        func row(_ suffix: String, state: Int, updated: String, modCount: Int) -> String {
            let dated = ["opened_at", "resolved_at", "closed_at"]
            let values = names.map { dated.contains($0) ? (suffix == "a" ? "2026-01-01 00:00:00" : "2026-01-02 00:00:00") : "\($0)-\(suffix)" }
            return "INC0000001,\(state),\(updated),\(modCount)," + values.joined(separator: ",")
        }
        try store.importText(csv(header, [row("a", state: 1, updated: "2026-01-01 00:00:00", modCount: 1)]), entity: "incident")
        try store.importText(csv(header, [row("b", state: 2, updated: "2026-01-02 00:00:00", modCount: 2)]), entity: "incident")
        let entity = try #require(store.database.registry.entity(named: "incident"))
        // Names in a reference to a table Tally does not load are its display value (caller_id_display).
        let changed = Set(names.map { entity.field(named: $0)?.displayField ?? $0 } + ["state", "sys_updated_on", "sys_mod_count"])
        let expected = entity.fields.map(\.name).filter { changed.contains($0) }
        #expect(expected.count > BatchedInsert.rowsPerStatement)  // more rows than one statement writes
        let rows = try store.connection.rows("SELECT field, old, new FROM audit WHERE run = 2 ORDER BY id").map { $0.map(\.text) }
        #expect(rows.map { $0[0] } == expected.map(Optional.some))
        #expect(rows.first { $0[0] == "category" } == ["category", "category-a", "category-b"])
        var check = StoreCheck(database: store.database)
        check.isAlive = { _ in true }
        #expect(try check.run().holds)
    }

    @Test func aColumnTheInputLacksIsLeftAloneAndAnEmptyOneIsCleared() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["INC0000001,1,printer jam,Ann,2026-01-01 00:00:00,1"]), entity: "incident")
        try store.importText(csv("number,category,sys_updated_on,sys_mod_count", ["INC0000001,,2026-01-02 00:00:00,2"]), entity: "incident")
        #expect(try store.value("SELECT short_description FROM entity_incident") == "printer jam")
        #expect(try store.value("SELECT category FROM entity_incident") == nil)
        #expect(try store.count("SELECT count(*) FROM audit WHERE field = 'category' AND old = 'Ann' AND new IS NULL") == 1)
    }

    @Test func anUnchangedRecordWritesNothing() throws {
        let store = try StoreHarness()
        let text = csv(Self.header, ["INC0000001,1,printer jam,Ann,2026-01-01 00:00:00,1"])
        try store.importText(text, entity: "incident")
        let result = try store.importText(text, entity: "incident", force: true)
        #expect(result.counts.unchanged == 1)
        #expect(try store.count("SELECT count(*) FROM audit") == 1)
        #expect(try store.value("SELECT _updated_run FROM entity_incident") == "1")
    }
}

@Suite("UCI event log")
struct UCIReconcileTests {
    static let path = Paths.testData("uci-incident-event-log/incident_event_log_sample.csv")
    static let map = Paths.packageRoot.appendingPathComponent("jobs/maps/uci-incident.json").path

    func importFiles(_ paths: [String], into store: StoreHarness) throws -> RunCounts {
        var total = RunCounts()
        for path in paths {
            let result = try Importer(database: store.database).run(ImportRequest(paths: [path], entity: "incident", mapPath: Self.map, command: "test"))
            #expect(result.counts.isConserved)
            total = total + result.counts
        }
        return total
    }

    /// Each incident's newest event (`number,sys_updated_on,sys_mod_count`, by number), read off
    /// the file on its own: the latest `sys_updated_at`, then `sys_mod_count`, of its rows whose
    /// state is not the rejected `-100`.
    static func newestEvents() throws -> [String] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        let (number, state, modCount, updated) = (header.firstIndex(of: "number")!, header.firstIndex(of: "incident_state")!,
                                                  header.firstIndex(of: "sys_mod_count")!, header.firstIndex(of: "sys_updated_at")!)
        var newest: [String: (at: String, modCount: Int)] = [:]
        for row in lines.dropFirst() where row[state] != "-100" {
            // d/M/yyyy H:mm → yyyy-MM-dd HH:mm:00
            let parts = row[updated].split(whereSeparator: { "/ :".contains($0) }).map { Int($0)! }
            let at = String(format: "%04d-%02d-%02d %02d:%02d:00", parts[2], parts[1], parts[0], parts[3], parts[4])
            let event = (at: at, modCount: Int(row[modCount])!)
            if let known = newest[row[number]], (known.at, known.modCount) >= (event.at, event.modCount) { continue }
            newest[row[number]] = event
        }
        return newest.keys.sorted().map { "\($0),\(newest[$0]!.at),\(newest[$0]!.modCount)" }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: path)))
    func shuffledRunsEndInTheSameStateAsTheInOrderImport() throws {
        let inOrder = try StoreHarness()
        let counts = try importFiles([Self.path], into: inOrder)
        #expect(counts.read == 10_869)
        #expect(counts.inserted == 1_536)
        #expect(counts.rejected == 5)   // the five incident_state '-100' rows
        // Each row counted for what it did, in file order (worked out from the file on its own,
        // comparing sys_updated_at then sys_mod_count per number): 9,326 events are newer than
        // the incident's last applied one and change it; 2 are older than an event before them
        // in the file (stale); no two events of one incident share a version.
        #expect(counts.updated == 9_326)
        #expect(counts.skippedStale == 2)
        #expect(counts.unchanged == 0)
        #expect(counts.inserted + counts.updated + counts.skippedStale + counts.rejected == 10_869)
        var check = StoreCheck(database: inOrder.database)
        check.isAlive = { _ in true }
        #expect(try check.run().holds)  // the counts agree with the audit
        #expect(try inOrder.count("SELECT count(DISTINCT rule) FROM findings") == 1)
        // Every incident ends at its newest event.
        #expect(try Self.newestEvents().count == 1_536)
        #expect(try inOrder.connection.rows("SELECT number, sys_updated_on, sys_mod_count FROM entity_incident ORDER BY number")
                    .map { "\($0[0].text ?? ""),\($0[1].text ?? ""),\($0[2].text ?? "")" } == (try Self.newestEvents()))
        let expected = try inOrder.extract("incident")

        let lines = try String(contentsOfFile: Self.path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        let header = String(lines[0])
        var rows = lines.dropFirst().map(String.init)
        var rng = SeededGenerator(seed: 498)
        rows.shuffle(using: &rng)
        let shuffled = try StoreHarness()
        var paths: [String] = []
        for (index, chunk) in stride(from: 0, to: rows.count, by: 3_000).enumerated() {
            let path = shuffled.folder.appendingPathComponent("part-\(index).csv").path
            try ([header] + rows[chunk..<min(chunk + 3_000, rows.count)]).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let total = try importFiles(paths, into: shuffled)
        #expect(total.read == 10_869)
        #expect(total.rejected == 5)
        #expect(try shuffled.extract("incident") == expected)
        let extras = "SELECT number, _extra FROM entity_incident ORDER BY number"
        #expect(try shuffled.connection.rows(extras) == inOrder.connection.rows(extras))
    }
}
