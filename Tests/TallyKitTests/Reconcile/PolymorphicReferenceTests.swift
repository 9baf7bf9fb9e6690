import Testing
@testable import TallyKit
import TallyStore

/// References to one of several entities (``FieldType/references(anyOf:)``): a task SLA's `task`
/// (a case, incident, problem, change or request), a work order's `initiated_from` (a case or an
/// incident), resolved by ``ReferenceResolver``.
@Suite("References to one of several entities")
struct PolymorphicReferenceTests {
    static let slaHeader = "task,sla,start_time,sys_updated_on"

    /// A task SLA row pointing at `task`; `n` keeps rows apart (their definition differs).
    static func sla(_ task: String, _ n: Int) -> String {
        "\(task),\(sysID("definition \(n)")),2026-01-01 00:00:00,2026-01-02 00:00:00"
    }

    @Test func aSysIDIsFoundInWhicheverTaskTableHoldsIt() throws {
        let store = try StoreHarness()
        // Cases are there (so the first target is looked in), but the sys_id is an incident's: the second target.
        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("case 1")),CS0000001,2026-01-01 00:00:00"]), entity: "case")
        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("incident 1")),INC0000001,2026-01-01 00:00:00"]), entity: "incident")
        let result = try store.importText(csv(Self.slaHeader, [Self.sla(sysID("incident 1"), 1), Self.sla(sysID("case 1"), 2)]), entity: "task_sla")
        #expect(result.counts.inserted == 2 && result.counts.rejected == 0)
        #expect(try store.count("SELECT count(*) FROM pending_references") == 0)
        #expect(try store.connection.rows("SELECT task FROM entity_task_sla ORDER BY _id").map { $0[0].text }
                == [sysID("incident 1"), sysID("case 1")])
    }

    @Test func aNumberIsLookedUpOnlyInTheEntityItsPrefixNames() throws {
        let store = try StoreHarness()
        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("incident 1")),INC0000001,2026-01-01 00:00:00"]), entity: "incident")
        // A case that carries an incident's number (no import would take it; a lookup by number in
        // every task table would find it first).
        try store.connection.run("INSERT INTO entity_case (sys_id, number) VALUES (?, 'INC0000002')", [.text(sysID("impostor"))])
        try store.importText(csv(Self.slaHeader, [Self.sla("INC0000002", 1), Self.sla("INC0000001", 2)]), entity: "task_sla")
        #expect(try store.value("SELECT task FROM entity_task_sla WHERE sla = ?", [.text(sysID("definition 1"))]) == "INC0000002")
        #expect(try store.value("SELECT task FROM entity_task_sla WHERE sla = ?", [.text(sysID("definition 2"))]) == sysID("incident 1"))
        #expect(try store.connection.rows("SELECT field, target_entity, raw_value FROM pending_references WHERE resolved_in_run IS NULL").map { $0.map(\.text) }
                == [["task", "incident", "INC0000002"]])

        // The incident arrives: the pending reference resolves to it, not to the case.
        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("incident 2")),INC0000002,2026-01-01 00:00:00"]), entity: "incident")
        #expect(try store.value("SELECT task FROM entity_task_sla WHERE sla = ?", [.text(sysID("definition 1"))]) == sysID("incident 2"))
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL") == 0)
    }

    /// A pending row names the entity of the number's prefix, or every candidate (joined by `|`)
    /// for a sys_id or a number no candidate's prefix starts; a later import of the target
    /// resolves either (``ReferenceResolver/pendingNames(of:in:)`` looks for both).
    @Test func pendingRowsNameTheEntityOfThePrefixOrEveryCandidateAndALaterImportResolvesThem() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.slaHeader, [
            Self.sla("CS0000009", 1), Self.sla("PRB0000009", 2), Self.sla(sysID("problem 9"), 3), Self.sla("TASK0000009", 4),
        ]), entity: "task_sla")
        try store.importText(csv("number,initiated_from,sys_updated_on", ["WO0000001,\(sysID("problem 9")),2026-01-01 00:00:00"]), entity: "work_order")
        func open() throws -> [[String?]] {
            try store.connection.rows("SELECT entity, raw_value, target_entity FROM pending_references WHERE resolved_in_run IS NULL ORDER BY id")
                .map { $0.map(\.text) }
        }
        let all = "case|incident|problem|change|request"
        #expect(try open() == [["task_sla", "CS0000009", "case"], ["task_sla", "PRB0000009", "problem"],
                               ["task_sla", sysID("problem 9"), all], ["task_sla", "TASK0000009", all],
                               ["work_order", sysID("problem 9"), "case|incident"]])

        // The problem arrives: by number and by sys_id, both task SLAs' references resolve; the
        // work order's stays (a work order is not initiated from a problem).
        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("problem 9")),PRB0000009,2026-01-01 00:00:00"]), entity: "problem")
        #expect(try open() == [["task_sla", "CS0000009", "case"], ["task_sla", "TASK0000009", all],
                               ["work_order", sysID("problem 9"), "case|incident"]])
        #expect(try store.count("SELECT count(*) FROM entity_task_sla WHERE task = ?", [.text(sysID("problem 9"))]) == 2)
        #expect(try store.count("SELECT count(*) FROM audit WHERE entity = 'task_sla' AND field = 'task' AND old = 'PRB0000009' AND new = ?",
                                [.text(sysID("problem 9"))]) == 1)

        // The case arrives: its number resolves.
        try store.importText(csv("sys_id,number,sys_updated_on", ["\(sysID("case 9")),CS0000009,2026-01-01 00:00:00"]), entity: "case")
        #expect(try open() == [["task_sla", "TASK0000009", all], ["work_order", sysID("problem 9"), "case|incident"]])
        #expect(try store.value("SELECT task FROM entity_task_sla WHERE sla = ?", [.text(sysID("definition 1"))]) == sysID("case 9"))
    }

    @Test func theNamesPendingRowsGiveATarget() throws {
        let registry = EntityRegistry.standard
        func names(_ entity: String) throws -> [String] {
            ReferenceResolver.pendingNames(of: try #require(registry.entity(named: entity)), in: registry)
        }
        #expect(try names("incident") == ["incident", "case|incident|problem|change|request", "case|incident"])
        #expect(try names("problem") == ["problem", "case|incident|problem|change|request"])
        #expect(try names("ci") == ["ci"])
        #expect(FieldType.references(anyOf: ["case", "incident"]).summary == "reference to case or incident")
        #expect(FieldType.references(anyOf: ["case", "incident"]).referenceTargets == ["case", "incident"])
    }
}
