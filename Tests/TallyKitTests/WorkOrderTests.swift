import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// One registry entry is all an entity takes: the work order (`wm_order`) imports, validates,
/// reconciles (references resolved in a later run, stale rows skipped) and extracts through the
/// Kit, with no other code knowing it.
@Suite("A work order: an entity that is one registry entry")
struct WorkOrderTests {
    static let header = "Number,State,Initiated from,Configuration item,Short description,Updated,Updates"

    /// Rows by column name from CSV text (no quoted commas in these).
    func table(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func importValidateReconcileAndExtractAWorkOrder() throws {
        let store = try StoreHarness()
        #expect(try store.count("SELECT count(*) FROM entity_work_order") == 0)

        // Run 1: the work orders arrive before their incidents; two rows break the entry's rules.
        let first = try store.importText(csv(Self.header, [
            "WO0010001,Work In Progress,INC0000001,,Replace disk,2026-02-01 10:00:00,1",
            "WO0010002,3,INC0000002,,Swap PSU,2026-02-01 11:00:00,1",
            "XX0010003,1,,,Not a work order number,2026-02-01 12:00:00,1",
            "WO0010004,99,,,Not a state,2026-02-01 12:00:00,1",
        ]), entity: "wm_order")
        #expect(first.entity == "work_order")
        #expect((first.counts.read, first.counts.inserted, first.counts.rejected) == (4, 2, 2))
        let rules = try store.connection.rows("SELECT rule, field FROM findings WHERE run = 1 AND rejected = 1 ORDER BY record")
            .map { "\($0[0].text ?? "") \($0[1].text ?? "")" }
        #expect(rules.count == 2 && rules[0].hasSuffix(" number") && rules[1].hasSuffix(" state"), "\(rules)")
        #expect(try store.value("SELECT state FROM entity_work_order WHERE number = 'WO0010001'") == "18")  // by its label
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE entity = 'work_order' AND target_entity = 'incident' AND resolved_in_run IS NULL") == 2)

        // Run 2: one incident arrives, and the work order's reference to it resolves.
        let incident = sysID("wo-incident-1")
        try store.importText(csv("sys_id,number,state,sys_updated_on", ["\(incident),INC0000001,2,2026-02-01 09:00:00"]), entity: "incident")
        #expect(try store.value("SELECT initiated_from FROM entity_work_order WHERE number = 'WO0010001'") == incident)
        #expect(try store.value("SELECT initiated_from FROM entity_work_order WHERE number = 'WO0010002'") == "INC0000002")

        // Run 3: a newer row updates, an older one is stale.
        let third = try store.importText(csv(Self.header, [
            "WO0010001,Closed Complete,INC0000001,,Replace disk,2026-02-02 10:00:00,2",
            "WO0010002,1,INC0000002,,Swap PSU,2026-01-31 11:00:00,0",
        ]), entity: "work_order")
        #expect((third.counts.read, third.counts.updated, third.counts.skippedStale) == (2, 1, 1))
        let audit = try store.connection.rows("SELECT field, old, new FROM audit WHERE run = 3 AND entity = 'work_order' ORDER BY field")
            .map { $0.map(\.text) }
        #expect(audit == [["state", "18", "3"], ["sys_mod_count", "1", "2"], ["sys_updated_on", "2026-02-01 10:00:00", "2026-02-02 10:00:00"]])

        // Extract: the entity is a feed of the store's catalogue, and its dangling reference is reported.
        let out = try Paths.makeTempDirectory("work-order-extract")
        let result = try Extractor(database: store.database).write(ExtractRequest(names: ["work_order", "dangling_references"]), toFolder: out.path)
        #expect(result.manifest.files.map(\.file) == ["work_order.csv", "dangling_references.csv"])
        let feed = table(try String(contentsOf: out.appendingPathComponent("work_order.csv"), encoding: .utf8))
        #expect(feed.map { [$0["number"], $0["state"], $0["initiated_from"], $0["sys_mod_count"]] } == [
            ["WO0010001", "3", incident, "2"],
            ["WO0010002", "3", "INC0000002", "1"],
        ])
        let dangling = table(try String(contentsOf: out.appendingPathComponent("dangling_references.csv"), encoding: .utf8))
        #expect(dangling.map { [$0["entity"], $0["record"], $0["field"], $0["target_entity"], $0["value"]] } == [
            ["work_order", "WO0010002", "initiated_from", "incident", "INC0000002"],
        ])
    }

    /// A work order task list view without the work order column (as a view a steward trimmed
    /// gives it) lands by number: the platform holds those tasks, so nothing keeps them out, and a
    /// later export with the column fills the parent.
    @Test func aWorkTaskListWithoutItsWorkOrderLands() throws {
        let store = try StoreHarness()
        let first = try store.importText(csv("Number,State,Short description,Updated", [
            "WOT0010001,Assigned,Fit the new fuser,2026-02-01 10:00:00",
            "WOT0010002,Work in Progress,Swap the battery,2026-02-01 11:00:00",
        ]), entity: "wm_task")
        #expect((first.counts.read, first.counts.inserted, first.counts.rejected) == (2, 2, 0))
        #expect(try store.value("SELECT state FROM entity_work_task WHERE number = 'WOT0010002'") == "18")
        let second = try store.importText(csv("Number,Work order,Updated", ["WOT0010001,WO0010001,2026-02-02 10:00:00"]), entity: "wm_task")
        #expect(second.counts.updated == 1)
        #expect(try store.value("SELECT parent FROM entity_work_task WHERE number = 'WOT0010001'") == "WO0010001")
    }
}
