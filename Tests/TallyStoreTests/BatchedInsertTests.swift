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
        let rows = BatchedInsert("INSERT INTO t (k, n)", columns: 2, tail: "ON CONFLICT (k) DO UPDATE SET n = excluded.n",
                                 on: connection)
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
        // The same key again later in a batch: the tail applies row by row, in order.
        try rows.add(holding: true) { values in values.append("k0"); values.append(Int64(100)) }
        try rows.add(holding: true) { values in values.append("k0"); values.append(Int64(200)) }
        try rows.add(holding: false) { values in values.append("new"); values.append(nil as String?) }  // writes all three
        #expect(!rows.isHolding)
        let stored = try connection.rows("SELECT id, k, n FROM t ORDER BY id")
        #expect(stored.count == total + 1)
        #expect(stored.map { $0[1] } == (0..<total).map { .text("k\($0)") } + [.text("new")])
        #expect(stored.map { $0[0] } == (1...(total + 1)).map { .integer(Int64($0)) })
        #expect(stored[0][2] == .integer(200))
        #expect(stored[total][2] == .null)
    }
}
