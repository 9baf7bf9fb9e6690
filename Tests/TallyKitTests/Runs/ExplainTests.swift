import Foundation
import Testing
import TestSupport
@testable import TallyKit

extension StoreHarness {
    /// `tally explain ENTITY KEY FIELD`: the one field's explanation.
    func explain(_ entity: String, _ key: String, _ field: String) throws -> FieldExplanation {
        let definition = database.registry.entity(named: entity)!
        let record = try #require(try RecordHistory(database).find(entity: definition, key: key).first)
        return try #require(try Explainer(database).explain(entity: definition, record: record, field: field).first)
    }
}

/// `tally explain`: one test per deciding rule, each with the candidates that lost.
@Suite("Explain")
struct ExplainTests {
    static let rules = PrecedenceTests.rules
    static let header = PrecedenceTests.header

    @Test func firstLoadNamesTheRunSourceFileAndRowThatSetTheValue() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00",
                                               "db,cmdb_ci_server,SN2,10.0.0.2,,,linux,2026-01-01 00:00:00"]), entity: "ci", source: "discovery")
        let explained = try store.explain("ci", "db", "ip_address")
        #expect(explained.value == "10.0.0.2")
        #expect(explained.rule == "first_load")
        #expect(explained.run == 1 && explained.source == "discovery")
        #expect(explained.place?.file.hasSuffix("input-1.csv") == true)
        #expect(explained.place?.record == 2)
        #expect(explained.losers.isEmpty)
    }

    @Test func aChoiceShowsItsLabelBesideItsCode() throws {
        let store = try StoreHarness()
        try store.importText(csv(TimeTravelTests.header, [TimeTravelTests.row(1, version: 1, text: "one", state: 6)]), entity: "incident")
        let explained = try store.explain("incident", "INC0000001", "state")
        #expect(explained.value == "6" && explained.label == "Resolved")
    }

    @Test func aNewerVersionDecidesAndAStaleRowLoses() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00"]), entity: "ci", source: "discovery")
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux 9,2026-01-03 00:00:00"]), entity: "ci", source: "discovery")
        let stale = try store.importText(csv(Self.header, ["other,cmdb_ci_server,SN9,10.0.0.9,,,bsd,2026-01-05 00:00:00",
                                                           "web,cmdb_ci_server,SN1,10.0.0.1,,,linux 8,2026-01-02 00:00:00"]), entity: "ci", source: "manual")
        #expect(stale.counts.skippedStale == 1)
        let explained = try store.explain("ci", "web", "os")
        #expect(explained.value == "linux 9")
        #expect(explained.rule == "newest_version" && explained.run == 2)
        let loser = try #require(explained.losers.first)
        #expect(loser.why == "stale" && loser.value == "linux 8" && loser.source == "manual" && loser.run == stale.run!)
        #expect(loser.place?.record == 2)
        // A field the stale row did not dispute has no loser.
        #expect(try store.explain("ci", "web", "ip_address").losers.isEmpty)
    }

    @Test func precedenceOwnerAndWriteIfEmptyNameThePolicyAndTheLosers() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,A-1,linux,2026-01-01 00:00:00"]),
                             entity: "ci", source: "discovery", precedence: Self.rules)
        let manual = try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.9.9.9,,A-2,linux,2026-01-02 00:00:00"]),
                                          entity: "ci", source: "manual", precedence: Self.rules)
        let owner = try store.explain("ci", "web", "ip_address")
        #expect(owner.value == "10.0.0.1" && owner.rule == "precedence.owner" && owner.source == "discovery")
        #expect(owner.reason.contains("ranks below 'discovery'"))
        #expect(owner.losers.map(\.why) == ["lower_precedence"])
        #expect(owner.losers.first?.value == "10.9.9.9" && owner.losers.first?.run == manual.run! && owner.losers.first?.source == "manual")
        #expect(owner.losers.first?.place?.record == 1)
        let once = try store.explain("ci", "web", "asset_tag")
        #expect(once.value == "A-1" && once.rule == "precedence.write_if_empty")
        #expect(once.losers.map(\.why) == ["write_if_empty"] && once.losers.first?.value == "A-2")
    }

    @Test func aSameVersionTieNamesTheValueThatLost() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,alpha,2026-01-01 00:00:00"]), entity: "ci", source: "a")
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,beta,2026-01-01 00:00:00"]), entity: "ci", source: "b")
        let explained = try store.explain("ci", "web", "os")
        #expect(explained.rule == "same_version")
        #expect(explained.value == "beta")  // the larger value wins, whatever the order
        #expect(explained.losers.map(\.why) == ["same_version_tie"])
        #expect(explained.losers.first?.value == "alpha" && explained.losers.first?.source == "a")
    }

    @Test func aRolledBackChangeLosesAndARerunIsNamed() throws {
        let store = try StoreHarness()
        let first = try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00"]), entity: "ci", source: "discovery")
        let bad = try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,windows,2026-01-02 00:00:00"]), entity: "ci", source: "discovery")
        let rollback = try store.rollback(bad.run!)
        let explained = try store.explain("ci", "web", "os")
        #expect(explained.value == "linux" && explained.rule == "rollback" && explained.run == first.run!)
        #expect(explained.losers.map(\.why) == ["rolled_back"])
        #expect(explained.losers.first?.value == "windows" && explained.losers.first?.message.contains("run \(rollback.run!) rolled that run back") == true)

        // The first run rolled back and rerun: the values are the rerun's, and it says whose rerun it is.
        _ = try store.rollback(rollback.run!)   // bad stands again
        let store2 = try StoreHarness()
        let run1 = try store2.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00"]), entity: "ci", source: "discovery")
        _ = try store2.rollback(run1.run!)
        let rerun = try Importer(database: store2.database).run(try Rerun(database: store2.database).request(for: run1.run!, command: "test"))
        let reran = try store2.explain("ci", "web", "os")
        #expect(reran.run == rerun.run! && reran.rule == "first_load")
        #expect(reran.reason.contains("reran run \(run1.run!)"))
    }

    @Test func aRetirementIsNamedAsTheSnapshotsDoing() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00",
                                               "db,cmdb_ci_server,SN2,10.0.0.2,,,linux,2026-01-01 00:00:00"]), entity: "ci", source: "discovery")
        let snapshot = try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00"]),
                                            entity: "ci", source: "discovery", force: true, snapshot: SnapshotOptions(maxRetire: 1))
        let explained = try store.explain("ci", "db", "install_status")
        #expect(explained.value == "7" && explained.rule == "snapshot_retired" && explained.run == snapshot.run!)
    }

    @Test func aMajorCasesDerivedFieldSaysItFollowsItsCandidate() throws {
        let store = try StoreHarness()
        _ = try store.importText(csv(MajorCaseRulesTests.header, [
            MajorCaseRulesTests.row("CS0000001", ["INC0000001", "", "", ""], state: "accepted"),
            MajorCaseRulesTests.row("CS0000002", ["INC0000002", "PRB0000002", "", ""], parent: "CS0000001", state: "proposed"),
        ]), entity: "case")
        let derived = try store.explain("case", "CS0000001", "problem")
        #expect(derived.value == "PRB0000002" && derived.rule == "derived_major_case")
        #expect(try store.explain("case", "CS0000001", "incident").rule == "first_load")  // its own
    }

    @Test func aChildsReadOnlyChangeNamesTheValueTheRuleWouldHaveKept() throws {
        let store = try StoreHarness()
        _ = try store.importText(csv(MajorCaseRulesTests.header, [
            MajorCaseRulesTests.row("CS0000001", state: "accepted"),
            MajorCaseRulesTests.row("CS0000002", ["INC0000001", "", "", ""], parent: "CS0000001", state: "proposed"),
        ]), entity: "case")
        let changed = try store.importText(csv(MajorCaseRulesTests.header, [
            MajorCaseRulesTests.row("CS0000002", ["INC0000003", "", "", ""], parent: "CS0000001", state: "proposed", version: 3),
        ]), entity: "case")
        let explained = try store.explain("case", "CS0000002", "incident")
        #expect(explained.value == "INC0000003" && explained.rule == "newest_version" && explained.run == changed.run!)
        let loser = try #require(explained.losers.first)
        #expect(loser.why == "read_only" && loser.value == "INC0000001" && loser.run == changed.run! && loser.place?.line == 2)
    }
}
