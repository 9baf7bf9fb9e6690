import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

/// `runs.request` is what `tally rerun` reads back; the same request is stored as the same text.
@Suite("The run's request as stored")
struct RunRequestTests {
    /// Keys sorted at every level: a plain `JSONEncoder` writes them in an order that varies
    /// from process to process (and never in this one).
    @Test func theRequestIsStoredWithItsKeysSorted() throws {
        let store = try StoreHarness()
        var settings = RunSettings(entity: "incident", source: "manual", mapPath: "m.json", precedencePath: "p.json", format: .csv,
                                   encoding: .latin1, snapshot: SnapshotOptions(maxRetire: 0.5, expectRows: 10))
        settings.asOf = "2026-04-01 00:00:00"
        let run = try RunLedger(store.database).begin(kind: .import, entity: "incident", source: "manual", command: "test", settings: settings)
        let stored = try store.connection.scalar("SELECT request FROM runs WHERE id = ?", [.integer(run)]).text
        #expect(stored == #"{"asOf":"2026-04-01 00:00:00","encoding":"latin-1","entity":"incident","format":"csv","mapPath":"m.json","precedencePath":"p.json","snapshot":{"expectRows":10,"maxRetire":0.5},"source":"manual"}"#)
        #expect(try RunLedger(store.database).settings(run: run) == settings)
    }
}
