import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// Issue 30's case rule: a work order initiated from a case is a related record of that case for
/// journal purposes, and its notes follow the major-case routing of seed `000_7823e654d85c7566.txt`.
@Suite("Work orders in the case journal")
struct WorkOrderJournalTests {
    static let caseHeader = "sys_id,number,incident,parent,major_case_state,sys_created_on,sys_updated_on,sys_mod_count"
    static let orderHeader = "number,state,initiated_from,short_description,sys_updated_on,sys_mod_count"

    /// CS0000001 an accepted major case, CS0000002 its child, CS0000003 a case of its own;
    /// INC0000009 an incident; four work orders, from each case and from the incident.
    func store() throws -> StoreHarness {
        let store = try StoreHarness()
        try store.importText(csv(Self.caseHeader, [
            "\(sysID("CS0000001")),CS0000001,,,accepted,2026-01-01 00:00:00,2026-01-01 00:00:00,1",
            "\(sysID("CS0000002")),CS0000002,,CS0000001,proposed,2026-01-01 00:00:00,2026-01-01 00:00:00,1",
            "\(sysID("CS0000003")),CS0000003,,,,2026-01-01 00:00:00,2026-01-01 00:00:00,1",
        ]), entity: "case")
        try store.importText(csv("sys_id,number,state,sys_updated_on", ["\(sysID("INC0000009")),INC0000009,2,2026-01-01 00:00:00"]), entity: "incident")
        try store.importText(csv(Self.orderHeader, [
            "WO0000001,Draft,CS0000001,Major case visit,2026-01-02 00:00:00,1",
            "WO0000002,Draft,\(sysID("CS0000003")),Own case visit,2026-01-02 00:00:00,1",
            "WO0000003,Draft,INC0000009,Incident visit,2026-01-02 00:00:00,1",
            "WO0000004,Draft,CS0000002,Child case visit,2026-01-02 00:00:00,1",
        ]), entity: "work_order")
        return store
    }

    /// Every order moves from Draft to Assigned.
    func assignAll(_ store: StoreHarness, version: Int) throws {
        let initiated = ["CS0000001", sysID("CS0000003"), "INC0000009", "CS0000002"]
        try store.importText(csv(Self.orderHeader, (1...4).map { n in
            "WO000000\(n),Assigned,\(initiated[n - 1]),visit,2026-01-0\(version) 00:00:00,\(version)"
        }), entity: "work_order")
    }

    func journal(_ store: StoreHarness) throws -> [[String?]] {
        try store.connection.rows("""
            SELECT case_number, related_entity, related_number, link_field, field, old, new, copied_from IS NOT NULL
            FROM case_journal WHERE field = 'state' ORDER BY id
            """).map { $0.map(\.text) }
    }

    @Test func aWorkOrdersUpdateNotesTheCaseItWasInitiatedFromAndNoOther() throws {
        let store = try store()
        #expect(try store.value("SELECT initiated_from FROM entity_work_order WHERE number = 'WO0000003'") == sysID("INC0000009"))
        try assignAll(store, version: 3)
        // Not the incident's (no case points at it), and not the child of the major case: without
        // synchronisation it hears of the major case's record through the major case alone.
        #expect(try journal(store) == [
            ["CS0000001", "work_order", "WO0000001", "work_orders", "state", "1", "16", "0"],
            ["CS0000003", "work_order", "WO0000002", "work_orders", "state", "1", "16", "0"],
            ["CS0000002", "work_order", "WO0000004", "work_orders", "state", "1", "16", "0"],
        ])
        let note = try store.value("SELECT note FROM case_journal WHERE case_number = 'CS0000001' AND field = 'state'")
        #expect(note == "WO0000001 (work_order, via work_orders) state: 1 → 16")
    }

    /// Seed: notes of the major case's record are copied to its children only when
    /// `case_fields_to_sync` lists the field (here the back link, `work_orders`).
    @Test(arguments: [("work_orders", true), ("incident", false)])
    func theMajorCasesNotesAreCopiedToItsChildrenWhenSynchronised(fields: String, copied: Bool) throws {
        let store = try store()
        try StoreSettings(store.database).set(StoreSettings.syncEnabled, "true")
        try StoreSettings(store.database).set(StoreSettings.caseFieldsToSync, fields)
        try assignAll(store, version: 3)
        let notes = try journal(store).filter { $0[2] == "WO0000001" }
        #expect(notes.map { [$0[0], $0[7]] } == [["CS0000001", "0"]] + (copied ? [["CS0000002", "1"]] : []))
        // The child's own work order is news for the child only, synchronised or not.
        #expect(try journal(store).filter { $0[2] == "WO0000004" }.map { $0[0] } == ["CS0000002"])
    }

    @Test func workOrdersIsASyncableCaseField() {
        #expect(CaseRules.standard.syncableFields.contains("work_orders"))
        #expect(CaseRules.standard.backLink(of: "work_order")?.field == "initiated_from")
    }
}
