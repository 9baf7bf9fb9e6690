import Foundation
import Testing
import TestSupport
import TallyStore
@testable import TallyKit

@Suite("A run's audit rows found by their id range")
struct AuditSpanTests {
    /// Each run's recorded range, and the one a scan of `audit.run` finds, keyed by run.
    func spans(_ store: StoreHarness) throws -> (recorded: [Int64: String], scanned: [Int64: String]) {
        func keyed(_ sql: String) throws -> [Int64: String] {
            Dictionary(uniqueKeysWithValues: try store.connection.rows(sql).map { row in
                (row[0].integer ?? -1, "\(row[1].integer.map(String.init) ?? "null")…\(row[2].integer.map(String.init) ?? "null")")
            })
        }
        return (try keyed("SELECT id, audit_first, audit_last FROM runs"),
                try keyed("SELECT r.id, min(a.id), max(a.id) FROM runs r LEFT JOIN audit a ON a.run = r.id GROUP BY r.id"))
    }

    @Test func everyRunRecordsTheFirstAndLastIDOfItsAuditRowsAndARunWithoutAnyRecordsNone() throws {
        let store = try RollbackTests.storeWhoseRun2UpdatesOneAndAddsOne()
        let header = "number,state,sys_updated_on,sys_mod_count"
        let unchanged = try store.importText(csv(header, ["INC0000002,1,2026-01-02 00:00:00,1"]), entity: "incident", force: true)
        #expect(unchanged.counts.unchanged == 1)
        let rollback = try #require(try store.rollback(2).run)
        let (recorded, scanned) = try spans(store)
        #expect(recorded.count == 4)
        #expect(recorded == scanned)
        #expect(recorded[1] == "1…1")                                  // the insert of INC0000001
        #expect(recorded[try #require(unchanged.run)] == "null…null")   // wrote no audit row
        #expect(recorded[rollback] != "null…null")
        #expect(try store.count("SELECT count(*) FROM sqlite_master WHERE name = 'audit_run'") == 0)
    }

    @Test func aRangeThatTakesInAnotherRunsRowsStillYieldsOnlyTheRunsOwnChanges() throws {
        let store = try RollbackTests.storeWhoseRun2UpdatesOneAndAddsOne()
        let before = try RecordChange.of(run: 1, connection: store.connection)
        #expect(before.map(\.line) == ["inserted incident INC0000001"])
        try store.connection.run("UPDATE runs SET audit_first = 1, audit_last = (SELECT max(id) FROM audit)")
        #expect(try RecordChange.of(run: 1, connection: store.connection) == before)
        #expect(try RecordChange.of(run: 2, connection: store.connection).count == 4)
    }

    @Test func aDryRunReportsItsChangesFromItsRangeAndLeavesNoneBehind() throws {
        let store = try RollbackTests.storeWhoseRun2UpdatesOneAndAddsOne()
        let header = "number,state,sys_updated_on,sys_mod_count"
        let dry = try store.importText(csv(header, ["INC0000001,3,2026-01-03 00:00:00,3", "INC0000003,1,2026-01-03 00:00:00,1"]),
                                       entity: "incident", dryRun: true)
        #expect(dry.changes.map(\.line).sorted() == [
            "incident INC0000001 state: 2 → 3",
            "incident INC0000001 sys_mod_count: 2 → 3",
            "incident INC0000001 sys_updated_on: 2026-01-02 00:00:00 → 2026-01-03 00:00:00",
            "inserted incident INC0000003",
        ])
        #expect(try store.count("SELECT count(*) FROM runs") == 2)
    }

    /// A store written before the ranges (schema version 1, with the `audit_run` index), made by
    /// taking the ranges (and versions 3 to 9: the major-case tables, the reject follow-up columns, `audit.input_row`,
    /// the report indexes and kept readings, explain's `stale_rows` and `conflicts.input_row`, the dedupe tables,
    /// the delete tombstones) off a current one.
    func downgradeToVersion1(_ path: String) throws {
        let connection = try Connection(path: path)
        try connection.execute("""
            DROP TABLE case_derived;
            ALTER TABLE case_journal DROP COLUMN link_field;
            CREATE INDEX audit_run ON audit (run);
            ALTER TABLE runs DROP COLUMN audit_last;
            ALTER TABLE runs DROP COLUMN audit_first;
            ALTER TABLE findings DROP COLUMN recovered_in_run;
            ALTER TABLE findings DROP COLUMN retried_in_run;
            ALTER TABLE audit DROP COLUMN input_row;
            DROP INDEX findings_rule;
            DROP INDEX findings_rejected;
            DROP TABLE report_readings;
            DROP TABLE stale_rows;
            DROP INDEX conflicts_record;
            ALTER TABLE conflicts DROP COLUMN input_row;
            DROP TABLE ci_distinct;
            DROP TABLE cmdb_health_history;
            DROP TABLE delete_tombstones;
            PRAGMA user_version = 1;
            """)
    }

    @Test func aStoreFromBeforeTheRangesGetsThemOnOpeningAndItsRunsStillRollBack() throws {
        let store = try RollbackTests.storeWhoseRun2UpdatesOneAndAddsOne()
        let (recorded, _) = try spans(store)
        let path = store.database.path
        try downgradeToVersion1(path)
        let reopened = try TallyDatabase.open(path: path)
        #expect(reopened.appliedMigrations == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(try reopened.connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'audit_run'").integer == 0)
        let migrated = try reopened.connection.rows("SELECT id, audit_first, audit_last FROM runs ORDER BY id").map { row in
            "\(row[0].integer ?? -1):\(row[1].integer ?? -1)…\(row[2].integer ?? -1)"
        }
        #expect(migrated == recorded.keys.sorted().map { "\($0):\(recorded[$0]!)" })
        let result = try Rollback(database: reopened).run(2, command: "test")
        #expect(result.status == .committed)
        #expect(result.changes.count == 4)
        #expect(try reopened.connection.scalar("SELECT count(*) FROM entity_incident").integer == 1)
        #expect(try StoreCheck(database: reopened).run().holds)
    }

    @Test func pruningWithForceRemovesThePrunedRunsRowsAndRangeAndNothingElse() throws {
        let store = try RollbackTests.storeWhoseRun2UpdatesOneAndAddsOne()
        let kept = try store.count("SELECT count(*) FROM audit WHERE run = 2")
        let result = try Pruning(database: store.database).prune(keeping: .runs(1), force: true, dryRun: false)
        #expect(result.runs == [1] && result.auditRowsRemoved == 1)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 1") == 0)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 2") == kept)
        #expect(try store.count("SELECT count(*) FROM runs WHERE id = 1 AND audit_first IS NULL AND audit_last IS NULL") == 1)
        #expect(try StoreCheck(database: store.database).run().holds)
    }
}
