import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

extension StoreHarness {
    /// Every entity feed, as CSV, keyed by entity: the state reporting feeds see.
    func allFeeds() throws -> [String: String] {
        var feeds: [String: String] = [:]
        for entity in database.registry.entities { feeds[entity.name] = try extract(entity.name) }
        return feeds
    }

    func rollback(_ run: Int64, force: Bool = false) throws -> Rollback.Result {
        try Rollback(database: database).run(run, force: force, command: "test")
    }

    var lastRun: Int64 { Int64(try! count("SELECT max(id) FROM runs")) }
}

@Suite("Rollback")
struct RollbackTests {
    /// Run "B": updates, a partial export, a retiring snapshot, new records, a resolved reference.
    func importB(into store: StoreHarness) throws -> [Int64] {
        var runs: [Int64] = []
        func record(_ result: ImportResult) { if let run = result.run { runs.append(run) } }
        record(try Importer(database: store.database).run(ImportRequest(paths: [Paths.fixture("csm/case_updates.csv")], entity: "case", command: "B")))
        record(try store.importText(csv("number,state,problem_id,sys_updated_on,sys_mod_count", [
            "INC0010010,6,PRB0049999,2026-12-01 00:00:00,50",   // shared by a major case and its child: journal
            "INC0019999,1,,2026-12-01 00:00:00,1",              // new
        ]), entity: "incident"))
        record(try store.importText(csv("number,state,sys_updated_on,sys_mod_count", [
            "PRB0049999,101,2026-12-01 00:00:00,1",             // resolves the pending reference above
        ]), entity: "problem"))
        let cis = try String(contentsOfFile: Paths.fixture("cmdb/cmdb_ci.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        // A snapshot from the default source without three services (and without the 15 CIs of
        // the label file, which came from the same source): 18 of 78 active CIs retire.
        record(try store.importText(cis.dropLast(3).joined(separator: "\n") + "\n", entity: "ci",
                                    snapshot: SnapshotOptions(maxRetire: 0.3)))
        return runs
    }

    @Test func rollingBackBRestoresTheFeedsOfAAloneAndRollingBackTheRollbackRestoresB() throws {
        let store = try StoreHarness()
        try store.importFixtures()
        let afterA = try store.allFeeds()
        let journalAfterA = try store.count("SELECT count(*) FROM case_journal")
        let runsOfB = try importB(into: store)
        #expect(runsOfB.count == 4)
        let afterB = try store.allFeeds()
        #expect(afterB != afterA)
        #expect(try store.count("SELECT count(*) FROM entity_ci WHERE retired_in_run IS NOT NULL") == 18)

        var rollbacks: [Int64] = []
        for run in runsOfB.reversed() {
            let result = try store.rollback(run)
            rollbacks.append(try #require(result.run))
        }
        #expect(try store.allFeeds() == afterA)
        #expect(try store.count("SELECT count(*) FROM runs WHERE status = 'rolled_back'") == 4)
        #expect(try store.count("SELECT count(*) FROM pending_references WHERE raw_value = 'PRB0049999'") == 0)
        // The journal entries of a rolled-back run no longer show in the case_journal report.
        #expect(try store.count("SELECT count(*) FROM case_journal WHERE run NOT IN (SELECT id FROM runs WHERE status = 'rolled_back')") == journalAfterA)

        for run in rollbacks.reversed() { _ = try store.rollback(run) }
        #expect(try store.allFeeds() == afterB)
        #expect(try store.count("SELECT count(*) FROM runs WHERE status = 'rolled_back'") == 4)  // now the rollbacks
    }

    @Test func aRollbackThatMeetsALaterChangeRefusesAndChangesNothing() throws {
        let store = try StoreHarness()
        let header = "number,state,category,sys_updated_on,sys_mod_count"
        try store.importText(csv(header, ["INC0000001,1,Ann,2026-01-01 00:00:00,1"]), entity: "incident")
        try store.importText(csv(header, ["INC0000001,2,Bob,2026-01-02 00:00:00,2"]), entity: "incident")
        try store.importText(csv(header, ["INC0000001,3,Bob,2026-01-03 00:00:00,3"]), entity: "incident")
        let before = try store.allFeeds()
        let runs = try store.count("SELECT count(*) FROM runs")
        do {
            _ = try store.rollback(2)
            Issue.record("the rollback was not refused")
        } catch let refusal as Rollback.Refusal {
            #expect(refusal.message.contains("run 2 cannot be rolled back: 3 of its changes were changed again since"))
            #expect(refusal.blockers.map(\.field).sorted() == ["state", "sys_mod_count", "sys_updated_on"])
            #expect(refusal.blockers.first { $0.field == "state" }?.line == "incident INC0000001 state: the run left 2, now 3 (changed by run 3)")
        }
        #expect(try store.allFeeds() == before)
        #expect(try store.count("SELECT count(*) FROM runs") == runs)
        #expect(try store.value("SELECT status FROM runs WHERE id = 2") == "committed")

        // --force restores the run's own changes and reports what it overrode.
        let forced = try store.rollback(2, force: true)
        #expect(forced.overridden.count == 3)
        #expect(try store.value("SELECT state || '|' || category FROM entity_incident") == "1|Ann")
    }

    @Test func aPlanKeepsTheFirstBlockersToListAndCountsThemAll() throws {
        let store = try StoreHarness()
        let header = "number,state,sys_updated_on,sys_mod_count"
        let records = RollbackPlan.listLimit / 3 + 10   // three blockers each: past the limit
        for (state, day) in [(1, 1), (2, 2), (3, 3)] {
            try store.importText(csv(header, (1...records).map { String(format: "INC%07d,\(state),2026-01-0\(day) 00:00:00,\(day)", $0) }), entity: "incident")
        }
        let plan = try Rollback(database: store.database).plan(2)
        #expect(plan.blockerCount == 3 * records)
        #expect(plan.blockers.count == RollbackPlan.listLimit)
        #expect(Set(plan.blockers.map { "\($0.key ?? "")|\($0.field)" }).count == RollbackPlan.listLimit)   // no blocker twice
        let forced = try store.rollback(2, force: true)
        #expect(forced.overriddenCount == 3 * records)
        #expect(forced.overridden.count == RollbackPlan.listLimit)
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE state = '1'") == records)
    }

    @Test func aRemovedRecordChangedSinceBlocksTheRollbackOfItsInsert() throws {
        let store = try StoreHarness()
        let header = "number,state,sys_updated_on,sys_mod_count"
        try store.importText(csv(header, ["INC0000001,1,2026-01-01 00:00:00,1"]), entity: "incident")
        try store.importText(csv(header, ["INC0000001,2,2026-01-02 00:00:00,2"]), entity: "incident")
        #expect(throws: Rollback.Refusal.self) { _ = try store.rollback(1) }
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 1)
    }

    @Test func anInsertedRecordChangedBehindTheAuditsBackBlocksTheRollbackOfItsInsert() throws {
        let store = try StoreHarness()
        let header = "number,state,sys_updated_on,sys_mod_count"
        try store.importText(csv(header, ["INC0000001,1,2026-01-01 00:00:00,1"]), entity: "incident")
        try store.connection.execute("UPDATE entity_incident SET state = 7")
        do {
            _ = try store.rollback(1)
            Issue.record("the rollback was not refused")
        } catch let refusal as Rollback.Refusal {
            #expect(refusal.blockers.map(\.field) == ["*"])
            #expect(refusal.blockers.first?.line.contains("values its audit trail does not explain") == true)
        }
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 1)
    }

    @Test func theRollbackOfAnInsertNamesTheFieldsChangedSinceFromTheDerivedInsertedValues() throws {
        let store = try StoreHarness()
        let header = "number,state,category,sys_updated_on,sys_mod_count"
        try store.importText(csv(header, ["INC0000001,1,Ann,2026-01-01 00:00:00,1"]), entity: "incident")
        try store.importText(csv(header, ["INC0000001,2,Ann,2026-01-02 00:00:00,2"]), entity: "incident")
        do {
            _ = try store.rollback(1)
            Issue.record("the rollback was not refused")
        } catch let refusal as Rollback.Refusal {
            #expect(refusal.blockers.map(\.field).sorted() == ["state", "sys_mod_count", "sys_updated_on"])
            #expect(refusal.blockers.first { $0.field == "state" }?.line == "incident INC0000001 state: the run left 1, now 2 (changed by run 2)")
        }
        // Once the later run is rolled back, the insert's own values are back and it can go.
        _ = try store.rollback(2)
        _ = try store.rollback(1)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 0)
    }

