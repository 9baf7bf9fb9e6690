import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

@Suite("tally dedupe: merge and distinct")
struct CIDedupeTests {
    static let keep = sysID("ci/keep"), drop = sysID("ci/drop"), other = sysID("ci/other")

    /// KEEP and DROP (one machine, its serial written two ways), with DROP holding what KEEP lacks,
    /// and an incident, a case and relationships pointing at DROP.
    func store(precedenceSource: String? = nil) throws -> StoreHarness {
        let store = try StoreHarness()
        try store.importText(csv("sys_id,name,sys_class_name,serial_number,mac_address,ip_address,location,sys_updated_on", [
            "\(Self.keep),web-01,cmdb_ci_linux_server,ABC-123,,10.0.0.1,,2026-05-01 00:00:00",
            "\(Self.other),app-01,cmdb_ci_appl,,,,,2026-05-01 00:00:00",
        ]), entity: "ci", source: "manual")
        try store.importText(csv("sys_id,name,sys_class_name,serial_number,mac_address,ip_address,location,sys_updated_on", [
            "\(Self.drop),WEB01-OLD,cmdb_ci_server,abc 123,00:11:22:33:44:55,10.0.0.9,Site North,2026-04-01 00:00:00",
        ]), entity: "ci", source: precedenceSource ?? "discovery")
        try store.importText(csv("sys_id,parent,child,type,sys_updated_on", [
            "\(sysID("rel/1")),\(Self.other),\(Self.drop),Runs on::Runs,2026-05-01 00:00:00",
            "\(sysID("rel/2")),\(Self.drop),\(Self.other),Hosts::Hosted on,2026-05-01 00:00:00",
        ]), entity: "ci_relationship")
        try store.importText(csv("sys_id,number,state,cmdb_ci,sys_updated_on", [
            "\(sysID("inc/1")),INC0090001,1,\(Self.drop),2026-05-02 00:00:00",
            "\(sysID("inc/2")),INC0090002,1,\(Self.keep),2026-05-02 00:00:00",
        ]), entity: "incident")
        try store.importText(csv("sys_id,number,state,cmdb_ci,sys_updated_on", [
            "\(sysID("case/1")),CS0090001,1,\(Self.drop),2026-05-02 00:00:00",
        ]), entity: "case")
        return store
    }

    func field(_ store: StoreHarness, _ table: String, _ column: String, _ sysID: String) throws -> String? {
        try store.value("SELECT \"\(column)\" FROM \(table) WHERE sys_id = ?", [.text(sysID)])
    }

    @Test func mergePointsEveryReferenceAtKeepFillsItsEmptyFieldsAndRetiresDrop() throws {
        let store = try store()
        let result = try CIDedupe(database: store.database).run([CIDedupeDecision(.merge, Self.keep, Self.drop)], command: "test")
        #expect(result.merged == 1 && result.status == .committed && result.counts.updated == 1 && result.counts.read == 1)
        #expect(result.counts.retired == 1 && result.counts.isConserved)
        #expect(try field(store, "entity_ci", "install_status", Self.drop) == "7")
        #expect(try field(store, "entity_ci", "install_status", Self.keep) == nil)
        #expect(try field(store, "entity_incident", "cmdb_ci", sysID("inc/1")) == Self.keep)
        #expect(try field(store, "entity_case", "cmdb_ci", sysID("case/1")) == Self.keep)
        #expect(try field(store, "entity_ci_relationship", "child", sysID("rel/1")) == Self.keep)
        #expect(try field(store, "entity_ci_relationship", "parent", sysID("rel/2")) == Self.keep)
        // Empty on KEEP, filled from DROP; KEEP's own values and identity stay.
        #expect(try field(store, "entity_ci", "mac_address", Self.keep) == "00:11:22:33:44:55")
        #expect(try field(store, "entity_ci", "location_display", Self.keep) == "Site North")
        #expect(try field(store, "entity_ci", "ip_address", Self.keep) == "10.0.0.1")
        #expect(try field(store, "entity_ci", "name", Self.keep) == "web-01")
        #expect(try field(store, "entity_ci", "serial_number", Self.keep) == "ABC-123")
        // One run, in the audit: what it changed, the source of a copied value kept for precedence.
        let run = try #require(result.run)
        #expect(try store.value("SELECT kind FROM runs WHERE id = ?", [.integer(run)]) == "dedupe")
        let audited = try store.connection.rows("SELECT entity || '.' || field FROM audit WHERE run = ? ORDER BY id", [.integer(run)]).map { $0[0].text ?? "" }
        #expect(audited.sorted() == ["case.cmdb_ci", "ci.install_status", "ci.location_display", "ci.mac_address", "ci_relationship.child", "ci_relationship.parent", "incident.cmdb_ci"], "\(audited)")
        #expect(try store.value("SELECT source FROM audit WHERE run = ? AND field = 'mac_address'", [.integer(run)]) == "discovery")
        let history = try RecordHistory(store.database).find(entity: store.database.registry.entity(named: "ci")!, key: Self.drop)
        #expect(history.count == 1)
        // Settled: the pair is no candidate any more (DROP is retired).
        let live = try CIDuplicateFinder.liveCIs(in: store.connection, registry: .standard)
        #expect(CIDuplicateFinder().pairs(among: live).isEmpty)
    }

