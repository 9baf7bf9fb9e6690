import Foundation
import Testing
@testable import TallyKit
import TallyStore

@Suite("Attribute precedence")
struct PrecedenceTests {
    static let rules = """
        {"ci": {"ip_address": {"policy": "owner", "sources": ["discovery", "manual"]},
                "owned_by":   {"policy": "owner", "sources": ["manual", "discovery"]},
                "asset_tag":  {"policy": "write_if_empty"},
                "*":          {"policy": "any"}}}
        """
    static let header = "name,sys_class_name,serial_number,ip_address,owned_by,asset_tag,os,sys_updated_on"

    @Test func aLowerSourceCannotOverwriteAnOwnersValueAndTheAttemptIsAConflict() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00"]),
                             entity: "ci", source: "discovery", precedence: Self.rules)
        let manual = try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.9.9.9,Ann Lee,A-1,linux,2026-01-02 00:00:00"]),
                                          entity: "ci", source: "manual", precedence: Self.rules)
        #expect(manual.counts.conflicts == 1)
        #expect(manual.counts.updated == 1)
        #expect(try store.value("SELECT ip_address FROM entity_ci") == "10.0.0.1")   // discovery owns it
        // A name is the display value (owned_by keeps sys_ids only); it follows owned_by's rule.
        #expect(try store.value("SELECT owned_by_display FROM entity_ci") == "Ann Lee")      // empty: anyone may fill it
        let conflict = try store.connection.rows("SELECT field, stored, stored_source, incoming, source, rule FROM conflicts").map { $0.map(\.text) }
        #expect(conflict == [["ip_address", "10.0.0.1", "discovery", "10.9.9.9", "manual", "precedence.owner"]])

        // Discovery may not change owned_by now that manual (ranked higher for it) set it; asset_tag is set once.
        let discovery = try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.2,Bob Roy,A-2,linux 9,2026-01-03 00:00:00"]),
                                             entity: "ci", source: "discovery", precedence: Self.rules)
        #expect(discovery.counts.conflicts == 2)
        #expect(try store.value("SELECT ip_address || '|' || owned_by_display || '|' || asset_tag || '|' || os FROM entity_ci") == "10.0.0.2|Ann Lee|A-1|linux 9")
        #expect(try store.count("SELECT count(*) FROM conflicts WHERE rule = 'precedence.write_if_empty' AND field = 'asset_tag'") == 1)
    }

    @Test func historyTellsWhichSourceAndRunLastSetEachAttribute() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,,,linux,2026-01-01 00:00:00"]), entity: "ci", source: "discovery")
        try store.importText(csv(Self.header, ["web,cmdb_ci_server,SN1,10.0.0.1,Ann Lee,,linux,2026-01-02 00:00:00"]), entity: "ci", source: "manual")
        let entity = store.database.registry.entity(named: "ci")!
        let history = RecordHistory(store.database)
        let record = try #require(try history.find(entity: entity, key: "web").first)
        let setters = Dictionary(uniqueKeysWithValues: try history.lastSetters(entity: entity, record: record).map { ($0.field, $0) })
        #expect(setters["owned_by_display"]?.source == "manual")
        #expect(setters["owned_by_display"]?.run == 2)
        #expect(setters["ip_address"]?.source == "discovery")
        #expect(setters["ip_address"]?.run == 1)
    }

    @Test func aPrecedenceFileNamingAnUnknownFieldIsRefused() throws {
        let store = try StoreHarness()
        #expect(throws: ImportFailure.self) {
            try store.importText(csv(Self.header, []), entity: "ci", precedence: #"{"ci": {"ip": {"policy": "any"}}}"#)
        }
        #expect(throws: ImportFailure.self) {
            try store.importText(csv(Self.header, []), entity: "ci", precedence: #"{"ci": {"ip_address": {"policy": "owner"}}}"#)
        }
    }
}