    /// Run 1 inserts INC0000001; run 2 changes its state and inserts INC0000002.
    static func storeWhoseRun2UpdatesOneAndAddsOne() throws -> StoreHarness {
        let store = try StoreHarness()
        let header = "number,state,sys_updated_on,sys_mod_count"
        try store.importText(csv(header, ["INC0000001,1,2026-01-01 00:00:00,1"]), entity: "incident")
        try store.importText(csv(header, ["INC0000001,2,2026-01-02 00:00:00,2", "INC0000002,1,2026-01-02 00:00:00,1"]), entity: "incident")
        return store
    }

    @Test func changesHandedOutOneAtATimeAreTheOnesTheResultWouldHold() throws {
        let store = try Self.storeWhoseRun2UpdatesOneAndAddsOne()
        let collected = try Rollback(database: store.database).run(2, dryRun: true, command: "test").changes
        var streamed: [RecordChange] = []
        let dry = try Rollback(database: store.database).run(2, dryRun: true, command: "test") { streamed.append($0) }
        #expect(streamed == collected && streamed.count == 4 && dry.changes.isEmpty)
        var committed: [RecordChange] = []
        let result = try Rollback(database: store.database).run(2, command: "test") { committed.append($0) }
        #expect(result.status == .committed && committed == collected)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 1)
    }

