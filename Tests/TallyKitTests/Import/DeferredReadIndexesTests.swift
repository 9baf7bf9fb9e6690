import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// An import into an empty table builds the read-only indexes (each reference to a CI) once at its
/// end (``DeferredReadIndexes``); the store ends with every index, whatever happens to the run.
@Suite("Read indexes built at the end of a first load")
struct DeferredReadIndexesTests {
    static let header = "sys_id,number,state,short_description,cmdb_ci,sys_updated_on,sys_mod_count"

    func rows(_ range: ClosedRange<Int>) -> [String] {
        range.map { "\(sysID("INC-\($0)")),INC\(String(format: "%07d", $0)),2,\"printer jam \($0)\",\(sysID("CI-\($0 % 7)")),2026-03-01 10:00:00,1" }
    }

    func indexes(_ store: StoreHarness) throws -> Set<String> {
        var names = Set<String>()
        try store.connection.forEachRow("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entity_incident'") {
            names.insert($0.text(0) ?? "")
        }
        return names
    }

    func timedStages(_ store: StoreHarness) throws -> String {
        try store.value("SELECT timings FROM runs ORDER BY id DESC LIMIT 1") ?? ""
    }

    @Test func theIncidentTableReadsItsCIsThroughAnIndexOnlyReportsUse() throws {
        let store = try StoreHarness()
        let table = store.database.registry.table(for: try #require(store.database.registry.entity(named: "incident")))
        #expect(table.readIndexes.map(\.name) == ["entity_incident_by_cmdb_ci"])
        // The case rules look records up by their own indexes: never deferred.
        let cases = store.database.registry.table(for: try #require(store.database.registry.entity(named: "case")))
        #expect(cases.readIndexes.allSatisfy { !cases.indexedFields.contains(String($0.name.dropFirst("entity_case_by_".count))) })
    }

    @Test func aFirstLoadBuildsTheIndexAtItsEndAndALaterLoadWritesThroughIt() throws {
        let store = try StoreHarness()
        let before = try indexes(store)
        #expect(before.contains("entity_incident_by_cmdb_ci"))

        let first = try store.importText(csv(Self.header, rows(1...300)), entity: "incident")
        #expect(first.counts.inserted == 300)
        #expect(try indexes(store) == before)
        #expect(try timedStages(store).contains("build indexes"))
        #expect(try store.value("PRAGMA integrity_check") == "ok")
        // The index holds every row: a lookup through it (INDEXED BY fails without it) finds what a scan finds.
        #expect(try store.count("SELECT count(*) FROM entity_incident INDEXED BY entity_incident_by_cmdb_ci WHERE cmdb_ci = '\(sysID("CI-3"))'")
                == store.count("SELECT count(*) FROM entity_incident NOT INDEXED WHERE cmdb_ci = '\(sysID("CI-3"))'"))

        let second = try store.importText(csv(Self.header, rows(250...400)), entity: "incident")
        #expect(second.counts.inserted == 100)
        #expect(try !timedStages(store).contains("build indexes"), "a table with rows keeps its indexes while it writes")
        #expect(try store.value("PRAGMA integrity_check") == "ok")
    }

    @Test func aFirstLoadThatFailsLeavesTheIndexInPlace() throws {
        let store = try StoreHarness()
        let before = try indexes(store)
        let path = store.folder.appendingPathComponent("cut.csv").path
        try (csv(Self.header, rows(1...50)) + "\"\(sysID("INC-51"))\",\"unterminated").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ImportFailure.self) { try Importer(database: store.database).run(ImportRequest(paths: [path], entity: "incident", command: "test")) }
        #expect(try indexes(store) == before)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 0)
    }

    @Test func aDryRunIntoAnEmptyTableLeavesTheIndexInPlace() throws {
        let store = try StoreHarness()
        let before = try indexes(store)
        let result = try store.importText(csv(Self.header, rows(1...30)), entity: "incident", dryRun: true)
        #expect(result.counts.inserted == 30)
        #expect(try indexes(store) == before)
    }
}
