import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// `tally check`'s semantics on small stores built by real imports and rollbacks.
@Suite("Store check")
struct StoreCheckTests {
    static let header = "sys_id,number,short_description,state,sys_updated_on\n"
    static func row(_ i: Int, _ text: String, state: Int = 2, updated: String = "2026-03-01 10:00:00") -> String {
        "\(String(repeating: "0", count: 31))\(i),INC000000\(i),\(text),\(state),\(updated)\n"
    }

    func check(_ harness: StoreHarness, alive: @escaping (Int64) -> Bool = StoreCheck.processExists) throws -> StoreCheckReport {
        var check = StoreCheck(database: harness.database)
        check.isAlive = alive
        return try check.run()
    }

    @Test("imports, updates, rollbacks and rollbacks of rollbacks replay to the stored values")
    func rollbackChainsReplay() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one") + Self.row(2, "two"), entity: "incident")
        try harness.importText(Self.header + Self.row(1, "uno", state: 3, updated: "2026-03-02 10:00:00") + Self.row(3, "three"), entity: "incident")
        let rollback = Rollback(database: harness.database)
        let first = try rollback.run(2, command: "test")
        _ = try rollback.run(try #require(first.run), command: "test")
        let report = try check(harness)
        #expect(report.holds, "\(report.lines.joined(separator: "\n"))")
        let audit = try #require(report.entries.first { $0.check == .audit })
        #expect(audit.summary.hasPrefix("3 record(s) replayed"), "\(audit.summary)")
    }

    @Test("a value changed behind the audit's back, or a broken count, fails the check")
    func tamperingIsFound() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one"), entity: "incident")
        try harness.connection.execute("UPDATE entity_incident SET short_description = 'tampered'")
        try harness.connection.execute("UPDATE runs SET inserted = 5")
        let report = try check(harness)
        #expect(!report.holds)
        let messages = report.problems.map(\.message).joined(separator: "\n")
        #expect(messages.contains("incident INC0000001 (#1) disagrees with its audit trail: it differs from what audit row 1 inserted in a field no later audit row changed"),
                "\(messages)")
        #expect(messages.contains("run 1 read 1 rows but accounts for 5"), "\(messages)")
        #expect(report.json.contains(#""holds": false"#))
    }

    @Test("a value a later run changed, changed again behind the audit's back, is named")
    func tamperingAfterAChangeIsNamed() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one"), entity: "incident")
        try harness.importText(Self.header + Self.row(1, "uno", updated: "2026-03-02 10:00:00"), entity: "incident")
        #expect(try check(harness).holds)
        try harness.connection.execute("UPDATE entity_incident SET short_description = 'tampered'")
        let messages = try check(harness).problems.map(\.message).joined(separator: "\n")
        #expect(messages.contains(#"short_description is "tampered" where audit row"#) && messages.contains(#"says "uno""#), "\(messages)")
    }

    @Test("an insert row that holds the record as JSON (older stores) still verifies, and names a tampered field")
    func jsonInsertRowsOfOlderStores() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one"), entity: "incident")
        try harness.importText(Self.header + Self.row(1, "uno", updated: "2026-03-02 10:00:00"), entity: "incident")
        let json = #"{"sys_id":"\#(String(repeating: "0", count: 31))1","number":"INC0000001","short_description":"one","state":"2","sys_updated_on":"2026-03-01 10:00:00"}"#
        try harness.connection.run("UPDATE audit SET new = ? WHERE field = '*'", [.text(json)])
        let report = try check(harness)
        #expect(report.holds, "\(report.lines)")
        try harness.connection.run("UPDATE audit SET new = replace(new, '\"state\":\"2\"', '\"state\":\"5\"') WHERE field = '*'")
        let messages = try check(harness).problems.map(\.message).joined(separator: "\n")
        #expect(messages.contains(#"state is "2", the audit says "5""#), "\(messages)")
    }

    @Test("a run left running by a dead process is marked abandoned, once; a live one is left alone")
    func deadRunsAreAbandoned() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one"), entity: "incident")
        let ledger = RunLedger(harness.database)
        let dead = try ledger.begin(kind: .import, entity: "incident", source: "default", command: "killed")
        try harness.connection.run("UPDATE runs SET pid = 424242 WHERE id = ?", [.integer(dead)])
        let live = try ledger.begin(kind: .import, entity: "incident", source: "default", command: "running")
        let report = try check(harness) { $0 != 424242 }
        #expect(report.holds)
        #expect(report.repairs == ["marked run(s) \(dead) abandoned: left running by a process that no longer exists"])
        #expect(try ledger.run(dead)?.status == .abandoned)
        #expect(try ledger.run(live)?.status == .running)
        #expect(try check(harness) { $0 != 424242 }.repairs.isEmpty)
    }

    @Test("a failed run that owns committed data fails the check")
    func uncommittedRunsOwnNoData() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one"), entity: "incident")
        try harness.connection.execute("UPDATE runs SET status = 'failed'")
        let report = try check(harness)
        #expect(!report.holds)
        #expect(report.problems.contains { $0.message.contains("run 1 is failed but 1 audit row(s)") }, "\(report.lines)")
    }

    @Test("an audit row outside the id range its run records fails the check")
    func auditRowsOutsideTheirRunsRange() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one") + Self.row(2, "two"), entity: "incident")
        #expect(try check(harness).holds)
        try harness.connection.run("UPDATE runs SET audit_last = audit_last - 1 WHERE id = 1")
        let report = try check(harness)
        #expect(!report.holds)
        #expect(report.problems.contains { $0.message.contains("1 audit row(s) of run 1 lie outside the audit ids its run row records (1…1)") },
                "\(report.lines)")
    }

    @Test("records whose audit was pruned are skipped, not failed")
    func prunedAuditIsSkipped() throws {
        let harness = try StoreHarness()
        try harness.importText(Self.header + Self.row(1, "one"), entity: "incident")
        try harness.importText(Self.header + Self.row(1, "uno", updated: "2026-03-02 10:00:00") + Self.row(2, "two"), entity: "incident")
        _ = try Pruning(database: harness.database).prune(keeping: .runs(1), force: true, dryRun: false)
        let report = try check(harness)
        #expect(report.holds, "\(report.lines.joined(separator: "\n"))")
        let audit = try #require(report.entries.first { $0.check == .audit })
        #expect(audit.summary == "1 record(s) replayed from the audit and matched, 1 skipped (history pruned)", "\(audit.summary)")
    }

    @Test("the sample is deterministic and spread over the whole table")
    func sampleIsEven() {
        let ids = Array(Int64(1)...Int64(10_000))
        let sample = StoreCheck.sample(ids, size: 1_000)
        #expect(sample.count == 1_000 && sample.first == 1 && sample.last == 9_991)
        #expect(StoreCheck.sample([1, 2, 3], size: 1_000) == [1, 2, 3])
        #expect(StoreCheck.sample(ids, size: 0).isEmpty)
    }
}
