import Foundation
import Testing
@testable import TallyKit
import TallyStore

@Suite("Identification")
struct IdentificationTests {
    static let ciHeader = "name,sys_class_name,serial_number,mac_address,sys_updated_on"

    @Test func cisSharingOneNameAreNotCollapsed() throws {
        let store = try StoreHarness()
        // 173 CIs named alike: distinct serials, and a few distinct classes.
        let rows = (1...173).map { "srv-shared,cmdb_ci_server\($0 % 3 == 0 ? "" : "_linux"),SN\($0),,2026-01-01 00:00:00" }
        let first = try store.importText(csv(Self.ciHeader, rows), entity: "ci")
        #expect(first.counts.inserted == 173)
        #expect(try store.count("SELECT count(*) FROM entity_ci WHERE name = 'srv-shared'") == 173)
        let again = try store.importText(csv(Self.ciHeader, rows), entity: "ci", force: true)
        #expect(again.counts.unchanged == 173)
        #expect(again.counts.inserted == 0)
    }

    @Test func aFirstImportFindsTheRecordsItInsertedBySysIDAndByNumber() throws {
        let store = try StoreHarness()
        let header = "sys_id,number,state,sys_updated_on,sys_mod_count"
        let a = sysID("a"), b = sysID("b")
        // Into an empty table: the same sys_id twice, a record with no sys_id that a later row
        // gives one, and then that sys_id under another number.
        let result = try store.importText(csv(header, [
            "\(a),INC0000001,1,2026-01-01 00:00:00,1",
            "\(a),INC0000001,2,2026-01-02 00:00:00,2",
            ",INC0000002,1,2026-01-01 00:00:00,1",
            "\(b),INC0000002,2,2026-01-02 00:00:00,2",
            "\(b),INC0000003,3,2026-01-03 00:00:00,3",
        ]), entity: "incident")
        // Two records; the later rows of each update it, in file order, each counted for what it did.
        // The renumbering row names its record by sys_id: not an identity collision.
        #expect(result.counts.inserted == 2 && result.counts.updated == 3, "\(result.counts)")
        #expect(result.counts.warnings == 0)
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 2)
        #expect(try store.value("SELECT state || number FROM entity_incident WHERE sys_id = ?", [.text(a)]) == "2INC0000001")
        #expect(try store.value("SELECT state || number FROM entity_incident WHERE sys_id = ?", [.text(b)]) == "3INC0000003")
    }

    @Test func theKeyFilterNeverForgetsAKeyAndRarelyImaginesOne() {
        var filter = KeyFilter()
        let keys = (0..<100_000).map { KeyFilter.Key(sysID("key-\($0)")) }
        for key in keys { filter.insert(key) }
        #expect(keys.allSatisfy(filter.mightContain))
        #expect(KeyFilter.Key(sysID("key-1")) == keys[1])  // the same text, the same key
        let strangers = (0..<100_000).filter { filter.mightContain(KeyFilter.Key(sysID("other-\($0)"))) }.count
        #expect(strangers < 100, "\(strangers) false positives in 100,000")
    }

    @Test func identificationFallsThroughTheRulesInOrder() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.ciHeader, [
            "web-01,cmdb_ci_server,SN1,aa:bb:cc:00:00:01,2026-01-01 00:00:00",
        ]), entity: "ci")
        // Serial + class match although the name changed.
        let renamed = try store.importText(csv(Self.ciHeader, ["web-01-renamed,cmdb_ci_server,SN1,aa:bb:cc:00:00:01,2026-01-02 00:00:00"]), entity: "ci")
        #expect(renamed.counts.updated == 1)
        // No serial: name + class match.
        let byName = try store.importText(csv("name,sys_class_name,sys_updated_on", ["web-01-renamed,cmdb_ci_server,2026-01-03 00:00:00"]), entity: "ci")
        #expect(byName.counts.updated == 1)
        // Only the MAC address matches, within the class (the CI has no serial on either side, so nothing disagrees).
        try store.connection.execute("UPDATE entity_ci SET serial_number = NULL")
        let byMAC = try store.importText(csv(Self.ciHeader, ["other-name,cmdb_ci_server,,aa:bb:cc:00:00:01,2026-01-04 00:00:00"]), entity: "ci")
        #expect(byMAC.counts.updated == 1)
        #expect(try store.count("SELECT count(*) FROM entity_ci") == 1)
    }

    /// A row naming a stored CI's sys_id with another serial number is another CI by its
    /// distinguishing key, and cannot take that sys_id: rejected with the reason, the run goes on
    /// (it used to fail the whole run on the sys_id's unique index). Both rows in one file: the
    /// second is identified by query, the record being written this run.
    @Test func aRowWhoseSysIDBelongsToAnotherCIBySerialIsRejectedNotFatal() throws {
        let store = try StoreHarness()
        let header = "sys_id,name,sys_class_name,serial_number,sys_updated_on"
        let result = try store.importText(csv(header, [
            "\(sysID("ci-1")),web-01,cmdb_ci_server,SN1,2026-01-01 00:00:00",
            "\(sysID("ci-1")),web-01,cmdb_ci_server,SN9,2026-01-02 00:00:00",
            "\(sysID("ci-2")),web-02,cmdb_ci_server,SN2,2026-01-01 00:00:00",
        ]), entity: "ci")
        #expect(result.status == .committed)
        #expect(result.counts.inserted == 2 && result.counts.rejected == 1 && result.counts.isConserved)
        #expect(try store.value("SELECT serial_number FROM entity_ci WHERE sys_id = ?", [.text(sysID("ci-1"))]) == "SN1")
        let message = try #require(try store.value("SELECT message FROM findings WHERE rule = 'sys_id_conflict'"))
        #expect(message.contains("serial_number (stored SN1, the row SN9)"), "\(message)")
    }

    /// However the row was identified, a write that would give its sys_id to a second record is
    /// rejected as `sys_id_conflict` and the run goes on: here the map identifies by number, so
    /// the sys_id rule is never tried (these rows used to fail the whole run on the unique index).
    @Test func aSysIDHeldByAnotherRecordIsRejectedWhicheverRuleIdentifiedTheRow() throws {
        let store = try StoreHarness()
        let header = "sys_id,number,state,short_description,sys_updated_on,sys_mod_count"
        try store.importText(csv(header, [
            "\(sysID("inc-1")),INC0000001,2,one,2026-03-01 10:00:00,1",
            "\(sysID("inc-2")),INC0000002,2,two,2026-03-01 10:00:00,1",
        ]), entity: "incident")
        try store.importText(csv("number,state,short_description,sys_updated_on,sys_mod_count",
                                 ["INC0000003,2,three,2026-03-01 10:00:00,1"]), entity: "incident")  // stored without a sys_id
        let byNumber = #"{"entity": "incident", "keys": [["number"]]}"#
        let result = try store.importText(csv(header, [
            "\(sysID("inc-2")),INC0000001,2,one again,2026-03-02 10:00:00,2",  // INC1 has another sys_id: a new record, whose sys_id is INC2's
            "\(sysID("inc-1")),INC0000009,2,nine,2026-03-02 10:00:00,1",       // new, with INC1's sys_id
            "\(sysID("inc-1")),INC0000003,2,three again,2026-03-02 10:00:00,2", // INC3 found, but it would take INC1's sys_id
            "\(sysID("inc-4")),INC0000004,2,four,2026-03-02 10:00:00,1",       // new, fine
        ]), entity: "incident", map: byNumber)
        #expect(result.status == .committed)
        #expect(result.counts.rejected == 3 && result.counts.inserted == 1 && result.counts.isConserved)
        let messages = try store.connection.rows("SELECT message FROM findings WHERE rule = 'sys_id_conflict' ORDER BY record").map { $0[0].text ?? "" }
        #expect(messages.count == 3)
        #expect(messages[0].contains("belongs to stored incident INC0000002") && messages[0].contains("nor be inserted beside it"), "\(messages)")
        #expect(messages[1].contains("belongs to stored incident INC0000001") && messages[1].contains("nor be inserted beside it"), "\(messages)")
        #expect(messages[2].contains("belongs to stored incident INC0000001") && messages[2].contains("nor give it to incident INC0000003"), "\(messages)")
        #expect(try store.value("SELECT short_description FROM entity_incident WHERE number = 'INC0000003'") == "three")
        #expect(try store.count("SELECT count(*) FROM entity_incident") == 4)
    }

    @Test func anEmptyValueNeverMatches() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.ciHeader, ["a,cmdb_ci_server,,,2026-01-01 00:00:00"]), entity: "ci")
        // Same (empty) serial and MAC, different name: a new CI, not a match on emptiness.
        let result = try store.importText(csv(Self.ciHeader, ["b,cmdb_ci_server,,,2026-01-01 00:00:00"]), entity: "ci")
        #expect(result.counts.inserted == 1)
    }

    @Test func severalMatchesRejectAsAmbiguousNamingTheCandidates() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.ciHeader, [
            "dup,cmdb_ci_server,SN1,,2026-01-01 00:00:00",
            "dup,cmdb_ci_server,SN2,,2026-01-01 00:00:00",
        ]), entity: "ci")
        let result = try store.importText(csv(Self.ciHeader, ["dup,cmdb_ci_server,,,2026-01-02 00:00:00"]), entity: "ci")
        #expect(result.counts.rejected == 1)
        let message = try store.value("SELECT message FROM findings WHERE rule = 'ambiguous_match'")
        // Which key matched, and what tells the candidates apart, each value named by its field.
        #expect(message == "the record matches 2 stored ci records by name 'dup' and sys_class_name 'cmdb_ci_server' "
            + "(serial_number SN1; serial_number SN2); give it a field that tells them apart, or a sys_id", "\(message ?? "nil")")
    }

    @Test func aStoredRecordWithAnotherSysIDIsAnotherRecord() throws {
        let store = try StoreHarness()
        let header = "sys_id,number,short_description,sys_updated_on"
        try store.importText(csv(header, ["\(sysID("a")),INC0000001,first,2026-01-01 00:00:00"]), entity: "incident")
        let result = try store.importText(csv(header, ["\(sysID("b")),INC0000001,second,2026-01-01 00:00:00"]), entity: "incident")
        #expect(result.counts.inserted == 1)
        #expect(try store.value("SELECT short_description FROM entity_incident WHERE sys_id = ?", [.text(sysID("a"))]) == "first")
    }

    @Test func aPartialRowThatMatchesNothingCannotBeInserted() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv("sys_id,state,sys_updated_on", ["\(sysID("x")),2,2026-01-01 00:00:00"]), entity: "incident")
        #expect(result.counts.rejected == 1)
        #expect(try store.value("SELECT rule FROM findings") == "required")
        #expect(try store.value("SELECT message FROM findings")?.contains("cannot be inserted: the input has no number column") == true)
    }
}
