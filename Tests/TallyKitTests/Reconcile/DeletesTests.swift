import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

@Suite("Deletes (sys_audit_delete)")
struct DeletesTests {
    static let header = "sys_id,number,state,active,sys_updated_on,sys_mod_count"
    static let deletesHeader = "sys_id,tablename,documentkey,sys_created_on,sys_created_by"

    /// Three live incidents, A, B and C, last changed on 2026-01-02.
    func storeWithIncidents() throws -> StoreHarness {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["A", "B", "C"].enumerated().map { index, label in
            "\(sysID(label)),INC000000\(index + 1),2,true,2026-01-02 00:00:00,3"
        }), entity: "incident")
        return store
    }

    func deleteRow(_ label: String, table: String = "incident", at time: String = "2026-01-05 08:00:00") -> String {
        "\(sysID("delete of \(label)")),\(table),\(sysID(label)),\(time),admin"
    }

    func holds(_ store: StoreHarness) throws -> Bool {
        var check = StoreCheck(database: store.database)
        check.isAlive = { _ in true }
        let report = try check.run()
        if !report.holds { Issue.record("tally check: \(report.problems.map(\.message))") }
        return report.holds
    }

    @Test func aLiveRecordIsKeptMarkedDeletedRetiredAndAudited() throws {
        let store = try storeWithIncidents()
        let result = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A")]))
        #expect(result.status == .committed)
        #expect(result.counts.read == 1 && result.counts.updated == 1 && result.counts.retired == 1)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 3)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE sys_id = ?", [.text(sysID("A"))]) == "2026-01-05 08:00:00")
        #expect(try store.value("SELECT active FROM entity_incident WHERE sys_id = ?", [.text(sysID("A"))]) == "0")
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE retired_in_run = 2") == 1)
        let audited = try store.connection.rows("SELECT field, old, new FROM audit WHERE run = 2 ORDER BY id").map { $0.map(\.text) }
        #expect(audited == [["active", "true", "false"], ["retired_in_run", nil, "2"], ["_deleted_at", nil, "2026-01-05 08:00:00"]])
        #expect(try holds(store))
    }

    @Test func everyCaseIsCountedOnceAndTheCountsConserve() throws {
        let store = try storeWithIncidents()
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("B")]))
        let result = try store.importDeletes(csv(Self.deletesHeader, [
            deleteRow("A"),                                        // live: deleted
            deleteRow("B"),                                        // already deleted: unchanged
            deleteRow("C", at: "2026-01-01 00:00:00"),             // older than the stored version: restored later, stale
            deleteRow("never imported"),                           // not in the store: unchanged, a warning
            "\(sysID("x")),incident,,2026-01-05 08:00:00,admin",   // no documentkey: rejected
            "\(sysID("y")),,\(sysID("A")),2026-01-05 08:00:00,admin",  // no tablename and no --entity: rejected
            deleteRow("A", table: "sys_user"),                     // a table no entity has: rejected
            "\(sysID("z")),incident,\(sysID("C")),someday,admin",  // no time: rejected
        ]))
        let c = result.counts
        let named: [Int] = [c.read, c.inserted, c.updated, c.unchanged, c.skippedStale, c.rejected, c.retired, c.warnings]
        #expect(named == [8, 0, 1, 2, 1, 4, 1, 1])
        #expect(c.isConserved)
        let rules = try store.connection.rows("SELECT rule, rejected FROM findings WHERE run = 3 ORDER BY id").map { "\($0[0].text ?? "")/\($0[1].integer ?? -1)" }
        #expect(rules == ["delete.unknown_record/0", "delete.missing_key/1", "delete.missing_key/1", "delete.unknown_table/1", "delete.time/1"])
        #expect(try store.value("SELECT message FROM findings WHERE rule = 'delete.unknown_table'")?.contains("'sys_user' is no table Tally loads") == true)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE sys_id = ?", [.text(sysID("C"))]) == nil)
        #expect(try holds(store))
    }

    @Test func theEntityComesFromTheTableNameAClassOrEntity() throws {
        let store = try StoreHarness()
        try store.importText(csv("sys_id,name,sys_class_name,install_status,sys_updated_on", [
            "\(sysID("ci-1")),web-01,cmdb_ci_linux_server,1,2026-01-01 00:00:00",
        ]), entity: "ci")
        try store.importText(csv(Self.header, ["\(sysID("A")),INC0000001,2,true,2026-01-02 00:00:00,3"]), entity: "incident")
        let result = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("ci-1", table: "cmdb_ci_linux_server")]))
        #expect(result.counts.retired == 1)
        #expect(try store.value("SELECT install_status FROM entity_ci") == "7")
        // A run that changed the CMDB records its health for the trend.
        #expect(try store.count("SELECT count(*) FROM cmdb_health_history WHERE run = ?", [.integer(try #require(result.run))]) == 1)
        // With --entity, rows without a tablename are of it; a row naming another table is refused.
        let forced = try store.importDeletes(csv("documentkey,sys_created_on", ["\(sysID("A")),2026-01-05 00:00:00"]), entity: "incident")
        #expect(forced.counts.retired == 1)
        let other = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A", table: "problem")]), entity: "incident")
        #expect(other.counts.rejected == 1)
        #expect(DeletesTests.entity("sn_customerservice_case") == "case")
        #expect(DeletesTests.entity("cmdb_ci_some_custom_class") == "ci")
        #expect(DeletesTests.entity("cmdb_rel_ci") == "ci_relationship")
        #expect(DeletesTests.entity("sys_user") == nil)
    }

    static func entity(_ table: String) -> String? {
        RecordDeletion.entity(forTable: table, in: .standard)?.name
    }

    @Test func theTableAPIShapeIsReadToo() throws {
        let store = try storeWithIncidents()
        let json = """
            {"result":[{"sys_id":"\(sysID("d"))","tablename":"incident","documentkey":"\(sysID("A"))","sys_created_on":"2026-01-05 08:00:00","sys_created_by":"admin"}]}
            """
        let result = try store.importDeletes(json, fileExtension: "json")
        #expect(result.counts.retired == 1)
        #expect(result.inputs.first?.format == "json")
    }

    @Test func aRollbackRestoresExactlyAndTheCheckHolds() throws {
        let store = try storeWithIncidents()
        let before = try store.connection.rows("SELECT * FROM entity_incident ORDER BY _id").map { $0.map(\.text) }
        let feed = try store.extract("incident")
        let deleted = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A"), deleteRow("B")]))
        #expect(try store.extract("incident") != feed)
        let rollback = try store.rollback(try #require(deleted.run))
        #expect(rollback.status == .committed)
        #expect(try store.extract("incident") == feed)
        let after = try store.connection.rows("SELECT * FROM entity_incident ORDER BY _id").map { row in row.map(\.text) }
        // Every field and mark as before (the bookkeeping of who wrote it last aside).
        let table = try store.connection.rows("SELECT name FROM pragma_table_info('entity_incident')").map { $0[0].text ?? "" }
        let compared = table.indices.filter { !["_updated_run", "_hash", "_input_hash"].contains(table[$0]) }
        #expect(after.map { row in compared.map { row[$0] } } == before.map { row in compared.map { row[$0] } })
        #expect(try holds(store))
    }

    @Test func aNewerVersionRestoresItAndAnOlderOneIsStale() throws {
        let store = try storeWithIncidents()
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A")]))
        // Older than the delete (a late export of a version between the stored one and the delete): stale.
        let late = try store.importText(csv(Self.header, ["\(sysID("A")),INC0000001,3,true,2026-01-04 00:00:00,4"]), entity: "incident")
        #expect(late.counts.skippedStale == 1)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE number = 'INC0000001'") != nil)
        // Restored on the platform and changed after the delete: a new version, live again.
        let restored = try store.importText(csv(Self.header, ["\(sysID("A")),INC0000001,3,true,2026-01-06 00:00:00,5"]), entity: "incident")
        #expect(restored.counts.updated == 1)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE number = 'INC0000001'") == nil)
        #expect(try store.value("SELECT retired_in_run FROM entity_incident WHERE number = 'INC0000001'") == nil)
        #expect(try store.extract("incident").contains("INC0000001"))
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 4 AND field = '_deleted_at' AND new IS NULL") == 1)
        #expect(try holds(store))
        // Rolling the restore back deletes it again.
        _ = try store.rollback(4)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE number = 'INC0000001'") == "2026-01-05 08:00:00")
        #expect(try holds(store))
    }

    /// Deleted, restored and changed on the platform, then deleted again: the later delete time
    /// stands, so a late export of the version between the two deletes does not bring it back.
    @Test func aLaterDeleteOfADeletedRecordMovesItsTimeAndARollbackMovesItBack() throws {
        let store = try storeWithIncidents()
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A")]))
        let again = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A", at: "2026-01-09 08:00:00")]))
        #expect(again.counts.updated == 1 && again.counts.retired == 0 && again.counts.isConserved)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE number = 'INC0000001'") == "2026-01-09 08:00:00")
        // The same delete time again, or an earlier one, changes nothing.
        let same = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A", at: "2026-01-09 08:00:00"), deleteRow("A")]))
        #expect(same.counts.unchanged == 2)
        let between = try store.importText(csv(Self.header, ["\(sysID("A")),INC0000001,3,true,2026-01-06 00:00:00,5"]), entity: "incident")
        #expect(between.counts.skippedStale == 1)
        #expect(try !store.extract("incident").contains("INC0000001"))
        #expect(try holds(store))
        // Rolling the second delete back puts the first time back; the version in between then restores it.
        let secondRun = try #require(again.run)
        _ = try store.rollback(secondRun + 2)   // the runs after it (the unchanged deletes, the stale import) first
        _ = try store.rollback(secondRun + 1)
        _ = try store.rollback(secondRun)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE number = 'INC0000001'") == "2026-01-05 08:00:00")
        #expect(try holds(store))
        let restored = try store.importText(csv(Self.header, ["\(sysID("A")),INC0000001,3,true,2026-01-06 00:00:00,5"]), entity: "incident")
        #expect(restored.counts.updated == 1)
        #expect(try store.extract("incident").contains("INC0000001"))
    }

    @Test func extractsLeaveDeletedRecordsOutUnlessAsked() throws {
        let store = try storeWithIncidents()
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("B")]))
        let plain = try store.extract("incident")
        #expect(plain.contains("INC0000001") && !plain.contains("INC0000002"))
        let sink = MemoryOutputSink(name: "extract")
        let extractor = Extractor(database: store.database)
        _ = try extractor.write(ExtractRequest(names: ["incident"], includeDeleted: true), to: sink)
        let lines = sink.string.split(separator: "\n")
        #expect(lines.first?.hasSuffix(",deleted_at") == true)
        #expect(lines.count == 4)
        #expect(lines.first { $0.contains("INC0000002") }?.hasSuffix(",2026-01-05 08:00:00") == true)
        #expect(lines.first { $0.contains("INC0000001") }?.hasSuffix(",") == true)
        // Parquet types the deletion time as a timestamp.
        let incident = try #require(store.database.registry.entity(named: "incident"))
        let typed = try EntityExtract(incident, includeDeleted: true).typedColumns(in: store.connection)
        #expect(typed.last == ReportColumn("deleted_at", .datetime))
    }

    @Test func reportsTreatDeletedRecordsAsGone() throws {
        let store = try storeWithIncidents()
        func backlog() throws -> String {
            let sink = MemoryOutputSink(name: "extract")
            _ = try Extractor(database: store.database).write(ExtractRequest(names: ["incident_metrics"]), to: sink)
            return sink.string
        }
        let before = try backlog()
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("B")]))
        let after = try backlog()
        #expect(before != after)
        #expect(before.contains(",3,") && after.contains(",2,"))
    }

    @Test func aDryRunSaysWhatItWouldDeleteAndWritesNothing() throws {
        let store = try storeWithIncidents()
        let result = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A")]), dryRun: true)
        #expect(result.status == .dryRun)
        #expect(result.changes.map(\.line).contains("deleted incident INC0000001 at 2026-01-05 08:00:00"))
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE _deleted_at IS NOT NULL") == 0)
        #expect(try store.count("SELECT count(*) FROM runs") == 1)
    }

    @Test func aDeleteBeforeItsRecordArrivesBuriesOlderVersionsNotNewerOnes() throws {
        let store = try StoreHarness()
        let ghost = sysID("ghost")
        let result = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("ghost")]))
        #expect(result.counts.unchanged == 1 && result.counts.warnings == 1)
        #expect(try store.count("SELECT count(*) FROM delete_tombstones") == 1)
        // A late export of a version older than the delete: skipped as stale, not brought back.
        let late = try store.importText(csv(Self.header, ["\(ghost),INC0000009,2,true,2026-01-04 00:00:00,1"]), entity: "incident")
        #expect(late.counts.skippedStale == 1 && late.counts.inserted == 0)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 0)
        // Restored on the platform after the delete: inserted.
        let restored = try store.importText(csv(Self.header, ["\(ghost),INC0000009,2,true,2026-01-07 00:00:00,2"]), entity: "incident")
        #expect(restored.counts.inserted == 1)
        // Rolling the deletes run back drops its tombstones.
        _ = try store.rollback(1)
        #expect(try store.count("SELECT count(*) FROM delete_tombstones") == 0)
        #expect(try holds(store))
    }

    /// Picks up feed `name` of incidents: each row's number and op, in delivery order.
    func pickUp(_ store: StoreHarness, feed: String) throws -> [String] {
        let sink = MemoryOutputSink(name: "feed")
        _ = try Extractor(database: store.database).write(ExtractRequest(names: ["incident"], feed: feed), to: sink)
        let lines = sink.string.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix(",op") == true)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return "\(cells[1]) \(cells.last!)"
        }
    }

    @Test func aFeedSaysCreateUpdateOrDeleteInCursorOrderAndDeliversTheDeleted() throws {
        let store = try storeWithIncidents()
        // One second: in sys_id order, every record new to the feed.
        let first = [("INC0000001", sysID("A")), ("INC0000002", sysID("B")), ("INC0000003", sysID("C"))].sorted { $0.1 < $1.1 }.map { "\($0.0) c" }
        #expect(try pickUp(store, feed: "dwh") == first)
        // A change, a new record and a delete (C stays as it was, so it is not delivered again).
        try store.importText(csv(Self.header, [
            "\(sysID("A")),INC0000001,3,true,2026-01-03 00:00:00,4",
            "\(sysID("D")),INC0000004,1,true,2026-01-04 00:00:00,1",
        ]), entity: "incident")
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("B")]))
        // Cursor order: (sys_updated_on, sys_id, _id); B keeps its last version's time.
        let expected = [("INC0000002", "2026-01-02 00:00:00", sysID("B"), "d"), ("INC0000001", "2026-01-03 00:00:00", sysID("A"), "u"),
                        ("INC0000004", "2026-01-04 00:00:00", sysID("D"), "c")]
            .sorted { ($0.1, $0.2) < ($1.1, $1.2) }.map { "\($0.0) \($0.3)" }
        #expect(try pickUp(store, feed: "dwh") == expected)
        #expect(try pickUp(store, feed: "dwh") == [])
        // Restored: changed again, so delivered as an update.
        try store.importText(csv(Self.header, ["\(sysID("B")),INC0000002,2,true,2026-01-09 00:00:00,9"]), entity: "incident")
        #expect(try pickUp(store, feed: "dwh") == ["INC0000002 u"])
    }

    @Test func thePastSeesTheDeleteAtItsRunAndTheHistoryAsARetirement() throws {
        let store = try storeWithIncidents()
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A")]))                 // run 2
        try store.importText(csv(Self.header, ["\(sysID("A")),INC0000001,3,true,2026-01-06 00:00:00,5"]), entity: "incident")  // run 3
        func extract(_ request: ExtractRequest) throws -> String {
            let sink = MemoryOutputSink(name: "extract")
            _ = try Extractor(database: store.database).write(request, to: sink)
            return sink.string
        }
        #expect(try extract(ExtractRequest(names: ["incident"], asOf: AsOf(run: 1))).contains("INC0000001"))
        #expect(try !extract(ExtractRequest(names: ["incident"], asOf: AsOf(run: 2))).contains("INC0000001"))
        #expect(try extract(ExtractRequest(names: ["incident"], asOf: AsOf(run: 3))).contains("INC0000001"))
        // Source time: gone from the platform's delete on, back from the restoring version's time.
        #expect(try extract(ExtractRequest(names: ["incident"], asOf: AsOf(time: "2026-01-05 07:59:59"))).contains("INC0000001"))
        #expect(try !extract(ExtractRequest(names: ["incident"], asOf: AsOf(time: "2026-01-05 08:00:00"))).contains("INC0000001"))
        #expect(try extract(ExtractRequest(names: ["incident"], asOf: AsOf(time: "2026-01-06 00:00:00"))).contains("INC0000001"))
        let history = try extract(ExtractRequest(names: ["incident"], format: .ndjson, history: true))
        let changes = history.split(separator: "\n").filter { $0.contains("INC0000001") }.compactMap { line in
            line.range(of: #""change":""#).map { String(line[$0.upperBound...].prefix { $0 != "\"" }) }
        }
        #expect(changes == ["inserted", "retired", "restored"])
    }

    @Test func aStoreFromBeforeTheDeletesIsReadAfterItGainsTheColumn() throws {
        let store = try storeWithIncidents()
        try store.connection.execute("ALTER TABLE entity_incident DROP COLUMN _deleted_at")
        let reader = try TallyDatabase.open(path: store.database.path, readOnly: true)
        let sink = MemoryOutputSink(name: "extract")
        _ = try Extractor(database: reader).write(ExtractRequest(names: ["incident"]), to: sink)
        #expect(sink.string.split(separator: "\n").count == 4)
        #expect(try store.count("SELECT count(*) FROM pragma_table_info('entity_incident') WHERE name = '_deleted_at'") == 1)
    }

    /// A delete time in the future would keep the record stale against every version until then: refused.
    @Test func aDeleteTimeInTheFutureIsRejectedAndTheRecordStaysLive() throws {
        let store = try storeWithIncidents()
        let result = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A", at: "9999-12-31 23:59:59")]))
        #expect(result.counts.rejected == 1 && result.counts.isConserved)
        #expect(try store.value("SELECT _deleted_at FROM entity_incident WHERE number = 'INC0000001'") == nil)
        #expect(try store.count("SELECT count(*) FROM findings WHERE rule = 'delete.time' AND message LIKE '%in the future%'") == 1)
        #expect(try holds(store))
    }

    /// A read adds a missing column but builds no index (that could hold the store for seconds);
    /// the next open for writing does.
    @Test func aReadAddsColumnsButLeavesIndexesToTheNextWrite() throws {
        let store = try storeWithIncidents()
        try store.connection.execute("ALTER TABLE entity_incident DROP COLUMN _deleted_at")
        try store.connection.execute("DROP INDEX entity_incident_by_cmdb_ci")
        let index = "SELECT count(*) FROM sqlite_master WHERE name = 'entity_incident_by_cmdb_ci'"
        _ = try TallyDatabase.open(path: store.database.path, readOnly: true)
        #expect(try store.count("SELECT count(*) FROM pragma_table_info('entity_incident') WHERE name = '_deleted_at'") == 1)
        #expect(try store.count(index) == 0)
        _ = try TallyDatabase.open(path: store.database.path, access: .write)
        #expect(try store.count(index) == 1)
    }

    @Test func explainNamesTheDeleteAndTheRestore() throws {
        let store = try storeWithIncidents()
        let deleted = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A")]))
        let explained = try store.explain("incident", "INC0000001", "active")
        #expect(explained.rule == "deleted" && explained.run == deleted.run && explained.value == "false")
        #expect(explained.reason.contains("deleted the record at 2026-01-05 08:00:00"))
        let restored = try store.importText(csv(Self.header, ["\(sysID("A")),INC0000001,3,true,2026-01-06 00:00:00,5"]), entity: "incident")
        let state = try store.explain("incident", "INC0000001", "state")
        #expect(state.rule == "restored" && state.run == restored.run)
    }

    @Test func aFixedRejectFedBackIsRecovered() throws {
        let store = try storeWithIncidents()
        let first = try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A"), "\(sysID("x")),incident,,2026-01-05 08:00:00,admin"]))
        let run = try #require(first.run)
        #expect(first.counts.rejected == 1)
        let place = try #require(try store.connection.rows("SELECT file, line, record FROM findings WHERE run = ? AND rejected = 1", [.integer(run)]).first)
        // The row fixed in a spreadsheet, with the reject export's columns.
        let fixed = try store.importDeletes(csv("_reject_run,_reject_file,_reject_line,_reject_record," + Self.deletesHeader, [
            "\(run),\(place[0].text ?? ""),\(place[1].integer ?? 0),\(place[2].integer ?? 0),\(sysID("x")),incident,\(sysID("B")),2026-01-05 08:00:00,admin",
        ]))
        #expect(fixed.counts.updated == 1 && fixed.counts.recovered == 1 && fixed.parentRun == run)
        #expect(try RejectStore(store.database).rejects(run: run, all: false).isEmpty)
        #expect(try holds(store))
    }

    @Test func aRestoreFromAnExportWithoutTheRetireFieldPutsItsValueBack() throws {
        let store = try storeWithIncidents()
        try store.importDeletes(csv(Self.deletesHeader, [deleteRow("A")]))
        #expect(try store.value("SELECT active FROM entity_incident WHERE number = 'INC0000001'") == "0")
        let restored = try store.importText(csv("sys_id,number,state,sys_updated_on", ["\(sysID("A")),INC0000001,3,2026-01-06 00:00:00"]), entity: "incident")
        #expect(restored.counts.updated == 1)
        #expect(try store.value("SELECT active FROM entity_incident WHERE number = 'INC0000001'") == "1")
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 3 AND field = 'active' AND old = 'false' AND new = 'true'") == 1)
        #expect(try holds(store))
        _ = try store.rollback(3)
        #expect(try store.value("SELECT active FROM entity_incident WHERE number = 'INC0000001'") == "0")
        #expect(try holds(store))
    }
}
