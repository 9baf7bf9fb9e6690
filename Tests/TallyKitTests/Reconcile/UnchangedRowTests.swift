import Foundation
import Testing
import TestSupport
import TallyFormats
@testable import TallyKit
import TallyStore

/// Rows recognised unchanged by their input hash before mapping (``UnchangedRowProbe``): the
/// shortcut must give exactly the counts and the state the full reconciliation gives.
@Suite("Unchanged rows recognised before mapping")
struct UnchangedRowTests {
    static let header = "sys_id,number,state,short_description,sys_updated_on,sys_mod_count"

    func row(_ number: Int, text: String = "printer jam", updated: String = "2026-03-01 10:00:00", modCount: Int = 1) -> String {
        "\(sysID("inc-\(number)")),INC\(String(format: "%07d", number)),2,\"\(text)\",\(updated),\(modCount)"
    }

    func rows(_ range: ClosedRange<Int>) -> [String] { range.map { row($0) } }

    @Test func aRerunOfTheSameFileIsRecognisedWithoutMapping() throws {
        let store = try StoreHarness()
        let first = try store.importText(csv(Self.header, rows(1...50)), entity: "incident")
        #expect(first.counts.inserted == 50)
        #expect(first.inputs[0].unchangedBeforeMapping == 0)
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE _input_hash IS NOT NULL") == 50)
        let before = try store.extract("incident")

        let again = try store.importText(csv(Self.header, rows(1...50)), entity: "incident", force: true)
        #expect(again.counts.unchanged == 50)
        #expect(again.counts.isConserved)
        #expect(again.inputs[0].unchangedBeforeMapping == 50)
        #expect(try store.extract("incident") == before)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 2") == 0)
    }

