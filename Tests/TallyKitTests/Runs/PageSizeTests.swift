import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// A new store is made with 8 KiB pages (a faster first import); a store made with other pages
/// keeps them and opens as before.
@Suite("The store's page size")
struct PageSizeTests {
    @Test func aNewStoreHasTheTallyPageSize() throws {
        let folder = try Paths.makeTempDirectory("tally-page-size")
        let database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path, access: .create)
        #expect(try database.connection.scalar("PRAGMA page_size").integer == Int64(TallyDatabase.pageSize))
        #expect(try database.connection.scalar("PRAGMA journal_mode").text == "wal")
    }

    @Test func aStoreMadeWithOtherPagesKeepsThemAndStillImports() throws {
        let folder = try Paths.makeTempDirectory("tally-page-size")
        let path = folder.appendingPathComponent("tally.db").path
        // A file an earlier Tally made, with SQLite's default 4 KiB pages.
        do {
            let old = try Connection(path: path, options: .init(pageSize: 4096))
            #expect(try old.scalar("PRAGMA page_size").integer == 4096)
        }
        let database = try TallyDatabase.open(path: path, access: .create)
        #expect(try database.connection.scalar("PRAGMA page_size").integer == 4096)
        let csv = folder.appendingPathComponent("incident.csv").path
        try "sys_id,number,short_description,sys_updated_on\n\(String(repeating: "a", count: 32)),INC0000001,jam,2026-03-01 10:00:00\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try Importer(database: database).run(ImportRequest(paths: [csv], entity: "incident", command: "test"))
        #expect(result.counts.inserted == 1)
        #expect(try database.connection.scalar("PRAGMA integrity_check").text == "ok")
    }
}
