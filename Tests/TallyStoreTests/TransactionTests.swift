import Foundation
import Testing
import TestSupport
@testable import TallyStore

struct Boom: Error, Equatable { var tag = 0 }

@Suite("Transactions and savepoints")
struct TransactionTests {
    func makeStore() throws -> Connection {
        let folder = try Paths.makeTempDirectory("tx")
        let db = try Connection(path: folder.appendingPathComponent("t.db").path)
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        return db
    }

    func count(_ db: Connection) throws -> Int64 { try db.scalar("SELECT count(*) FROM t").integer ?? -1 }

    @Test func commitsWhenTheBodyReturns() throws {
        let db = try makeStore()
        try db.transaction { try db.run("INSERT INTO t (v) VALUES ('a')") }
        #expect(try count(db) == 1)
        #expect(!db.isInTransaction)
    }

    @Test func rollsBackAndRethrowsTheFirstError() throws {
        let db = try makeStore()
        #expect(throws: Boom(tag: 7)) {
            try db.transaction {
                try db.run("INSERT INTO t (v) VALUES ('a')")
                throw Boom(tag: 7)
            }
        }
        #expect(try count(db) == 0)
        #expect(!db.isInTransaction)
    }

    @Test func nestedSavepointsRollBackOnlyTheirOwnWork() throws {
        let db = try makeStore()
        try db.transaction {
            try db.run("INSERT INTO t (v) VALUES ('outer')")
            try db.savepoint("one") {
                try db.run("INSERT INTO t (v) VALUES ('one')")
                _ = try? db.savepoint("two") {
                    try db.run("INSERT INTO t (v) VALUES ('two')")
                    throw Boom()
                }
                // "two" was rolled back and released: the transaction goes on.
                try db.run("INSERT INTO t (v) VALUES ('one-b')")
            }
            var caught: (any Error)?
            do {
                try db.savepoint("three") {
                    try db.run("INSERT INTO t (v) VALUES ('three')")
                    throw Boom(tag: 3)
                }
            } catch { caught = error }
            #expect(caught as? Boom == Boom(tag: 3))
        }
        let values = try db.rows("SELECT v FROM t ORDER BY id").map { $0[0].text ?? "" }
        #expect(values == ["outer", "one", "one-b"])
    }

    @Test func twoConnectionsOnOneStoreNeverInterleaveWrites() throws {
        let folder = try Paths.makeTempDirectory("two")
        let path = folder.appendingPathComponent("t.db").path
        let first = try Connection(path: path)
        try first.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        let second = try Connection(path: path, options: .init(busyTimeoutMilliseconds: 50))
        try first.transaction {
            try first.run("INSERT INTO t (v) VALUES ('first')")
            // The second writer cannot take the write lock while the first holds it.
            let error = try #require(throws: StoreError.self) {
                try second.transaction { try second.run("INSERT INTO t (v) VALUES ('second')") }
            }
            #expect(error.isBusy)
            // A reader still sees the last committed state (WAL), not the open transaction.
            #expect(try second.scalar("SELECT count(*) FROM t").integer == 0)
        }
        #expect(try second.scalar("SELECT count(*) FROM t").integer == 1)
        try second.transaction { try second.run("INSERT INTO t (v) VALUES ('second')") }
        #expect(try first.scalar("SELECT count(*) FROM t").integer == 2)
    }
}
