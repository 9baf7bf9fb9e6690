import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

extension StoreHarness {
    /// Imports every bundled fixture in the order references resolve.
    func importFixtures() throws {
        let order: [(String, String)] = [
            ("cmdb/cmdb_ci.csv", "ci"), ("cmdb/cmdb_ci_labels.csv", "ci"), ("cmdb/cmdb_rel_ci.json", "ci_relationship"),
            ("itsm/problem.json", "problem"), ("itsm/change_request.json", "change"), ("itsm/incident.csv", "incident"),
            ("itsm/incident_labels.csv", "incident"), ("itsm/sc_request.ndjson", "request"),
            ("csm/sn_customerservice_case.xml", "case"),
        ]
        for (file, entity) in order {
            _ = try Importer(database: database).run(ImportRequest(paths: [Paths.fixture(file)], entity: entity, command: "test"))
        }
    }

    func caseField(_ number: String, _ field: String) throws -> String? {
        try value("SELECT \(field) FROM entity_case WHERE number = ?", [.text(number)])
    }

    func sysIDOf(_ entity: String, _ number: String) throws -> String? {
        try value("SELECT sys_id FROM entity_\(entity) WHERE number = ?", [.text(number)])
    }
}

@Suite("Case ↔ ITSM rules")
struct CaseRulesTests {
    static let caseHeader = "sys_id,number,incident,problem,change_request,caused_by,parent,major_case_state,resolution_code,sys_updated_on,sys_mod_count"

    @Test func eachResolutionCodeViolationIsAWarningAndNothingElse() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        let rows = try store.connection.rows("""
            SELECT json_extract(raw, '$.number'), rule FROM findings WHERE severity = 'warning' ORDER BY 1
            """).map { $0.map(\.text) }
        #expect(rows == [
            ["CS0001010", "resolution.fixed_by_closing_prb"],
            ["CS0001011", "resolution.workaround_open_prb"],
            ["CS0001012", "resolution.fixed_by_closing_change"],
            ["CS0001013", "resolution.fixed_by_closing_incident"],
            ["CS0001014", "resolution.related_request_closed_complete"],
        ])
        let message = try store.value("SELECT message FROM findings WHERE rule = 'resolution.fixed_by_closing_prb'")
        #expect(message == "CS0001010 has resolution code 'fixed_by_closing_prb', which needs a closed problem, but PRB0040003 is 102 (Assess)")
        // Warnings load the row.
        #expect(try store.count("SELECT count(*) FROM entity_case") == 40)
    }

    // Issue 22 changed this: only the candidate's records are copied ("The related record
    // information is copied from the child case to the major case"); children added as existing
    // cases keep their own ("A major case and child cases can have different types of related records").
    @Test func theFixtureMajorCaseShowsItsCandidatesRecordsNotThoseOfChildrenAddedAsExistingCases() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        // From the fixtures: CS0001015 is accepted; its candidate CS0001016 shares INC0010010;
        // CS0001017 (PRB0040005) and CS0001018 (CHG0030005) were added as existing cases.
        #expect(try store.caseField("CS0001015", "incident") == store.sysIDOf("incident", "INC0010010"))
        #expect(try store.caseField("CS0001015", "problem") == nil)
        #expect(try store.caseField("CS0001015", "change_request") == nil)
        #expect(try store.caseField("CS0001017", "problem") == store.sysIDOf("problem", "PRB0040005"))
        #expect(try store.caseField("CS0001018", "change_request") == store.sysIDOf("change", "CHG0030005"))
        // A proposed case is no major case: CS0001019 stays as it was.
        #expect(try store.caseField("CS0001019", "problem") == nil)
    }

    @Test func theMajorCaseArrivingAfterItsCandidateShowsItsRecords() throws {
        let store = try StoreHarness()
        let major = sysID("major"), child = sysID("child")
        try store.importText(csv(Self.caseHeader, [
            "\(child),CS0000002,INC0000009,PRB0000009,,,\(major),proposed,,2026-01-01 00:00:00,1",
        ]), entity: "case")
        try store.importText(csv(Self.caseHeader, [
            "\(major),CS0000001,,,,,,accepted,,2026-01-01 00:00:00,1",
        ]), entity: "case")
        #expect(try store.caseField("CS0000001", "incident") == "INC0000009")
        #expect(try store.caseField("CS0000001", "problem") == "PRB0000009")
    }

    // Issue 22 changed this from a refusal to a finding: "For the child case, the fields in the
    // Related Records form section are read-only", but the platform is the system of record.
    @Test func aChildsChangedRelatedRecordIsAWarningAndTheNewestRowWins() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        let result = try store.importText(csv("number,incident,short_description,sys_updated_on,sys_mod_count", [
            "CS0001017,INC0010001,child edited,2026-12-01 00:00:00,99",
        ]), entity: "case")
        #expect(result.counts.conflicts == 0)
        #expect(result.counts.updated == 1)
        #expect(try store.caseField("CS0001017", "incident") == store.sysIDOf("incident", "INC0010001"))
        #expect(try store.caseField("CS0001017", "short_description") == "child edited")
        let findings = try store.connection.rows("SELECT severity, rule, field, CAST(line AS TEXT), message FROM findings WHERE rule = 'case.child_read_only'").map { $0.map(\.text) }
        #expect(findings.count == 1)
        #expect(findings.first.map { Array($0[0...3]) } == ["warning", "case.child_read_only", "incident", "2"])
        let message = try #require(findings.first?[4])
        #expect(message.contains("CS0001017 is a child of major case CS0001015"), "\(message)")
        #expect(message.contains("run \(result.run!) changed it from \(try store.sysIDOf("incident", "INC0010011")!) to \(try store.sysIDOf("incident", "INC0010001")!)"), "\(message)")
    }

    @Test func twoIncidentsForOneCaseInOneRunAreAConflict() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv(Self.caseHeader, [
            "\(sysID("c")),CS0000001,INC0000001,,,,,,,2026-01-01 00:00:00,1",
            "\(sysID("c")),CS0000001,INC0000002,,,,,,,2026-01-02 00:00:00,2",
        ]), entity: "case")
        #expect(result.counts.conflicts == 1)
        #expect(try store.value("SELECT rule FROM conflicts") == "case.cardinality")
        #expect(try store.caseField("CS0000001", "incident") == "INC0000002")  // the newest row wins
    }
}

