import Foundation
import TallyStore
import TestSupport
import Testing
@testable import TallyKit

/// What the CLI asks of the store, as typed Kit calls (no SQL crosses into the CLI).
@Suite("Typed store queries")
struct TypedQueryTests {
    func importOne(_ number: String, into store: StoreHarness) throws -> Int64 {
        try #require(try store.importText(csv("number,state,sys_updated_on", ["\(number),1,2026-01-01 00:00:00"]), entity: "incident").run)
    }

    @Test func conflictLogListsEveryRunsConflictsOrOneRunsInTheOrderWritten() throws {
        let store = try StoreHarness()
        let first = try importOne("INC0000001", into: store)
        let second = try importOne("INC0000002", into: store)
        for (run, field) in [(second, "state"), (first, "priority"), (second, "impact")] {
            try store.connection.run("""
                INSERT INTO conflicts (run, entity, key, field, stored, incoming, source, rule, message)
                VALUES (?, 'incident', 'INC0000001', ?, 'stored', NULL, 'itsm', 'precedence', 'kept the stored value')
                """, [.integer(run), .text(field)])
        }
        let all = try ConflictLog.list(in: store.database)
        #expect(all.map(\.field) == ["state", "priority", "impact"])
        #expect(all.first == ConflictEntry(run: second, entity: "incident", key: "INC0000001", field: "state", stored: "stored",
                                           storedSource: nil, incoming: nil, source: "itsm", rule: "precedence",
                                           message: "kept the stored value"))
        #expect(try ConflictLog.list(run: second, in: store.database).map(\.field) == ["state", "impact"])
        #expect(try ConflictLog.list(run: first, in: store.database).map(\.field) == ["priority"])
        #expect(try ConflictLog.list(run: second + 1, in: store.database).isEmpty)
    }

    @Test func runLedgerFiltersByStatusAndJobNewestFirst() throws {
        let store = try StoreHarness()
        let a = try importOne("INC0000001", into: store)
        let b = try importOne("INC0000002", into: store)
        let c = try importOne("INC0000003", into: store)
        try store.connection.run("UPDATE runs SET status = 'failed' WHERE id = ?", [.integer(b)])
        let jobs = JobRunLedger(store.database)
        let nightly = try jobs.begin(job: "nightly", pid: 1)
        try jobs.attach(run: a, to: nightly)
        try jobs.attach(run: c, to: nightly)

        let ledger = RunLedger(store.database)
        #expect(try ledger.runs().map(\.id) == [c, b, a])
        #expect(try ledger.runs(limit: 2).map(\.id) == [c, b])
        #expect(try ledger.runs(status: .failed).map(\.id) == [b])
        #expect(try ledger.runs(status: .committed).map(\.id) == [c, a])
        #expect(try ledger.runs(job: "nightly").map(\.id) == [c, a])
        #expect(try ledger.runs(status: .committed, job: "nightly", limit: 1).map(\.id) == [c])
        #expect(try ledger.runs(status: .rolledBack).isEmpty)
        #expect(try ledger.runs(job: "weekly").isEmpty)
        // A name is a bound value, never part of the statement.
        #expect(try ledger.runs(job: "x' OR '1'='1").isEmpty)
    }

    @Test func settingsUpdateSetsAndRemovesAKeyInATransactionOfItsOwn() throws {
        let store = try StoreHarness()
        let settings = StoreSettings(store.database)
        try settings.update(StoreSettings.syncEnabled, to: "true")
        #expect(try settings.value(StoreSettings.syncEnabled) == "true")
        #expect(!store.connection.isInTransaction)
        try settings.update(StoreSettings.syncEnabled, to: "false")
        #expect(try settings.all().map { "\($0.0)=\($0.1)" } == ["sync_enabled=false"])
        try settings.update(StoreSettings.syncEnabled, to: nil)
        #expect(try settings.value(StoreSettings.syncEnabled) == nil)
    }

    @Test func theStorePathIsFoundOneWay() {
        #expect(StoreLocation.path(option: "a.db", job: "jobs/b.db") == "a.db")
        #expect(StoreLocation.path(option: nil, job: "jobs/b.db") == "jobs/b.db")
        let environment = ProcessInfo.processInfo.environment["TALLY_DB"].flatMap { $0.isEmpty ? nil : $0 }
        #expect(StoreLocation.path(option: nil) == environment ?? "tally.db")
    }
}
