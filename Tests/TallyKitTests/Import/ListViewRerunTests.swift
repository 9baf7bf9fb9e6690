import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// A list view has no version column: its rows are versioned by the file's modification time,
/// so the kept copy a rerun reads must carry that time too.
@Suite("List view reruns")
struct ListViewRerunTests {
    @Test("a rerun versions a list view's rows by the export's time, as its first run did, not by when the input was kept")
    func rerunKeepsTheExportsTime() throws {
        let store = try StoreHarness()
        let list = store.folder.appendingPathComponent("list.csv").path
        try csv("number,short_description,priority,state", ["INC0000001,Printer jammed,4 - Low,New"])
            .write(toFile: list, atomically: true, encoding: .utf8)
        let taken = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01 00:00:00 UTC
        try FileManager.default.setAttributes([.modificationDate: taken], ofItemAtPath: list)
        let first = try Importer(database: store.database).run(ImportRequest(paths: [list], entity: "incident", command: "test"))
        let run = try #require(first.run)
        #expect(try store.value("SELECT sys_updated_on FROM entity_incident") == "2020-01-01 00:00:00")
        let kept = try #require(try store.value("SELECT stored_path FROM run_inputs WHERE run = ?", [.integer(run)]))
        let keptTime = try FileManager.default.attributesOfItem(atPath: kept)[.modificationDate] as? Date
        #expect(keptTime == taken)

        // A newer version arrives from another export; the rerun of the list view is older than it.
        try store.importText(csv("number,short_description,sys_updated_on", ["INC0000001,Printer fixed,2021-01-01 00:00:00"]), entity: "incident")
        let rerun = try Importer(database: store.database).run(try Rerun(database: store.database).request(for: run, command: "test"))
        #expect(rerun.counts.skippedStale == 1 && rerun.counts.updated == 0)
        #expect(try store.value("SELECT short_description FROM entity_incident") == "Printer fixed")
    }
}