@Suite("Case journal")
struct CaseJournalTests {
    static let incidentHeader = "number,state,sys_updated_on,sys_mod_count"

    func journal(_ store: StoreHarness) throws -> [[String?]] {
        try store.connection.rows("""
            SELECT case_number, related_number, field, old, new, copied_from IS NOT NULL FROM case_journal ORDER BY id
            """).map { $0.map(\.text) }
    }

    @Test func aSharedIncidentsNoteGoesToTheMajorCaseOnly() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        // INC0010010 is shared by major case CS0001015 and child CS0001016.
        try store.importText(csv(Self.incidentHeader, ["INC0010010,6,2026-12-01 00:00:00,50"]), entity: "incident")
        let notes = try journal(store)
        #expect(notes.allSatisfy { $0[0] == "CS0001015" }, "\(notes)")
        #expect(notes.contains(["CS0001015", "INC0010010", "state", "2", "6", "0"]), "\(notes)")
    }

    @Test func withSyncOnTheNoteIsCopiedToChildrenSharingTheRecord() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        let settings = StoreSettings(store.database)
        try settings.set(StoreSettings.syncEnabled, "true")
        try settings.set(StoreSettings.caseFieldsToSync, "incident,problem")
        try store.importText(csv(Self.incidentHeader, ["INC0010010,6,2026-12-01 00:00:00,50"]), entity: "incident")
        let notes = try journal(store).filter { $0[2] == "state" }
        #expect(notes.map { $0[0] } == ["CS0001015", "CS0001016"])
        #expect(notes.map { $0[5] } == ["0", "1"])
    }

    @Test func aFieldNotListedForSyncIsNotCopied() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        try StoreSettings(store.database).set(StoreSettings.syncEnabled, "true")
        try StoreSettings(store.database).set(StoreSettings.caseFieldsToSync, "problem")
        try store.importText(csv(Self.incidentHeader, ["INC0010010,6,2026-12-01 00:00:00,50"]), entity: "incident")
        #expect(try journal(store).map { $0[0] }.allSatisfy { $0 == "CS0001015" })
    }

    @Test func aChildsOwnDifferentIncidentNotesOnlyTheChild() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        try StoreSettings(store.database).set(StoreSettings.syncEnabled, "true")
        try StoreSettings(store.database).set(StoreSettings.caseFieldsToSync, "incident")
        // INC0010011 belongs to child CS0001017 only.
        try store.importText(csv(Self.incidentHeader, ["INC0010011,6,2026-12-01 00:00:00,50"]), entity: "incident")
        #expect(try journal(store).map { $0[0] } == ["CS0001017"])
    }

    @Test func aRequestChangeNotesItsCase() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        try store.importText(csv("number,request_state,sys_updated_on,sys_mod_count", ["REQ0010007,closed_complete,2026-12-01 00:00:00,50"]), entity: "request")
        let notes = try journal(store)
        #expect(notes == [["CS0001023", "REQ0010007", "request_state", "in_process", "closed_complete", "0"]])
    }

    @Test func bookkeepingChangesAreNotNews() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        let state = try store.value("SELECT state FROM entity_incident WHERE number = 'INC0010010'")!
        try store.importText(csv(Self.incidentHeader, ["INC0010010,\(state),2026-12-01 00:00:00,50"]), entity: "incident")
        #expect(try journal(store).isEmpty)
    }
}

