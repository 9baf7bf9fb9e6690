import Foundation
import Testing
import TallyStore
@testable import TallyKit

/// An import turns foreign-key checks off for its own transaction (its batched inserts then need
/// no statement journal): they must be on again after it, however it ends.
@Suite("Foreign keys around an import")
struct ForeignKeysTests {
    private func enforced(_ store: StoreHarness) throws -> Bool {
        try store.connection.scalar("PRAGMA foreign_keys").integer == 1
    }

    @Test func checksAreOnAgainAfterACommittedADryAndAFailedImport() throws {
        let store = try StoreHarness()
        #expect(try enforced(store))
        let rows = csv("number,cmdb_ci,sys_updated_on", ["INC0000001,no-such-ci,2026-01-01 00:00:00"])
        try store.importText(rows, entity: "incident")
        #expect(try enforced(store))
        try store.importText(csv("number,sys_updated_on", ["INC0000002,2026-01-01 00:00:00"]), entity: "incident", dryRun: true)
        #expect(try enforced(store))
        #expect(throws: ImportFailure.self) {  // an unterminated quote: the run fails whole
            try store.importText("number,short_description,sys_updated_on\nINC0000003,\"never closed,2026-01-01 00:00:00\n",
                                 entity: "incident")
        }
        #expect(try enforced(store))
        // And enforced indeed: an audit row of a run that does not exist is refused.
        #expect(throws: StoreError.self) {
            try store.connection.run("INSERT INTO audit (run, entity, record, field) VALUES (999, 'incident', 1, '*')")
        }
        #expect(try store.connection.rows("PRAGMA foreign_key_check").isEmpty)
    }
}
