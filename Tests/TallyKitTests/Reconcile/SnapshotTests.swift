import Foundation
import Testing
@testable import TallyKit

@Suite("Snapshots")
struct SnapshotTests {
    static let header = "name,sys_class_name,serial_number,install_status,sys_updated_on"

    func rows(_ range: ClosedRange<Int>) -> [String] {
        range.map { "ci-\($0),cmdb_ci_server,SN\($0),1,2026-01-01 00:00:00" }
    }

    @Test func recordsMissingFromASnapshotAreRetiredNotDeleted() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, rows(1...20)), entity: "ci", source: "discovery")
        let result = try store.importText(csv(Self.header, rows(1...18)), entity: "ci", source: "discovery", snapshot: SnapshotOptions())
        #expect(result.counts.retired == 2)
        #expect(try store.count("SELECT count(*) FROM entity_ci") == 20)
        #expect(try store.count("SELECT count(*) FROM entity_ci WHERE install_status = 7 AND retired_in_run = 2") == 2)
        #expect(try store.count("SELECT count(*) FROM audit WHERE run = 2 AND field = 'install_status' AND new = '7'") == 2)
        // Another source's records are not this snapshot's to retire.
        try store.importText(csv(Self.header, ["manual-1,cmdb_ci_server,SNM,1,2026-01-01 00:00:00"]), entity: "ci", source: "manual")
        let again = try store.importText(csv(Self.header, rows(1...18)), entity: "ci", source: "discovery", force: true, snapshot: SnapshotOptions())
        #expect(again.counts.retired == 0)
        // A retired CI that comes back is no longer retired.
        let back = try store.importText(csv(Self.header, rows(1...20)), entity: "ci", source: "discovery", force: true, snapshot: SnapshotOptions())
        #expect(back.counts.updated == 2)
        #expect(try store.count("SELECT count(*) FROM entity_ci WHERE retired_in_run IS NOT NULL") == 0)
    }

    @Test func tasksAreRetiredByActiveFalse() throws {
        let store = try StoreHarness()
        let header = "number,active,sys_updated_on"
        try store.importText(csv(header, (1...10).map { "INC000000\($0 - 1),true,2026-01-01 00:00:00" }), entity: "incident")
        let result = try store.importText(csv(header, (1...9).map { "INC000000\($0 - 1),true,2026-01-01 00:00:00" }),
                                          entity: "incident", snapshot: SnapshotOptions())
        #expect(result.counts.retired == 1)
        #expect(try store.value("SELECT active FROM entity_incident WHERE number = 'INC0000009'") == "0")
    }

    func expectAbort(_ store: StoreHarness, _ text: String, _ options: SnapshotOptions, saying phrase: String) throws {
        let before = try store.extract("ci")
        do {
            try store.importText(text, entity: "ci", source: "discovery", snapshot: options)
            Issue.record("the snapshot was not refused")
        } catch let failure as ImportFailure {
            #expect(failure.message.contains(phrase), "\(failure.message)")
        }
        #expect(try store.extract("ci") == before)
        #expect(try store.value("SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "failed")
    }

    @Test func aSnapshotThatWouldRetireTooMuchAbortsWithNothingChanged() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, rows(1...20)), entity: "ci", source: "discovery")
        try expectAbort(store, csv(Self.header, rows(1...17)), SnapshotOptions(), saying: "would retire 3 of 20 ci records from source 'discovery' (15.0%), more than --max-retire 10.0%")
        // A looser limit lets it through; so does --force.
        let loose = try store.importText(csv(Self.header, rows(1...17)), entity: "ci", source: "discovery", snapshot: SnapshotOptions(maxRetire: 0.2))
        #expect(loose.counts.retired == 3)
    }

    @Test func aSnapshotOfExactlyTheExportCapAborts() throws {
        let store = try StoreHarness()
        try expectAbort(store, csv(Self.header, rows(1...10_000)), SnapshotOptions(), saying: "exactly 10000 rows, the platform's default export cap")
    }

    @Test func aSnapshotWithFewerRowsThanExpectedAborts() throws {
        let store = try StoreHarness()
        try expectAbort(store, csv(Self.header, rows(1...5)), SnapshotOptions(expectRows: 6), saying: "fewer than the 6 expected")
    }
}
