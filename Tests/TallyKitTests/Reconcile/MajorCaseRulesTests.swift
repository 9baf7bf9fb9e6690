import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// Issue 22's rules, one test each, with the sentence of seed `000_7823e654d85c7566.txt` it enforces.
@Suite("Major case rules")
struct MajorCaseRulesTests {
    static let header = "sys_id,number,incident,problem,change_request,caused_by,parent,major_case_state,sys_created_on,sys_updated_on,sys_mod_count"

    /// A case row: `related` is incident, problem, change_request, caused_by.
    static func row(_ number: String, _ related: [String] = ["", "", "", ""], parent: String = "", state: String = "",
                    created: String = "2026-01-01 00:00:00", version: Int = 1) -> String {
        let updated = String(format: "2026-01-%02d 00:00:00", version)
        return ([sysID(number), number] + related + [parent, state, created, updated, "\(version)"]).joined(separator: ",")
    }

    func importCases(_ store: StoreHarness, _ rows: [String]) throws -> ImportResult {
        try store.importText(csv(Self.header, rows), entity: "case")
    }

    func journal(_ store: StoreHarness) throws -> [[String?]] {
        try store.connection.rows("SELECT case_number, related_number, link_field, field, note FROM case_journal ORDER BY id").map { $0.map(\.text) }
    }

    // MARK: 1. Who is a child