    @Test func rollbackOfAMergeRestoresEveryFeed() throws {
        let store = try store()
        let before = try store.allFeeds()
        let result = try CIDedupe(database: store.database).run([CIDedupeDecision(.merge, Self.keep, Self.drop)], command: "test")
        #expect(try store.allFeeds() != before)
        _ = try store.rollback(try #require(result.run))
        #expect(try store.allFeeds() == before)
        #expect(try StoreCheck(database: store.database).run(repair: false).holds)
    }

    @Test func aMergeRespectsAnOwnerRuleWhereKeepHasAValue() throws {
        // discovery owns ip_address: DROP's discovered address replaces KEEP's manual one; location (any) stays KEEP's.
        let store = try store()
        let rules = PrecedenceRules(rules: ["ci": ["ip_address": .init(policy: .owner, sources: ["discovery", "manual"])]])
        _ = try CIDedupe(database: store.database, precedence: rules).run([CIDedupeDecision(.merge, Self.keep, Self.drop)], command: "test")
        #expect(try field(store, "entity_ci", "ip_address", Self.keep) == "10.0.0.9")
        let without = try self.store()
        _ = try CIDedupe(database: without.database).run([CIDedupeDecision(.merge, Self.keep, Self.drop)], command: "test")
        #expect(try field(without, "entity_ci", "ip_address", Self.keep) == "10.0.0.1")
    }

    @Test func aDryRunReportsTheChangesAndWritesNothing() throws {
        let store = try store()
        let before = try store.allFeeds()
        let runs = try store.count("SELECT count(*) FROM runs")
        let result = try CIDedupe(database: store.database).run([CIDedupeDecision(.merge, Self.keep, Self.drop)], dryRun: true, command: "test")
        #expect(result.status == .dryRun && result.run == nil)
        #expect(result.changes.contains { $0.entity == "incident" && $0.field == "cmdb_ci" && $0.new == Self.keep })
        #expect(result.changes.contains { $0.entity == "ci" && $0.field == "install_status" && $0.new == "7" })
        #expect(try store.allFeeds() == before)
        #expect(try store.count("SELECT count(*) FROM runs") == runs)
    }

    @Test func distinctKeepsThePairOutUntilItsRunIsRolledBack() throws {
        let store = try store()
        func candidates() throws -> Int {
            try CIDuplicateFinder(connection: store.connection).pairs(among: CIDuplicateFinder.liveCIs(in: store.connection, registry: .standard)).count
        }
        #expect(try candidates() == 1)
        let result = try CIDedupe(database: store.database).run([CIDedupeDecision(.distinct, "web-01", Self.drop)], command: "test")
        #expect(result.distinct == 1 && result.counts.updated == 1)
        #expect(try candidates() == 0)
        // Said again (either way round): already distinct, unchanged.
        let again = try CIDedupe(database: store.database).run([CIDedupeDecision(.distinct, Self.drop, Self.keep)], command: "test")
        #expect(again.distinct == 0 && again.counts.unchanged == 1)
        _ = try store.rollback(try #require(again.run))
        _ = try store.rollback(try #require(result.run))
        #expect(try candidates() == 1)
    }

    @Test func decisionsTheStoreCannotCarryOutAreRejectedAndTheOthersGoAhead() throws {
        let store = try store()
        let decisions = [
            CIDedupeDecision(.merge, "no-such-ci", Self.drop, place: "d.csv:2"),
            CIDedupeDecision(.merge, Self.keep, Self.keep, place: "d.csv:3"),
            CIDedupeDecision(.merge, Self.keep, Self.drop, place: "d.csv:4"),
            CIDedupeDecision(.merge, Self.drop, Self.other, place: "d.csv:5"),  // DROP was just retired: no KEEP
        ]
        let result = try CIDedupe(database: store.database).run(decisions, command: "test")
        #expect(result.merged == 1 && result.counts.rejected == 3 && result.counts.read == 4)
        #expect(result.rejections.map(\.place) == ["d.csv:2", "d.csv:3", "d.csv:5"])
        #expect(result.rejections[0].message.contains("no CI with sys_id or name 'no-such-ci'"))
        #expect(result.rejections[2].message.contains("is retired"))
        #expect(throws: CIDedupe.Rejection.self) { try CIDedupe(database: store.database).check(CIDedupeDecision(.distinct, "x", "y")) }
    }

    @Test func aDecisionsFileIsReadFromTheFilledExtract() throws {
        let store = try store()
        let path = try Paths.write(csv("sys_id_a,name_a,class_a,sys_id_b,name_b,class_b,score,reasons,evidence,decision", [
            "\(Self.drop),WEB01-OLD,cmdb_ci_server,\(Self.keep),web-01,cmdb_ci_linux_server,0.80,serial,x,keep_b",
            "\(Self.keep),web-01,cmdb_ci_linux_server,\(Self.other),app-01,cmdb_ci_appl,0.40,name,x,",
            "\(Self.keep),web-01,cmdb_ci_linux_server,\(Self.other),app-01,cmdb_ci_appl,0.40,name,x,Distinct",
            "\(Self.keep),web-01,cmdb_ci_linux_server,\(Self.other),app-01,cmdb_ci_appl,0.40,name,x,merge please",
        ]), "decisions.csv", in: store.folder)
        let contents = try CIDedupeDecisionFile.read(path: path)
        #expect(contents.decisions == [CIDedupeDecision(.merge, Self.keep, Self.drop, place: "\(path):2"),
                                       CIDedupeDecision(.distinct, Self.keep, Self.other, place: "\(path):4")])
        #expect(contents.undecided == 1)
        #expect(contents.rejections.map(\.place) == ["\(path):5"])
        let result = try CIDedupe(database: store.database).run(contents.decisions, unread: contents.rejections, command: "test")
        #expect(result.merged == 1 && result.distinct == 1 && result.counts.rejected == 1 && result.counts.read == 3)
        #expect(result.counts.isConserved)
        let noColumn = try Paths.write("sys_id,name\nx,y\n", "plain.csv", in: store.folder)
        #expect(throws: CIDedupeDecisionFile.Unusable.self) { try CIDedupeDecisionFile.read(path: noColumn) }
    }
}
