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

    @Test func aTransactionCommitsOrRollsBackAsItsBodySays() throws {
        let db = try makeStore()
        try db.inTransaction {
            try db.run("INSERT INTO t (v) VALUES ('kept')")
            return .commit
        }
        try db.inTransaction {
            try db.run("INSERT INTO t (v) VALUES ('dry run')")
            #expect(try count(db) == 2)  // the dry run sees its own work…
            return .rollback
        }
        #expect(try db.rows("SELECT v FROM t").map { $0[0] } == ["kept"])  // …which is then dropped, with no error
        #expect(!db.isInTransaction)
    }

    @Test func aThrowingBodyRollsBackAndItsErrorIsRethrownEvenWhenTheRollbackFails() throws {
        let db = try makeStore()
        #expect(throws: Boom(tag: 1)) {
            try db.inTransaction {
                try db.run("INSERT INTO t (v) VALUES ('a')")
                throw Boom(tag: 1)
            }
        }
        #expect(try count(db) == 0)
        try db.inTransaction {
            try db.run("INSERT INTO t (v) VALUES ('b')")
            return .commit
        }
        // The body ends the transaction behind the savepoint's back: ROLLBACK TO then fails, and
        // the body's error is still the one thrown.
        #expect(throws: Boom(tag: 2)) {
            try db.inTransaction {
                try db.inSavepoint {
                    try db.run("INSERT INTO t (v) VALUES ('c')")
                    try db.rollback()
                    throw Boom(tag: 2)
                }
                return .commit
            }
        }
        #expect(try db.rows("SELECT v FROM t").map { $0[0] } == ["b"])
        #expect(!db.isInTransaction)
    }

    @Test func nestedSavepointsUndoOnlyTheirOwnWorkAndReleaseThemselves() throws {
        let db = try makeStore()
        try db.inTransaction {
            try db.run("INSERT INTO t (v) VALUES ('outer')")
            try db.inSavepoint {
                try db.run("INSERT INTO t (v) VALUES ('one')")
                try db.inSavepoint {
                    try db.run("INSERT INTO t (v) VALUES ('two')")
                    return .rollback  // undone, no error
                }
                _ = try? db.inSavepoint {
                    try db.run("INSERT INTO t (v) VALUES ('three')")
                    throw Boom()
                }
                try db.run("INSERT INTO t (v) VALUES ('one-b')")
                return .commit
            }
            var caught: (any Error)?
            do {
                try db.inSavepoint {
                    try db.run("INSERT INTO t (v) VALUES ('four')")
                    throw Boom(tag: 4)
                }
            } catch { caught = error }
            #expect(caught as? Boom == Boom(tag: 4))
            return .commit
        }
        let values = try db.rows("SELECT v FROM t ORDER BY id").map { $0[0].text ?? "" }
        #expect(values == ["outer", "one", "one-b"])
        // Every savepoint was released: none is left to roll back to.
        #expect(throws: StoreError.self) { try db.execute("ROLLBACK TO tally") }
    }

    @Test func aSavepointOutsideATransactionIsOne() throws {
        let db = try makeStore()
        try db.inSavepoint {
            #expect(db.isInTransaction)
            try db.run("INSERT INTO t (v) VALUES ('a')")
            return .rollback
        }
        #expect(try count(db) == 0)
        #expect(!db.isInTransaction)
    }

    @Test func aReadTransactionSeesOneSnapshotAndRefusesWrites() throws {
        let folder = try Paths.makeTempDirectory("read-tx")
        let path = folder.appendingPathComponent("t.db").path
        let reader = try Connection(path: path)
        try reader.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        let writer = try Connection(path: path)
        let (before, after) = try reader.inReadTransaction {
            let before = try count(reader)
            try writer.run("INSERT INTO t (v) VALUES ('committed meanwhile')")
            let error = try #require(throws: StoreError.self) { try reader.run("INSERT INTO t (v) VALUES ('write')") }
            #expect(error.isReadOnly)
            return (before, try count(reader))
        }
        #expect(before == 0 && after == 0)  // the writer's row is not in the snapshot
        #expect(!reader.isInTransaction)
        #expect(try count(reader) == 1)
        try reader.run("INSERT INTO t (v) VALUES ('a write again')")  // writes work once it has ended
        #expect(try count(reader) == 2)
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
