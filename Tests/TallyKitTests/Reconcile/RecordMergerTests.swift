import Testing
import TestSupport
@testable import TallyKit

/// The Merge stage alone (``RecordMerger``): a row laid over a stored record, with no import around it.
@Suite("Merge stage")
struct RecordMergerTests {
    let store: StoreHarness
    let entity: EntityDefinition
    let merger: RecordMerger

    init() throws {
        store = try StoreHarness()
        entity = try #require(EntityRegistry.standard.entity(named: "incident"))
        let cases = CaseRuleStage(connection: store.connection, registry: .standard, entity: entity, run: 1, source: "test")
        merger = RecordMerger(entity: entity, source: "test", precedence: .none,
                              audit: AuditTrail(connection: store.connection, run: 1, source: "test"), cases: cases)
    }

    func index(_ field: String) -> Int { entity.index(ofField: field)! }

    /// A stored incident: INC0000001, "printer jam", category "hardware", at 10:00, mod count 1.
    func stored() -> StoredRecord {
        var values = [FieldValue](repeating: .null, count: entity.fields.count)
        values[index("number")] = .text("INC0000001")
        values[index("short_description")] = .text("printer jam")
        values[index("category")] = .text("hardware")
        values[index("sys_updated_on")] = .datetime("2026-03-01 10:00:00")
        values[index("sys_mod_count")] = .integer(1)
        return StoredRecord(id: 7, values: values, extra: #"{"u_note":"vip"}"#, source: "test")
    }

    /// A row carrying only `fields` (every other field absent, as in a partial export).
    func row(_ fields: [String: FieldValue]) -> [FieldValue?] {
        var values = [FieldValue?](repeating: nil, count: entity.fields.count)
        for (field, value) in fields { values[index(field)] = value }
        return values
    }

    @Test func anOlderVersionIsStale() throws {
        let older = row(["short_description": .text("other"), "sys_updated_on": .datetime("2026-03-01 09:00:00")])
        guard case .stale = try merger.merge(older, extra: nil, into: stored(), versionIsExportTime: false) else {
            Issue.record("an older row must be stale")
            return
        }
    }

    @Test func aPartialRowChangesItsColumnsAndKeepsTheOthers() throws {
        let newer = row(["short_description": .text("printer fixed"), "sys_updated_on": .datetime("2026-03-02 10:00:00")])
        guard case .merged(let merged) = try merger.merge(newer, extra: #"{"u_other":"x"}"#, into: stored(), versionIsExportTime: false) else {
            Issue.record("a newer row must merge")
            return
        }
        #expect(merged.changed == [index("short_description"), index("sys_updated_on")])
        #expect(merged.values[index("category")] == .text("hardware"))
        #expect(merged.values[index("sys_mod_count")] == .integer(1))  // not in the row: kept, and not compared
        #expect(merged.extra == #"{"u_note":"vip","u_other":"x"}"#)
        #expect(merged.notes.isEmpty)
    }

    @Test func aSameVersionTieKeepsTheLargerValueAndSaysSo() throws {
        let tie = row(["short_description": .text("a printer"), "category": .text("network"),
                       "sys_updated_on": .datetime("2026-03-01 10:00:00"), "sys_mod_count": .integer(1)])
        guard case .merged(let merged) = try merger.merge(tie, extra: nil, into: stored(), versionIsExportTime: false) else {
            Issue.record("a same-version row must merge")
            return
        }
        // "printer jam" > "a printer" stays; "network" > "hardware" wins.
        #expect(merged.values[index("short_description")] == .text("printer jam"))
        #expect(merged.changed == [index("category")])
        #expect(merged.notes.map(\.field).sorted() == ["category", "short_description"])
        #expect(merged.notes.allSatisfy { $0.rule == "same_version" })
    }
}