    /// Seed: "When a major case candidate with an associated record is accepted as a major case: a
    /// new major case is created and the candidate becomes a child of the major case." A parent
    /// that is not accepted (proposed, rejected, canceled, a plain case, not stored) has no child.
    @Test("a case is a child only of an accepted major case", arguments: ["proposed", "rejected", "canceled", "", "not stored"])
    func aCaseIsAChildOnlyOfAnAcceptedMajorCase(parentState: String) throws {
        let store = try StoreHarness()
        var rows = [Self.row("CS0000002", ["INC0000002", "PRB0000002", "", ""], parent: "CS0000001", state: "proposed")]
        if parentState != "not stored" { rows.insert(Self.row("CS0000001", state: parentState), at: 0) }
        _ = try importCases(store, rows)
        // No derived records, and a change to the "child" is no read-only finding.
        #expect(try store.caseField("CS0000001", "incident") == nil)
        let changed = try importCases(store, [Self.row("CS0000002", ["INC0000003", "", "", ""], parent: "CS0000001", state: "proposed", version: 2)])
        #expect(changed.counts.updated == 1)
        #expect(try store.count("SELECT count(*) FROM findings WHERE rule = 'case.child_read_only'") == 0)
        let links = try store.connection.rows(ReportCatalogue.standard.report(named: "case_links")!.sql).map { $0.map(\.text) }
        #expect(links.first { $0[0] == "CS0000002" }?[5] == nil, "no major case")
        if parentState != "not stored" { #expect(links.first { $0[0] == "CS0000001" }?[4] == "0", "no child cases") }

        // The relation is re-evaluated when the parent arrives, or is accepted, later.
        _ = try importCases(store, [Self.row("CS0000001", state: "accepted", version: 3)])
        #expect(try store.caseField("CS0000001", "incident") == "INC0000003")
        let accepted = try store.connection.rows(ReportCatalogue.standard.report(named: "case_links")!.sql).map { $0.map(\.text) }
        #expect(accepted.first { $0[0] == "CS0000002" }?[5] == "CS0000001")
        #expect(accepted.first { $0[0] == "CS0000001" }?[4] == "1")
    }

    // MARK: 2. The platform's codes

    /// Seed: "When a major case candidate ... is accepted as a major case": the platform's
    /// `major_case_state` codes are proposed, accepted, rejected and canceled.
    @Test func majorCaseStateTakesThePlatformsCodes() throws {
        let store = try StoreHarness()
        let result = try importCases(store, ["proposed", "accepted", "rejected", "canceled", "candidate"].enumerated().map { index, state in
            Self.row(String(format: "CS%07d", index + 1), state: state)
        })
        #expect(result.counts.inserted == 4)
        #expect(result.counts.rejected == 1)
        let rejected = try store.connection.rows("SELECT field, json_extract(raw, '$.major_case_state') FROM findings WHERE rejected = 1").map { $0.map(\.text) }
        #expect(rejected == [["major_case_state", "candidate"]])
    }

    // MARK: 3. The candidate

    /// Seed: "a major case candidate ... the candidate becomes a child of the major case": the
    /// candidate is the child with a major-case state of its own, the earliest created, then the
    /// lowest number; a child added as an existing case (no state) is never the candidate.
    @Test func theCandidateIsTheEarliestCreatedProposedChildThenTheLowestNumber() throws {
        let store = try StoreHarness()
        _ = try importCases(store, [
            Self.row("CS0000001", state: "accepted"),
            Self.row("CS0000002", ["INC0000002", "", "", ""], parent: "CS0000001", created: "2026-01-01 00:00:00"),  // existing, oldest
            Self.row("CS0000004", ["INC0000004", "", "", ""], parent: "CS0000001", state: "proposed", created: "2026-01-02 00:00:00"),
            Self.row("CS0000003", ["INC0000003", "", "", ""], parent: "CS0000001", state: "proposed", created: "2026-01-03 00:00:00"),
        ])
        #expect(try store.caseField("CS0000001", "incident") == "INC0000004")  // the earliest created
        // Created at the same second: the lowest number.
        _ = try importCases(store, [Self.row("CS0000003", ["INC0000003", "", "", ""], parent: "CS0000001", state: "proposed",
                                             created: "2026-01-02 00:00:00", version: 2)])
        #expect(try store.caseField("CS0000001", "incident") == "INC0000003")
    }

    // MARK: 4. Derived, not copied once

    /// Seed: "The related record information is copied from the child case to the major case."
    /// The major case's own value wins; a later row of it, a rerun, or a change of its candidate
    /// leave it derived; a copied reference resolves to a sys_id like any reference.
    @Test func theMajorCasesRelatedRecordsAreDerivedFromItsOwnRowElseItsCandidates() throws {
        let store = try StoreHarness()
        let first = try importCases(store, [
            Self.row("CS0000001", ["INC0000001", "", "", ""], state: "accepted"),
            Self.row("CS0000002", ["INC0000002", "PRB0000002", "", ""], parent: "CS0000001", state: "proposed"),
        ])
        #expect(try store.caseField("CS0000001", "incident") == "INC0000001")  // its own
        #expect(try store.caseField("CS0000001", "problem") == "PRB0000002")   // its candidate's
        // A later row of the major case without a problem does not wipe the derived one.
        _ = try importCases(store, [Self.row("CS0000001", ["INC0000001", "", "", ""], state: "accepted", version: 2)])
        #expect(try store.caseField("CS0000001", "problem") == "PRB0000002")
        // Nor does a rerun of the first run.
        let rerun = try Importer(database: store.database).run(try Rerun(database: store.database).request(for: first.run!, command: "test"))
        #expect(rerun.counts.updated == 0)
        #expect(try store.caseField("CS0000001", "problem") == "PRB0000002")
        // The candidate changes: the major case follows; its own incident stays.
        _ = try importCases(store, [Self.row("CS0000002", ["INC0000003", "PRB0000003", "", ""], parent: "CS0000001", state: "proposed", version: 3)])
        #expect(try store.caseField("CS0000001", "problem") == "PRB0000003")
        #expect(try store.caseField("CS0000001", "incident") == "INC0000001")
        // The major case drops its own incident: its candidate's shows.
        _ = try importCases(store, [Self.row("CS0000001", ["", "", "", ""], state: "accepted", version: 4)])
        #expect(try store.caseField("CS0000001", "incident") == "INC0000003")
        // The problem arrives: the copied number resolves to its sys_id, as the candidate's does.
        _ = try store.importText(csv("sys_id,number,state,sys_updated_on,sys_mod_count", ["\(sysID("PRB0000003")),PRB0000003,101,2026-01-01 00:00:00,1"]), entity: "problem")
        let problem = sysID("PRB0000003")
        #expect(try store.caseField("CS0000002", "problem") == problem)
        #expect(try store.caseField("CS0000001", "problem") == problem)
    }

    /// Seed: "The related record information is copied from the child case to the major case",
    /// whichever comes first: the same rows in one run, in both orders, give the same case.
    @Test func theSameRowsInEitherOrderDeriveTheSame() throws {
        var states: [[String?]] = []
        for rows in [[Self.row("CS0000001", state: "accepted"), Self.row("CS0000002", ["INC0000002", "", "", ""], parent: "CS0000001", state: "proposed")],
                     [Self.row("CS0000002", ["INC0000002", "", "", ""], parent: "CS0000001", state: "proposed"), Self.row("CS0000001", state: "accepted")]] {
            let store = try StoreHarness()
            _ = try importCases(store, rows)
            states.append(try store.connection.rows("SELECT incident, _hash FROM entity_case WHERE number = 'CS0000001'").first!.map(\.text))
        }
        #expect(states[0] == states[1])
        #expect(states[0][0] == "INC0000002")
    }

    /// A rollback restores what a major case was derived from: a later change of the candidate is
    /// still followed.
    @Test func aRolledBackRunLeavesTheMajorCaseDerivedAsBefore() throws {
        let store = try StoreHarness()
        _ = try importCases(store, [
            Self.row("CS0000001", state: "accepted"),
            Self.row("CS0000002", ["INC0000002", "", "", ""], parent: "CS0000001", state: "proposed"),
        ])
        let second = try importCases(store, [Self.row("CS0000001", ["INC0000001", "", "", ""], state: "accepted", version: 2)])
        #expect(try store.caseField("CS0000001", "incident") == "INC0000001")
        _ = try Rollback(database: store.database).run(second.run!, command: "test")
        #expect(try store.caseField("CS0000001", "incident") == "INC0000002")
        _ = try importCases(store, [Self.row("CS0000002", ["INC0000003", "", "", ""], parent: "CS0000001", state: "proposed", version: 3)])
        #expect(try store.caseField("CS0000001", "incident") == "INC0000003")
    }

    // MARK: 5. A child's own records

    /// Seed: "When updates are made to the record related to the child case, information about the
    /// update is added to the child case work notes." A child added as an existing case keeps its
    /// records: they are not copied to the major case, and their notes go to the child only.
    @Test func aChildAddedAsAnExistingCaseKeepsItsRecordsAndTheirNotes() throws {
        let store = try StoreHarness()
        _ = try store.importText(csv("number,state,sys_updated_on,sys_mod_count", ["PRB0000005,101,2026-01-01 00:00:00,1"]), entity: "problem")
        _ = try importCases(store, [
            Self.row("CS0000001", state: "accepted"),
            Self.row("CS0000002", ["INC0000002", "", "", ""], parent: "CS0000001", state: "proposed"),
            Self.row("CS0000003", ["", "PRB0000005", "", ""], parent: "CS0000001"),
        ])
        #expect(try store.caseField("CS0000001", "problem") == nil)
        try StoreSettings(store.database).set(StoreSettings.syncEnabled, "true")
        try StoreSettings(store.database).set(StoreSettings.caseFieldsToSync, "problem")
        _ = try store.importText(csv("number,state,sys_updated_on,sys_mod_count", ["PRB0000005,102,2026-02-01 00:00:00,2"]), entity: "problem")
        #expect(try journal(store).map { $0[0] } == ["CS0000003"])
    }

    // MARK: 6. Read-only is a finding

    /// Seed: "For the child case, the fields in the Related Records form section are read-only."
    /// The platform is the system of record: the newest row wins in either order, and the change
    /// is a warning naming run, row, old and new value.
    @Test func aChildsTwoRowsInEitherOrderEndTheSameWithAFinding() throws {
        let older = Self.row("CS0000002", ["INC0000002", "", "", ""], parent: "CS0000001", state: "proposed", version: 2)
        let newer = Self.row("CS0000002", ["INC0000003", "", "", ""], parent: "CS0000001", state: "proposed", version: 3)
        var ends: [String?] = []
        for rows in [[older, newer], [newer, older]] {
            let store = try StoreHarness()
            _ = try importCases(store, [Self.row("CS0000001", state: "accepted"),
                                        Self.row("CS0000002", ["INC0000001", "", "", ""], parent: "CS0000001", state: "proposed")])
            let result = try importCases(store, rows)
            ends.append(try store.caseField("CS0000002", "incident"))
            let findings = try store.connection.rows("""
                SELECT file, CAST(line AS TEXT), message FROM findings WHERE rule = 'case.child_read_only' AND severity = 'warning' ORDER BY id
                """).map { $0.map(\.text) }
            #expect(findings.count == (rows[0] == older ? 2 : 1), "\(findings)")
            let last = try #require(findings.last)
            #expect(last[0]?.hasSuffix(".csv") == true)
            #expect(last[2]?.contains("run \(result.run!) changed it from INC000000") == true, "\(last)")
        }
        #expect(ends == ["INC0000003", "INC0000003"])
    }

    // MARK: 7. Notes name their link field

    /// Seed: "Updates to the related records appear in the work notes of the major case." A case
    /// linked to one change by change_request and caused_by gets two notes, told apart by the
    /// case field each came through.
    @Test func aNoteNamesTheLinkFieldItCameThrough() throws {
        let store = try StoreHarness()
        _ = try store.importText(csv("number,state,sys_updated_on,sys_mod_count", ["CHG0000001,-5,2026-01-01 00:00:00,1"]), entity: "change")
        _ = try importCases(store, [Self.row("CS0000001", ["", "", "CHG0000001", "CHG0000001"])])
        _ = try store.importText(csv("number,state,sys_updated_on,sys_mod_count", ["CHG0000001,-4,2026-02-01 00:00:00,2"]), entity: "change")
        let notes = try journal(store)
        #expect(notes.map { $0[2] } == ["change_request", "caused_by"])
        #expect(Set(notes.map { $0[4] }).count == 2, "\(notes)")
        #expect(notes.first?[4] == "CHG0000001 (change, via change_request) state: -5 → -4")
        let report = try store.connection.rows(ReportCatalogue.standard.report(named: "case_journal")!.sql).map { $0.map(\.text) }
        #expect(report.map { $0[5] } == ["change_request", "caused_by"])
    }

    // MARK: 9. Cardinality in one run, either order

    /// Seed: "Agents can create or associate one incident, problem, or change record with a case."
    /// Two rows of one case in one run with different incidents are a conflict whichever comes
    /// first; the newest row wins.
    @Test func aCardinalityConflictIsRecordedWhicheverRowComesFirst() throws {
        let older = Self.row("CS0000001", ["INC0000001", "", "", ""], version: 1)
        let newer = Self.row("CS0000001", ["INC0000002", "", "", ""], version: 2)
        for rows in [[older, newer], [newer, older]] {
            let store = try StoreHarness()
            let result = try importCases(store, rows)
            #expect(result.counts.conflicts == 1)
            let conflicts = try store.connection.rows("SELECT field, rule, message FROM conflicts").map { $0.map(\.text) }
            #expect(conflicts.map { Array($0[0...1]) } == [["incident", "case.cardinality"]])
            #expect(conflicts.first?[2] == "CS0000001 got two different incident values in one run (INC0000001 in an older row, INC0000002 in the newest); a case has at most one incident: the newest row wins")
            #expect(try store.caseField("CS0000001", "incident") == "INC0000002")
        }
    }

    /// The same, when the older row left the stored case unchanged (it names it all the same).
    @Test func aCardinalityConflictCountsARowThatChangedNothing() throws {
        let older = Self.row("CS0000001", ["INC0000001", "", "", ""], version: 1)
        let newer = Self.row("CS0000001", ["INC0000002", "", "", ""], version: 2)
        for rows in [[older, newer], [newer, older]] {
            let store = try StoreHarness()
            _ = try importCases(store, [older])
            #expect(try importCases(store, rows).counts.conflicts == 1)
        }
    }
}