    @Test func rowsInAnotherOrderAreFoundThroughTheKeyIndex() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, rows(1...40)), entity: "incident")
        var shuffled = rows(1...40)
        var rng = SeededGenerator(seed: 7)
        shuffled.shuffle(using: &rng)
        let again = try store.importText(csv(Self.header, shuffled), entity: "incident", force: true)
        #expect(again.counts.unchanged == 40)
        #expect(again.inputs[0].unchangedBeforeMapping == 40)
    }

    @Test func changedAndNewRowsAmongUnchangedOnesAreReconciledInFull() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, rows(1...30)), entity: "incident")
        var next = rows(1...30)
        next[9] = row(10, text: "printer fixed", updated: "2026-03-02 10:00:00", modCount: 2)
        next.insert(row(31), at: 15)  // a new record in the middle shifts the expected store keys
        let result = try store.importText(csv(Self.header, next), entity: "incident")
        #expect(result.counts.updated == 1)
        #expect(result.counts.inserted == 1)
        #expect(result.counts.unchanged == 29)
        #expect(result.inputs[0].unchangedBeforeMapping == 29)
        #expect(try store.value("SELECT short_description FROM entity_incident WHERE number = 'INC0000010'") == "printer fixed")
    }

    /// Updates of different columns in one run each set exactly their own columns (the writer
    /// keeps one update statement per set of changed columns).
    @Test func updatesOfDifferentColumnsInOneRunEachLandWhole() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, rows(1...4)), entity: "incident")
        let later = "2026-03-02 10:00:00"
        let next = [
            row(1, text: "first change", updated: later, modCount: 2),   // text and version
            row(2, updated: later, modCount: 2),                         // version only
            row(3, text: "third change", updated: later, modCount: 2),   // text and version again
            row(4),
        ]
        let result = try store.importText(csv(Self.header, next), entity: "incident")
        #expect(result.counts.updated == 3)
        #expect(result.counts.unchanged == 1)
        let state = try store.value("""
            SELECT group_concat(number || '=' || short_description || '@' || sys_mod_count, ';') FROM (SELECT * FROM entity_incident ORDER BY number)
            """)
        #expect(state == "INC0000001=first change@2;INC0000002=printer jam@2;INC0000003=third change@2;INC0000004=printer jam@1")
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 2 AND field = 'short_description'") == 2)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 2 AND field = 'sys_mod_count'") == 3)
    }

    /// A changed row's stored record is read on the preparing thread as the run began; a second
    /// row for the same record in the run must be compared with what the first one wrote, not
    /// with that copy.
    @Test func aRecordChangedTwiceInOneRunIsComparedWithItsFirstChange() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, rows(1...3)), entity: "incident")
        let next = [
            row(1),
            row(2, text: "second", updated: "2026-03-02 10:00:00", modCount: 2),
            row(2, text: "third", updated: "2026-03-03 10:00:00", modCount: 3),
            row(3, text: "changed", updated: "2026-03-02 10:00:00", modCount: 2),
        ]
        let result = try store.importText(csv(Self.header, next), entity: "incident")
        #expect(result.counts.isConserved)
        #expect(result.counts.unchanged == 1)
        #expect(result.counts.updated + result.counts.skippedStale == 3)
        let changes = try store.value("""
            SELECT group_concat(key || ':' || old || '>' || new, ';') FROM (SELECT * FROM audit WHERE run = 2 AND field = 'short_description' ORDER BY id)
            """)
        #expect(changes == "INC0000002:printer jam>second;INC0000002:second>third;INC0000003:printer jam>changed")
        #expect(try store.value("SELECT short_description || '@' || sys_mod_count FROM entity_incident WHERE number = 'INC0000002'") == "third@3")
    }

    /// A changed row's record is identified from the probe's copy when that copy answers exactly as
    /// the identification query would: a row naming a stored CI's sys_id with another serial number
    /// (a distinguishing key) is another CI, whichever way it is identified (it used to fail the
    /// whole run on the sys_id's unique index).
    @Test func aChangedRowWhoseDistinguishingKeyDisagreesIsNotTakenForTheStoredRecord() throws {
        let header = "sys_id,name,sys_class_name,serial_number,sys_updated_on,sys_mod_count"
        func ci(_ number: Int, serial: String, name: String, updated: String = "2026-03-01 10:00:00") -> String {
            "\(sysID("ci-\(number)")),\(name),cmdb_ci_linux_server,\(serial),\(updated),1"
        }
        let store = try StoreHarness()
        try store.importText(csv(header, [ci(1, serial: "SN-1", name: "web-01"), ci(2, serial: "SN-2", name: "web-02")]), entity: "ci")
        let next = [ci(1, serial: "SN-1", name: "web-01a", updated: "2026-03-02 10:00:00"),
                    ci(2, serial: "SN-OTHER", name: "web-02a", updated: "2026-03-02 10:00:00")]
        let result = try store.importText(csv(header, next), entity: "ci")
        #expect(result.counts.isConserved)
        #expect(result.counts.updated == 1)
        #expect(result.counts.rejected == 1)
        #expect(try store.value("SELECT name FROM entity_ci WHERE serial_number = 'SN-1'") == "web-01a")
        // The second row is not an update of the stored CI 2: its serial number says it is another,
        // and it cannot be inserted under CI 2's sys_id. It is rejected, saying why.
        let message = try #require(try store.value("SELECT message FROM findings WHERE run = 2 AND rule = 'sys_id_conflict' AND field = 'sys_id'"))
        #expect(message.contains("this sys_id belongs to stored ci SN-2/cmdb_ci_linux_server"), "\(message)")
        #expect(message.contains("another ci by its serial_number (stored SN-2, the row SN-OTHER)"), "\(message)")
        #expect(try store.value("SELECT name || '/' || serial_number FROM entity_ci WHERE sys_id = ?", [.text(sysID("ci-2"))]) == "web-02/SN-2")
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 2 AND record = (SELECT _id FROM entity_ci WHERE serial_number = 'SN-2')") == 0)
    }

    /// The probe reads the store as the run began; a record an earlier row of the same run changed
    /// must not count as unchanged when its old row comes again.
    @Test func aRecordWrittenEarlierInTheRunIsNotTakenAsUnchanged() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, rows(1...3)), entity: "incident")
        let newer = row(2, text: "newer", updated: "2026-03-05 10:00:00", modCount: 5)
        let result = try store.importText(csv(Self.header, [newer, row(1), row(2), row(3)]), entity: "incident")
        #expect(result.counts.updated == 1)
        #expect(result.counts.skippedStale == 1)
        #expect(result.counts.unchanged == 2)
        #expect(result.inputs[0].unchangedBeforeMapping == 2)
        #expect(try store.value("SELECT short_description FROM entity_incident WHERE number = 'INC0000002'") == "newer")
    }

    @Test func theSameBytesUnderAnotherMapAreComparedInFull() throws {
        let store = try StoreHarness()
        let map = #"{"entity": "incident", "constants": {"contact_type": "phone"}}"#
        try store.importText(csv(Self.header, rows(1...10)), entity: "incident", map: map)
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE contact_type = 'phone'") == 10)
        // The default map reads the same bytes differently (no contact_type): no shortcut.
        let plain = try store.importText(csv(Self.header, rows(1...10)), entity: "incident", force: true)
        #expect(plain.inputs[0].unchangedBeforeMapping == 0)
        #expect(plain.counts.unchanged == 10)
        // Under the map that wrote them, the rows are recognised again.
        let again = try store.importText(csv(Self.header, rows(1...10)), entity: "incident", force: true, map: map)
        #expect(again.inputs[0].unchangedBeforeMapping == 10)
    }

    @Test func aSnapshotOfUnchangedRowsRetiresNothingAndARetiredRecordComesBack() throws {
        let header = "sys_id,name,sys_class_name,serial_number,install_status,sys_updated_on"
        func ci(_ number: Int) -> String { "\(sysID("ci-\(number)")),ci-\(number),cmdb_ci_server,SN\(number),1,2026-01-01 00:00:00" }
        let store = try StoreHarness()
        try store.importText(csv(header, (1...20).map(ci)), entity: "ci", source: "discovery")
        let same = try store.importText(csv(header, (1...20).map(ci)), entity: "ci", source: "discovery", force: true, snapshot: SnapshotOptions())
        #expect(same.counts.retired == 0)
        #expect(same.inputs[0].unchangedBeforeMapping == 20)
        let fewer = try store.importText(csv(header, (1...19).map(ci)), entity: "ci", source: "discovery", snapshot: SnapshotOptions())
        #expect(fewer.counts.retired == 1)
        let back = try store.importText(csv(header, (1...20).map(ci)), entity: "ci", source: "discovery", force: true, snapshot: SnapshotOptions())
        #expect(back.counts.updated == 1)
        #expect(back.inputs[0].unchangedBeforeMapping == 19)
        #expect(try store.count("SELECT count(*) FROM entity_ci WHERE retired_in_run IS NOT NULL") == 0)
    }

    /// Cases have case links, which may write other cases of the run: the store confirms each
    /// candidate from the table instead of from the writer's own record.
    @Test func casesAreConfirmedFromTheTable() throws {
        let header = "sys_id,number,state,short_description,sys_updated_on,sys_mod_count"
        let cases = (1...12).map { "\(sysID("cs-\($0)")),CS\(String(format: "%07d", $0)),1,\"question\",2026-03-01 10:00:00,1" }
        let store = try StoreHarness()
        try store.importText(csv(header, cases), entity: "case")
        let again = try store.importText(csv(header, cases), entity: "case", force: true)
        #expect(again.counts.unchanged == 12)
        #expect(again.inputs[0].unchangedBeforeMapping == 12)
    }

    @Test func theInputSeedDependsOnTheMapAndNothingThatVariesBetweenProcesses() throws {
        let entity = try #require(EntityRegistry.standard.entity(named: "incident"))
        let plain = RowPreparer.inputSeed(entity: entity, map: .default(for: entity))
        #expect(plain == RowPreparer.inputSeed(entity: entity, map: .default(for: entity)))
        var other = TransformMap.default(for: entity)
        other.nullTokens = ["?"]
        #expect(plain != RowPreparer.inputSeed(entity: entity, map: other))
    }

    @Test func theInputHashOfAPackedRowIsThatOfItsValues() throws {
        let text = "a,b,c,d,e\n\"x,\"\"y\"\"\",,héllo wörld ✓,\"line 1\nline 2\",12345678\n"
        let reader = CSVReader(source: MemoryByteSource(text, name: "t.csv"))
        guard case .record(let packed)? = try reader.next() else { Issue.record("no record"); return }
        let values = packed.values
        #expect(ContentHash.ofInput(packed, header: 42) == ContentHash.ofInput(values, header: 42))
        let strings = RawRecord(names: packed.names, values: values, provenance: packed.provenance)
        #expect(ContentHash.ofInput(strings, header: 42) == ContentHash.ofInput(values, header: 42))
        var other = values
        other[4] = "12345679"
        #expect(ContentHash.ofInput(packed, header: 42) != ContentHash.ofInput(other, header: 42))
        let nulls = RawRecord(names: ["a", "b"], values: [nil, ""], provenance: packed.provenance)
        #expect(ContentHash.ofInput(nulls, header: 1) == ContentHash.ofInput([nil, ""], header: 1))
        #expect(ContentHash.ofInput(nulls, header: 1) != ContentHash.ofInput(["", nil], header: 1))
    }

    @Test func recordSetsHoldWhatWasInserted() {
        var set = RecordSet()
        for id: Int64 in [1, 63, 64, 1_000_003] { set.insert(id) }
        #expect(set.contains(1) && set.contains(63) && set.contains(64) && set.contains(1_000_003))
        #expect(!set.contains(2) && !set.contains(65) && !set.contains(1_000_002) && !set.contains(5_000_000))
        #expect(set.contains(-1))  // an impossible key answers "maybe": the safe side
    }
}
