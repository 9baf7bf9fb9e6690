import Foundation
import Testing
import TestSupport
@testable import TallyStore

@Suite("Connection")
struct ConnectionTests {
    func makeStore() throws -> (Connection, URL) {
        let folder = try Paths.makeTempDirectory("store")
        let connection = try Connection(path: folder.appendingPathComponent("t.db").path)
        try connection.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB, note TEXT NOT NULL DEFAULT '')")
        return (connection, folder)
    }

    @Test func pagesReadEveryRowOnceInKeyOrderWhileTheBodyWritesTheTable() throws {
        let (db, _) = try makeStore()
        try db.execute("CREATE TABLE q (id INTEGER PRIMARY KEY, open INTEGER NOT NULL)")
        for id in 1...25 { try db.run("INSERT INTO q (id, open) VALUES (?, 1)", [.integer(Int64(id * 3))]) }
        let sql = "SELECT id FROM q WHERE open = ? AND id > ? ORDER BY id LIMIT ?"
        for pageSize in [1, 5, 7, 25, 100] {
            var seen: [Int64] = []
            try db.forEachPage(sql, [.integer(1)], pageSize: pageSize) { row in
                let id = row[0].integer!
                seen.append(id)
                try db.run("UPDATE q SET open = 0 WHERE id = ?", [.integer(id)])  // leaves the query's rows
            }
            #expect(seen == (1...25).map { Int64($0 * 3) }, "page size \(pageSize)")
            try db.execute("UPDATE q SET open = 1")
        }
        // Rows that stay in the query's reach are read once too.
        struct TooMany: Error {}
        var kept: [Int64] = []
        try db.forEachPage(sql, [.integer(1)], pageSize: 4) { row in
            kept.append(row[0].integer!)
            if kept.count > 100 { throw TooMany() }
        }
        #expect(kept == (1...25).map { Int64($0 * 3) })
        var none = 0
        try db.forEachPage(sql, [.integer(2)]) { _ in none += 1 }
        #expect(none == 0)
    }

    @Test func aColumnComparesWithAValueAsTheValueReadWouldWithoutReadingIt() throws {
        let (db, _) = try makeStore()
        try db.run("INSERT INTO t (id, n, r, b, note) VALUES (?, ?, ?, ?, ?)",
                   [.text("sys-é1"), .integer(42), .real(1.5), .blob([0, 1, 255]), .text("")])
        let statement = try db.prepare("SELECT id, n, r, b, note, NULL FROM t")
        #expect(try statement.step())
        let candidates: [SQLValue] = [.null, .integer(42), .integer(41), .real(1.5), .text("sys-é1"), .text("sys-é"),
                                      .text("sys-é12"), .text(""), .text("42"), .blob([0, 1, 255]), .blob([0, 1]), .blob([])]
        for column in Int32(0)..<6 {
            for value in candidates {
                #expect(statement.column(column, is: value) == (statement.value(column) == value), "column \(column), \(value)")
            }
        }
        statement.reset()
    }

    @Test func opensInWALWithForeignKeys() throws {
        let (db, _) = try makeStore()
        #expect(try db.scalar("PRAGMA journal_mode").text == "wal")
        #expect(try db.scalar("PRAGMA foreign_keys").integer == 1)
        #expect(try db.scalar("PRAGMA synchronous").integer == 1)  // NORMAL
    }

    @Test func bindsAndReadsEveryType() throws {
        let (db, _) = try makeStore()
        try db.run("INSERT INTO t (id, n, r, b, note) VALUES (?, ?, ?, ?, ?)",
                   [.text("0042"), .integer(12345678901234), .real(1.5), .blob([0, 1, 255]), .text("")])
        let row = try #require(try db.rows("SELECT id, n, r, b, note FROM t").first)
        #expect(row == [.text("0042"), .integer(12345678901234), .real(1.5), .blob([0, 1, 255]), .text("")])
    }

    @Test func textSurvivesUnicodeAndEmbeddedNul() throws {
        let (db, _) = try makeStore()
        let text = "naïve 日本語 😀 a\u{0}b"
        try db.run("INSERT INTO t (id) VALUES (?)", [.text(text)])
        #expect(try db.scalar("SELECT id FROM t").text == text)
    }

    /// Bound text and blobs are read from the statement's own buffer, not copied by SQLite: every
    /// row of one statement, rebound many times with values of every size (the buffer growing),
    /// must hold exactly what was bound, and an empty string stays '' (not NULL).
    @Test func reboundValuesOfEverySizeArriveIntact() throws {
        let (db, _) = try makeStore()
        let insert = try db.prepare("INSERT INTO t (id, n, b, note) VALUES (?, ?, ?, ?)")
        var rng = SeededGenerator(seed: 42)
        var expected: [[SQLValue]] = []
        for row in 0..<300 {
            let length = row < 100 ? row : Int.random(in: 0...20_000, using: &rng)
            let note = String((0..<length).map { _ in "aé日😀,\"".randomElement(using: &rng)! })
            let blob = (0..<(length % 97)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let values: [SQLValue] = [.text("id-\(row)"), .integer(Int64(row)), .blob(blob), .text(note)]
            try insert.execute(values)
            expected.append(values)
        }
        #expect(try db.rows("SELECT id, n, b, note FROM t ORDER BY n") == expected)
        #expect(try db.scalar("SELECT count(*) FROM t WHERE note = '' AND note IS NOT NULL").integer == 1)
    }

    /// A query steps through many rows after one bind: the bound values must stay valid all along.
    @Test func boundTextStaysValidWhileAQuerySteps() throws {
        let (db, _) = try makeStore()
        for n in 0..<50 { try db.run("INSERT INTO t (id, n, note) VALUES (?, ?, ?)", [.text("k\(n)"), .integer(Int64(n)), .text(n % 2 == 0 ? "even" : "odd")]) }
        let query = try db.prepare("SELECT id, ? || note FROM t WHERE note = ? ORDER BY n")
        try query.bind([.text("tag:"), .text("even")])
        var seen: [String] = []
        while try query.step() { seen.append(query.text(1) ?? "nil") }
        #expect(seen == Array(repeating: "tag:even", count: 25))
    }

    @Test func constraintViolationCarriesCodeAndSQLButNotValues() throws {
        let (db, _) = try makeStore()
        let sql = "INSERT INTO t (id) VALUES (?)"
        try db.run(sql, [.text("secret-value")])
        let error = try #require(throws: StoreError.self) { try db.run(sql, [.text("secret-value")]) }
        #expect(error.isConstraintViolation)
        #expect(error.extendedCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
        #expect(error.sql == sql)
        #expect(!error.description.contains("secret-value"))
        #expect(error.description.contains("UNIQUE constraint failed: t.id"))
    }

    @Test func syntaxErrorNamesTheSQL() throws {
        let (db, _) = try makeStore()
        let error = try #require(throws: StoreError.self) { _ = try db.prepare("SELEC 1") }
        #expect(error.primaryCode == 1)
        #expect(error.sql == "SELEC 1")
    }

    @Test func statementsAreCachedBySQL() throws {
        let (db, _) = try makeStore()
        let first = try db.prepare("SELECT 1")
        let second = try db.prepare("SELECT 1")
        #expect(first === second)
    }

    @Test func aFailedStatementIsDroppedFromTheCache() throws {
        let (db, _) = try makeStore()
        let sql = "INSERT INTO t (id) VALUES (?)"
        try db.run(sql, ["a"])
        let before = try db.prepare(sql)
        #expect(throws: StoreError.self) { try db.run(sql, ["a"]) }
        let after = try db.prepare(sql)
        #expect(before !== after)
        try db.run(sql, ["b"])
        #expect(try db.scalar("SELECT count(*) FROM t").integer == 2)
    }

    @Test func openingAMissingFolderFailsClearly() throws {
        let error = try #require(throws: StoreError.self) {
            _ = try Connection(path: "/nonexistent-folder-\(UUID().uuidString)/x.db")
        }
        #expect(error.description.contains("cannot open the store"))
    }
}