/// The resolution requirements are declared once (``CaseRules``): the reconciler's warnings and
/// the `resolution_consistency` report both follow them, so changing a rule changes both.
@Suite("Resolution requirements, one source")
struct ResolutionRequirementSourceTests {
    /// The standard registry with the case rules `rules`.
    static func registry(_ rules: CaseRules) -> EntityRegistry {
        EntityRegistry(entities: EntityRegistry.standard.entities.map { entity in
            guard entity.caseRules != nil else { return entity }
            // The initialiser adds the display companions of external references again.
            let fields = entity.fields.filter { field in !entity.fields.contains { $0.displayField == field.name } }
            return EntityDefinition(
                name: entity.name, table: entity.table, aliases: entity.aliases, fields: fields,
                identifierRules: entity.identifierRules, numberPrefix: entity.numberPrefix, temporalOrder: entity.temporalOrder,
                retireRule: entity.retireRule, updatedField: entity.updatedField, modCountField: entity.modCountField,
                displayField: entity.displayField, caseRules: rules, distinguishingRules: entity.distinguishingRules,
                collisionRules: entity.collisionRules, doc: entity.doc)
        })
    }

    func violations(_ rules: CaseRules) throws -> (warned: [String], reported: [String]) {
        let registry = Self.registry(rules)
        let store = try StoreHarness(registry: registry)
        try store.importFixtures()
        let warned = try store.connection.rows("SELECT json_extract(raw, '$.number') FROM findings WHERE rule LIKE 'resolution.%' ORDER BY 1")
            .compactMap(\.[0].text)
        let report = try #require(ReportCatalogue(registry: registry).report(named: "resolution_consistency"))
        let reported = try store.connection.rows(report.sql).compactMap(\.[0].text)
        return (warned, reported)
    }

    @Test func aChangedRequirementChangesTheWarningsAndTheReportAlike() throws {
        let standard = try violations(.standard)
        #expect(standard.warned == ["CS0001010", "CS0001011", "CS0001012", "CS0001013", "CS0001014"])
        #expect(standard.reported == standard.warned)
        var rules = CaseRules.standard
        // CS0001010's problem is Assess (102); CS0001014's requests are in_process and closed_incomplete.
        rules.requirements[0].states = .anyOf(["102", "107"])
        rules.requirements[4].states = .anyOf(["closed_complete", "in_process"])
        // CS0001011's problem is Closed (107): open now means anything but 106.
        rules.requirements[1].states = .noneOf(["106"], called: "open")
        let changed = try violations(rules)
        #expect(changed.warned == ["CS0001012", "CS0001013"])
        #expect(changed.reported == changed.warned)
    }
}
