import Foundation
import Testing
@testable import TallyKit
import TallyStore

@Suite("References")
struct ReferenceTests {
    @Test func aPendingReferenceClearedLaterInTheSameRunIsClosedThoughItsRowWaitedToBeWritten() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv("number,cmdb_ci,sys_updated_on", [
            "INC0000001,no-such-ci,2026-01-01 00:00:00",
            "INC0000002,another-missing-ci,2026-01-01 00:00:00",
            "INC0000001,,2026-01-02 00:00:00",          // the reference cleared
            "INC0000002,a-third-missing-ci,2026-01-02 00:00:00",  // the reference changed
        ]), entity: "incident")
        #expect(result.counts.inserted == 2 && result.counts.updated == 2)  // each row counted for what it did
        let open = try store.connection.rows("""
            SELECT i.number, p.raw_value FROM pending_references p JOIN entity_incident i ON i._id = p.record
            WHERE p.resolved_in_run IS NULL ORDER BY i.number
            """)
        #expect(open == [[.text("INC0000002"), .text("a-third-missing-ci")]])
    }

    @Test func aReferenceToARecordNotYetThereIsPendingThenResolved() throws {
        let store = try StoreHarness()
        let incidents = csv("number,problem_id,cmdb_ci,sys_updated_on", [
            "INC0000001,PRB0000001,web-01,2026-01-01 00:00:00",
        ])
        try store.importText(incidents, entity: "incident")
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL") == 2)
        #expect(try store.value("SELECT problem_id FROM entity_incident") == "PRB0000001")

        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("p1")),PRB0000001,2026-01-01 00:00:00"]), entity: "problem")
        #expect(try store.value("SELECT problem_id FROM entity_incident") == sysID("p1"))
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL") == 1)
        #expect(try store.count("SELECT count(*) FROM audit WHERE field = 'problem_id' AND old = 'PRB0000001' AND new = ?", [.text(sysID("p1"))]) == 1)

        // Re-importing the incident with the number again is not a change: it resolves to the same sys_id.
        let again = try store.importText(incidents, entity: "incident", force: true)
        #expect(again.counts.unchanged == 1)
    }

    @Test func pendingReferencesAreResolvedAPageAtATimeAndAllOfThemAre() throws {
        let store = try StoreHarness()
        try store.importText(csv("number,problem_id,sys_updated_on", (1...7).map {
            "INC000000\($0),PRB000000\($0 % 3),2026-01-01 00:00:00"  // three problems, one of them never imported
        }), entity: "incident")
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL") == 7)
        let problems = try #require(store.database.registry.entity(named: "problem"))
        try store.connection.execute("BEGIN")
        for n in [0, 1] {  // PRB0000002 stays missing
            try store.connection.run("INSERT INTO entity_problem (sys_id, number) VALUES (?, ?)", [.text(sysID("p\(n)")), .text("PRB000000\(n)")])
        }
        try store.connection.run("INSERT INTO runs (id, kind, status, command, started_at) VALUES (99, 'import', 'running', 'test', 'now')")
        let resolved = try ReferenceResolver.resolvePending(target: problems, registry: store.database.registry, connection: store.connection,
                                                            run: 99, source: "test", pageSize: 2)
        try store.connection.execute("COMMIT")
        #expect(resolved == 5)  // INC1, 3, 4, 6, 7 of the seven; INC2 and INC5 name PRB0000002
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run = 99") == 5)
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE problem_id IN (?, ?)", [.text(sysID("p0")), .text(sysID("p1"))]) == 5)
        #expect(try store.value("SELECT group_concat(number) FROM entity_incident WHERE problem_id = 'PRB0000002'") == "INC0000002,INC0000005")
    }

    @Test func anUpdateLooksAgainOnlyAtTheReferencesItChanges() throws {
        let store = try StoreHarness()
        let header = "number,problem_id,cmdb_ci,short_description,sys_updated_on"
        try store.importText(csv(header, ["INC0000001,PRB0000001,web-01,first,2026-01-01 00:00:00"]), entity: "incident")
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL AND run = 1") == 2)
        // Another field changes: the two pending references stay as run 1 left them.
        try store.importText(csv(header, ["INC0000001,PRB0000001,web-01,second,2026-01-02 00:00:00"]), entity: "incident")
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL AND run = 1") == 2)
        // The CI reference changes to one that resolves: its pending row closes, the problem's stays.
        try store.importText(csv("sys_id,name,sys_class_name,sys_updated_on", ["\(sysID("c1")),web-02,cmdb_ci_server,2026-01-01 00:00:00"]), entity: "ci")
        try store.importText(csv(header, ["INC0000001,PRB0000001,web-02,third,2026-01-03 00:00:00"]), entity: "incident")
        #expect(try store.value("SELECT cmdb_ci FROM entity_incident") == sysID("c1"))
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL") == 1)
        #expect(try store.value("SELECT field FROM pending_references WHERE resolved_in_run IS NULL") == "problem_id")
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE field = 'cmdb_ci' AND resolved_in_run = 4") == 1)
        // And to one that does not: pending again, with the new raw value.
        try store.importText(csv(header, ["INC0000001,PRB0000001,web-03,fourth,2026-01-04 00:00:00"]), entity: "incident")
        #expect(try store.value("SELECT raw_value FROM pending_references WHERE field = 'cmdb_ci' AND resolved_in_run IS NULL") == "web-03")
    }

    @Test func anAmbiguousNameStaysUnresolved() throws {
        let store = try StoreHarness()
        try store.importText(csv("sys_id,name,sys_class_name,sys_updated_on", [
            "\(sysID("c1")),twin,cmdb_ci_server,2026-01-01 00:00:00",
            "\(sysID("c2")),twin,cmdb_ci_linux_server,2026-01-01 00:00:00",
            "\(sysID("c3")),single,cmdb_ci_server,2026-01-01 00:00:00",
        ]), entity: "ci")
        try store.importText(csv("number,cmdb_ci,sys_updated_on", [
            "INC0000001,twin,2026-01-01 00:00:00",
            "INC0000002,single,2026-01-01 00:00:00",
        ]), entity: "incident")
        #expect(try store.value("SELECT cmdb_ci FROM entity_incident WHERE number = 'INC0000001'") == "twin")
        #expect(try store.value("SELECT cmdb_ci FROM entity_incident WHERE number = 'INC0000002'") == sysID("c3"))
        #expect(try store.value("SELECT raw_value FROM pending_references WHERE resolved_in_run IS NULL") == "twin")
    }

    @Test func aSysIDReferenceWhoseTargetArrivesLaterIsResolvedToo() throws {
        let store = try StoreHarness()
        try store.importText(csv("number,parent,sys_updated_on", ["REQ0000001,\(sysID("case")),2026-01-01 00:00:00"]), entity: "request")
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL") == 1)
        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("case")),CS0000001,2026-01-01 00:00:00"]), entity: "case")
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL") == 0)
    }
}
