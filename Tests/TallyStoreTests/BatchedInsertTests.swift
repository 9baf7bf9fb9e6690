import Foundation
import Testing
import TestSupport
@testable import TallyStore

@Suite("BatchedInsert")
struct BatchedInsertTests {
    @Test func heldRowsAreWrittenInOrderAFullStatementAtATimeAndTheRestWhenFlushed() throws {
        let folder = try Paths.makeTempDirectory("batched")
        let connection = try Connection(path: folder.appendingPathComponent("t.db").path)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, n INTEGER)")
        let rows = BatchedInsert("INSERT OR FAIL INTO t (k, n)", columns: 2, on: connection)
        func count() throws -> Int64 { try connection.scalar("SELECT count(*) FROM t").integer ?? -1 }
        let total = 2 * BatchedInsert.rowsPerStatement + 3
        for index in 0..<total {
            try rows.add(holding: true) { values in values.append("k\(index)"); values.append(Int64(index)) }
            // Nothing is written until a statement's worth waits.
            #expect(try count() == Int64((index + 1) / BatchedInsert.rowsPerStatement * BatchedInsert.rowsPerStatement))
        }
        #expect(rows.isHolding)
        try rows.flush()
        #expect(!rows.isHolding)
        try rows.add(holding: true) { values in values.append("held"); values.append(Int64(-1)) }
        try rows.add(holding: false) { values in values.append("new"); values.append(nil as String?) }  // writes both
        #expect(!rows.isHolding)
        let stored = try connection.rows("SELECT id, k, n FROM t ORDER BY id")
        #expect(stored.count == total + 2)
        #expect(stored.map { $0[1] } == (0..<total).map { .text("k\($0)") } + [.text("held"), .text("new")])
        #expect(stored.map { $0[0] } == (1...(total + 2)).map { .integer(Int64($0)) })
        #expect(stored[total][2] == .integer(-1))
        #expect(stored[total + 1][2] == .null)

        // A row that fails fails its statement; the rows before it in the batch stay (OR FAIL), and
        // nothing is held any more.
        try rows.add(holding: true) { values in values.append("k-next"); values.append(Int64(1)) }
        #expect(throws: StoreError.self) {
            try rows.add(holding: false) { values in values.append("k0"); values.append(Int64(2)) }  // k is unique
        }
        #expect(!rows.isHolding)
        #expect(try count() == Int64(total + 3))
    }
}
