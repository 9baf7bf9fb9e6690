import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// The bookkeeping columns are declared once (``BookkeepingColumn``): the table has them, and
/// every write and read back names them, so a record reads back with each value in its place.
@Suite("Bookkeeping columns")
struct BookkeepingColumnTests {
    static let header = "sys_id,number,state,category,sys_updated_on,sys_mod_count,u_custom"

    @Test func theTableHasEveryBookkeepingColumnAfterTheFields() throws {
        let store = try StoreHarness()
        let entity = try #require(store.database.registry.entity(named: "incident"))
        let columns = try store.connection.rows("SELECT name, type FROM pragma_table_info('entity_incident') ORDER BY cid").map { ($0[0].text ?? "", $0[1].text ?? "") }
        #expect(columns.map(\.0) == ["_id"] + entity.fields.map(\.name) + BookkeepingColumn.allCases.map(\.name))
        #expect(Array(columns.suffix(BookkeepingColumn.allCases.count)).map(\.1) == BookkeepingColumn.allCases.map(\.declaration))
    }

    /// What the writer stored, read back by name in SQL and by the writer's own reader, agree
    /// column for column; a reinserted record (a rollback's undo) keeps them.
    @Test func aRecordReadsBackWithEachBookkeepingValueInItsPlace() throws {
        let store = try StoreHarness()
        let id = sysID("bk-1")
        try store.importText(csv(Self.header, ["\(id),INC0000001,1,a,2026-01-01 00:00:00,1,x"]), entity: "incident", source: "first")
        try store.importText(csv(Self.header, ["\(id),INC0000001,2,a,2026-01-02 00:00:00,2,y"]), entity: "incident", source: "second")
        let entity = try #require(store.database.registry.entity(named: "incident"))
        let key = try #require(try store.connection.scalar("SELECT _id FROM entity_incident").integer)
        let stored = try EntityWriter.load(entity, id: key, connection: store.connection)
        func column(_ column: BookkeepingColumn) throws -> SQLValue {
            try store.connection.scalar("SELECT \(column.name) FROM entity_incident WHERE _id = ?", [.integer(key)])
        }
        #expect(stored.source == "second" && stored.createdRun == 1 && stored.updatedRun == 2 && stored.retiredInRun == nil)
        #expect(stored.extra == #"{"u_custom":"y"}"#)
        for bookkeeping in BookkeepingColumn.stored {
            #expect(try column(bookkeeping) == stored.value(bookkeeping), "\(bookkeeping.name)")
        }
        #expect(try column(.inputHash) != .null)

        try store.connection.run("DELETE FROM entity_incident WHERE _id = ?", [.integer(key)])
        try EntityWriter.reinsert(stored, entity: entity, run: 3, connection: store.connection)
        let back = try EntityWriter.load(entity, id: key, connection: store.connection)
        #expect((back.extra, back.hash, back.source, back.createdRun, back.updatedRun, back.retiredInRun)
                == (stored.extra, stored.hash, stored.source, stored.createdRun, 3, stored.retiredInRun))
        #expect(back.values == stored.values)
    }
}
