import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// Issue 22's property: the same case rows — a major case, its candidates, children added as
/// existing cases, cases under a parent that is not an accepted major case, later rows of each —
/// in any order and any split into runs, then a rerun of the major case's first run, give the same
/// `case_links`, the same case feed and the same work notes.
@Suite("Major cases in any order")
struct MajorCaseOrderTests {
    static let scenarios: ClosedRange<UInt64> = 1...50
    static let ordersPerScenario = 4

    /// One row of a case export.
    struct Row {
        var number: String
        var incident = "", problem = "", changeRequest = "", causedBy = ""
        var parent = "", majorState = ""
        var created: Int
        var version: Int

        var sysID: String { TallyKitTests.sysID(number) }
        var line: String {
            let day = { (n: Int) in String(format: "2026-01-%02d 00:00:00", n) }
            return [sysID, number, incident, problem, changeRequest, causedBy, parent, majorState, day(created), day(version), "\(version)"]
                .joined(separator: ",")
        }
        static let header = "sys_id,number,incident,problem,change_request,caused_by,parent,major_case_state,sys_created_on,sys_updated_on,sys_mod_count"
    }

    static let incidents = (1...5).map { String(format: "INC%07d", $0) }
    static let problems = (1...3).map { String(format: "PRB%07d", $0) }  // never imported: references stay pending
    static let changes = (1...4).map { String(format: "CHG%07d", $0) }

    /// A scenario's rows (first rows, then later ones), and the case fields whose notes are synced.
    struct Scenario {
        var rows: [Row]
        var synced: [String]
        var majorNumber: String
    }

    static func scenario(seed: UInt64) -> Scenario {
        var random = SeededGenerator(seed: seed)
        func maybe(_ chance: Double) -> Bool { Double.random(in: 0..<1, using: &random) < chance }
        func pick(_ pool: [String], _ chance: Double) -> String { maybe(chance) ? pool.randomElement(using: &random)! : "" }
        func related(_ row: inout Row, _ chance: Double) {
            row.incident = pick(incidents, chance)
            row.problem = pick(problems, chance)
            row.changeRequest = pick(changes, chance)
            // Now and then the same change by both fields (two notes, told apart by their link field).
            row.causedBy = maybe(0.2) && !row.changeRequest.isEmpty ? row.changeRequest : pick(changes, chance / 2)
        }
        let major = "CS0000100"
        // The parent as a number or a sys_id, as exports give it.
        func parent(_ number: String) -> String { maybe(0.5) ? number : TallyKitTests.sysID(number) }
        var first: [Row] = []
        var m = Row(number: major, majorState: "accepted", created: 3, version: 3)
        related(&m, 0.35)
        first.append(m)
        // Candidates: the earliest created wins, then the lowest number (a tie on purpose, now and then).
        for (offset, number) in ["CS0000101", "CS0000102"].enumerated() where offset == 0 || maybe(0.6) {
            var k = Row(number: number, parent: parent(major), majorState: "proposed",
                        created: maybe(0.3) ? 2 : Int.random(in: 1...4, using: &random), version: 4)
            related(&k, 0.7)
            first.append(k)
        }
        // Children added as existing cases.
        for number in ["CS0000103", "CS0000104"] where maybe(0.8) {
            var e = Row(number: number, parent: parent(major), created: 1, version: 2)
            related(&e, 0.6)
            first.append(e)
        }
        // A plain parent and a proposed major case: their "children" are none.
        var plain = Row(number: "CS0000105", created: 1, version: 2)
        related(&plain, 0.2)
        var plainChild = Row(number: "CS0000106", parent: parent("CS0000105"), majorState: "proposed", created: 1, version: 2)
        related(&plainChild, 0.8)
        var proposed = Row(number: "CS0000107", majorState: "proposed", created: 1, version: 2)
        related(&proposed, 0.2)
        var proposedChild = Row(number: "CS0000108", parent: parent("CS0000107"), majorState: "proposed", created: 1, version: 2)
        related(&proposedChild, 0.8)
        first += [plain, plainChild, proposed, proposedChild]

        // Later rows: new related records, a candidate withdrawn or moved, the major case canceled.
        var later: [Row] = []
        for row in first where maybe(0.5) {
            var next = row
            next.version += 5
            if maybe(0.7) { related(&next, 0.5) }
            if row.number == major && maybe(0.2) { next.majorState = "canceled" }
            if row.majorState == "proposed" && !row.parent.isEmpty && maybe(0.2) { next.majorState = "" }
            if row.number == "CS0000103" && maybe(0.3) { next.parent = "" }
            if row.number == "CS0000105" && maybe(0.4) { next.majorState = "accepted" }  // the plain parent becomes a major case
            later.append(next)
        }
        let synced = CaseRules.standard.syncableFields.filter { _ in maybe(0.5) }
        return Scenario(rows: first + later, synced: synced, majorNumber: major)
    }

    /// What the property compares: the case_links report, the case feed, the work notes, and
    /// which of the cases' fields hold a candidate's value.
    struct Outcome: Equatable {
        var links: [[String?]]
        var feed: String
        var journal: [[String?]]
        var derived: [[String?]]
    }