    @Test func aDryRunShowsTheChangesAndWritesNothing() throws {
        let store = try Self.storeWhoseRun2UpdatesOneAndAddsOne()
        let before = try store.allFeeds()
        let result = try Rollback(database: store.database).run(2, dryRun: true, command: "test")
        #expect(result.run == nil)
        #expect(result.status == .dryRun)
        #expect(result.changes.map(\.line).sorted() == [
            "incident INC0000001 state: 2 → 1",
            "incident INC0000001 sys_mod_count: 2 → 1",
            "incident INC0000001 sys_updated_on: 2026-01-02 00:00:00 → 2026-01-01 00:00:00",
            "removed incident INC0000002",
        ])
        #expect(try store.allFeeds() == before)
        #expect(try store.count("SELECT count(*) FROM runs") == 2)
        #expect(try store.value("SELECT status FROM runs WHERE id = 2") == "committed")
    }
}

@Suite("Rerun and prune")
struct RerunTests {
    static let header = "number,state,sys_updated_on"

    @Test func aRerunWithAFixedMapRecoversTheRejectedRows() throws {
        let store = try StoreHarness()
        let strict = #"{"entity": "incident", "source": "legacy", "columns": {"state": {"field": "state", "choices": {"Open": 1}, "unknown": "reject"}}}"#
        let first = try store.importText(csv(Self.header, [
            "INC0000001,Open,2026-01-01 00:00:00",
            "INC0000002,Sleeping,2026-01-01 00:00:00",
            "INC0000003,Sleeping,2026-01-01 00:00:00",
        ]), entity: "incident", map: strict)
        #expect(first.counts.rejected == 2)
        let fixed = store.folder.appendingPathComponent("fixed.json").path
        try #"{"entity": "incident", "source": "legacy", "columns": {"state": {"field": "state", "choices": {"Open": 1, "Sleeping": 3}}}}"#
            .write(toFile: fixed, atomically: true, encoding: .utf8)
        let request = try Rerun(database: store.database).request(for: try #require(first.run), mapPath: fixed, command: "test")
        let rerun = try Importer(database: store.database).run(request)
        #expect(rerun.status == .committed)
        #expect(rerun.counts.recovered == 2)
        #expect(rerun.counts.inserted == 2)
        #expect(rerun.counts.unchanged == 1)
        #expect(try store.value("SELECT parent_run FROM runs WHERE id = ?", [.integer(try #require(rerun.run))]) == String(first.run!))
        #expect(try store.value("SELECT kind FROM runs WHERE id = ?", [.integer(rerun.run!)]) == "rerun")
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE state = 3") == 2)
    }

    @Test func aRunWhoseInputsWerePrunedCannotBeRerun() throws {
        let store = try StoreHarness()
        let first = try store.importText(csv(Self.header, ["INC0000001,1,2026-01-01 00:00:00"]), entity: "incident")
        try store.importText(csv(Self.header, ["INC0000002,1,2026-01-01 00:00:00"]), entity: "incident")
        let archive = store.database.path + ".inputs"
        #expect(try FileManager.default.contentsOfDirectory(atPath: archive).count == 2)
        let pruned = try Pruning(database: store.database).prune(keeping: .runs(1), force: false, dryRun: false)
        #expect(pruned.runs == [1])
        #expect(pruned.filesRemoved == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: archive).count == 1)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 1") == 1)  // rollback still possible
        #expect(throws: ImportFailure.self) {
            _ = try Rerun(database: store.database).request(for: try #require(first.run), command: "test")
        }
        do {
            _ = try Rerun(database: store.database).request(for: 1, command: "test")
        } catch {
            #expect(error.message.contains("is no longer kept (pruned), so the run cannot be rerun"))
        }
        // Rolling back the pruned run still works: its audit is kept.
        _ = try store.rollback(1)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 1)
    }

    @Test func pruneWithForceDropsTheAuditToo() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["INC0000001,1,2026-01-01 00:00:00"]), entity: "incident")
        try store.importText(csv(Self.header, ["INC0000002,1,2026-01-01 00:00:00"]), entity: "incident")
        let dry = try Pruning(database: store.database).prune(keeping: .runs(1), force: true, dryRun: true)
        #expect(dry.auditRowsRemoved == 1)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 1") == 1)
        let result = try Pruning(database: store.database).prune(keeping: .runs(1), force: true, dryRun: false)
        #expect(result.auditRowsRemoved == 1)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 1") == 0)
    }

    @Test func aKeptInputChangedOnDiskIsRefusedByItsSHA256() throws {
        let store = try StoreHarness()
        let first = try store.importText(csv(Self.header, ["INC0000001,1,2026-01-01 00:00:00"]), entity: "incident")
        let kept = try #require(try store.value("SELECT stored_path FROM run_inputs WHERE run = 1"))
        try FileManager.default.removeItem(atPath: kept)
        try "tampered\n".write(toFile: kept, atomically: true, encoding: .utf8)
        let request = try Rerun(database: store.database).request(for: try #require(first.run), command: "test")
        do {
            _ = try Importer(database: store.database).run(request)
            Issue.record("a tampered input was rerun")
        } catch {
            #expect(error.message.contains("no longer matches its SHA-256"))
        }
    }
}