    /// Imports the scenario's rows in `order` split at `cuts`, reruns the major case's first run,
    /// then changes every incident and change so that the cases get their work notes.
    static func outcome(_ scenario: Scenario, order: [Int], cuts: [Int]) throws -> Outcome {
        let store = try StoreHarness(copying: try template.get())
        var majorRun: Int64?
        var start = 0
        for end in cuts + [order.count] where end > start {
            let rows = order[start..<end].map { scenario.rows[$0] }
            let result = try store.importText(csv(Row.header, rows.map(\.line)), entity: "case")
            let run = try #require(result.run)
            if majorRun == nil, rows.contains(where: { $0.number == scenario.majorNumber }) { majorRun = run }
            start = end
        }
        let request = try Rerun(database: store.database).request(for: try #require(majorRun), command: "test")
        let rerun = try Importer(database: store.database).run(request)
        #expect(rerun.status == .committed)
        let settings = StoreSettings(store.database)
        try settings.set(StoreSettings.syncEnabled, "true")
        try settings.set(StoreSettings.caseFieldsToSync, scenario.synced.joined(separator: ","))
        try store.importText(csv("number,state,sys_updated_on,sys_mod_count", incidents.map { "\($0),2,2026-02-01 00:00:00,2" }), entity: "incident")
        try store.importText(csv("number,state,sys_updated_on,sys_mod_count", changes.map { "\($0),-4,2026-02-01 00:00:00,2" }), entity: "change")

        let links = try store.connection.rows(ReportCatalogue.standard.report(named: "case_links")!.sql).map { $0.map(\.text) }
        let journal = try store.connection.rows("""
            SELECT case_number, related_number, link_field, field, old, new, copied_from IS NOT NULL, note FROM case_journal
            ORDER BY case_number, related_number, link_field, field, note
            """).map { $0.map(\.text) }
        let derived = try store.connection.rows("""
            SELECT c.number, d.field FROM case_derived d JOIN entity_case c ON c._id = d.case_record
            WHERE d.ended_in_run IS NULL ORDER BY 1, 2
            """).map { $0.map(\.text) }
        return Outcome(links: links, feed: try store.extract("case"), journal: journal, derived: derived)
    }

    /// A store holding the incidents and changes the cases name, copied for each import order.
    static let template = Result { () throws -> URL in
        let store = try StoreHarness()
        try store.importText(csv("number,state,sys_updated_on,sys_mod_count", incidents.map { "\($0),1,2026-01-01 00:00:00,1" }), entity: "incident")
        try store.importText(csv("number,state,sys_updated_on,sys_mod_count", changes.map { "\($0),-5,2026-01-01 00:00:00,1" }), entity: "change")
        try store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return store.folder
    }

    /// 50 scenarios × (1 + 4 orders, each split into 1–4 runs).
    @Test(arguments: scenarios)
    func theSameRowsInAnyOrderAndSplitGiveTheSameCasesAndNotes(seed: UInt64) throws {
        let scenario = Self.scenario(seed: seed)
        let count = scenario.rows.count
        let baseline = try Self.outcome(scenario, order: Array(0..<count), cuts: [])
        var random = SeededGenerator(seed: seed &* 7919)
        for _ in 0..<Self.ordersPerScenario {
            let order = Array(0..<count).shuffled(using: &random)
            let pieces = Int.random(in: 1...4, using: &random)
            let cuts = (0..<(pieces - 1)).map { _ in Int.random(in: 1..<count, using: &random) }.sorted()
            let other = try Self.outcome(scenario, order: order, cuts: cuts)
            #expect(other.links == baseline.links, "order \(order), cuts \(cuts)")
            #expect(other.feed == baseline.feed, "order \(order), cuts \(cuts)")
            #expect(other.journal == baseline.journal, "order \(order), cuts \(cuts)")
            #expect(other.derived == baseline.derived, "order \(order), cuts \(cuts)")
        }
    }

    /// The scenarios exercise what they are meant to: most derive a value, write notes, copy some.
    @Test func theScenariosDeriveAndNote() throws {
        var derived = 0, notes = 0, copied = 0, candidatesTied = 0
        for seed in Self.scenarios.prefix(20) {
            let scenario = Self.scenario(seed: seed)
            let outcome = try Self.outcome(scenario, order: Array(scenario.rows.indices), cuts: [])
            if !outcome.derived.isEmpty { derived += 1 }
            if !outcome.journal.isEmpty { notes += 1 }
            if outcome.journal.contains(where: { $0[6] == "1" }) { copied += 1 }
            let candidates = scenario.rows.filter { $0.parent.hasSuffix("100") || $0.parent == sysID("CS0000100") }.filter { !$0.majorState.isEmpty }
            if Set(candidates.map(\.created)).count < Set(candidates.map(\.number)).count { candidatesTied += 1 }
        }
        #expect(derived >= 10, "\(derived) of 20 scenarios derive a value")
        #expect(notes >= 15, "\(notes) of 20 scenarios write notes")
        #expect(copied >= 3, "\(copied) of 20 scenarios copy notes to children")
        #expect(candidatesTied >= 1, "\(candidatesTied) of 20 scenarios tie two candidates on creation")
    }
}
