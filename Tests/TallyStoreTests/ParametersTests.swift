import Foundation
import Testing
import TestSupport
@testable import TallyStore

@Suite("Parameters")
struct ParametersTests {
    private func makeStore() throws -> Connection {
        let folder = try Paths.makeTempDirectory("parameters")
        let connection = try Connection(path: folder.appendingPathComponent("t.db").path)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c BLOB, d INTEGER)")
        return connection
    }

    private func rows(_ connection: Connection) throws -> [[SQLValue]] {
        try connection.rows("SELECT a, b, c, d FROM t ORDER BY id")
    }

    @Test func eachExecutionBindsItsOwnValuesWhateverTheirSizeAndLeavesNoneOfTheLastOnesBehind() throws {
        let connection = try makeStore()
        let insert = HeldStatement("INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)", on: connection)
        let large = String(repeating: "x", count: BoundBytes.blockSize + 10) + "é"  // more than a block
        let many = (0..<40).map { String(repeating: Character(UnicodeScalar(UInt8(65 + $0 % 26))), count: 3_000) }
        let expected: [[SQLValue]] = [
            [.text("first"), .text(""), .blob([1, 2, 3]), .integer(7)],  // an empty text is text, not NULL
            [.text(large), .text("after the large one"), .null, .null],
            [.text("small again"), .text(large), .blob([]), .integer(-1)],
            [.text("only a"), .null, .null, .null],  // NULL, not the last row's
        ]
        try insert.run { (parameters: inout Parameters) throws(StoreError) in
            try parameters.append("first"); try parameters.append(""); try parameters.append(.blob([1, 2, 3]))
            try parameters.append(Int64(7))
        }
        try insert.run { (parameters: inout Parameters) throws(StoreError) in
            try parameters.append(large); try parameters.append("after the large one")
            try parameters.append(nil as String?); try parameters.append(nil as Int64?)
        }
        try insert.run { (parameters: inout Parameters) throws(StoreError) in
            try parameters.append("small again"); try parameters.append(large); try parameters.append(.blob([]))
            try parameters.append(Int64(-1))
        }
        try insert.run { (parameters: inout Parameters) throws(StoreError) in
            try parameters.append("only a")
            for _ in 0..<3 { try parameters.appendNull() }
            #expect(parameters.count == 4)
        }
        #expect(try rows(connection) == expected)

        // Many values that fill several blocks in one execution, then an array of values.
        try connection.execute("DELETE FROM t")
        let wide = HeldStatement("INSERT INTO t (a) VALUES " + Array(repeating: "(?)", count: many.count).joined(separator: ", "),
                                 on: connection)
        try wide.run { (parameters: inout Parameters) throws(StoreError) in
            for text in many { try parameters.append(text) }
        }
        try wide.run(many.reversed().map(SQLValue.text))
        #expect(try connection.rows("SELECT a FROM t ORDER BY id").map { $0[0] } == (many + many.reversed()).map(SQLValue.text))
    }

    @Test(arguments: [0, 1, 3])
    func aStatementRunWithAnotherCountOfValuesThanParametersIsRefusedNotPaddedWithNull(count: Int) throws {
        let connection = try makeStore()
        let sql = "INSERT INTO t (a, b) VALUES (?, ?)"
        let values = Array(repeating: SQLValue.text("x"), count: count)
        for attempt in [{ try connection.run(sql, values) }, { _ = try connection.rows(sql, values) }] {
            let error = try #require(throws: StoreError.self) { try attempt() }
            #expect(error.codeName == "bad parameter or other API misuse")
            #expect(error.message == "wrong number of statement arguments: \(count) bound, the statement has 2 parameter(s)")
            #expect(error.sql == sql)
        }
        let held = HeldStatement(sql, on: connection)
        if count < 2 {  // appending past the last parameter fails as it appends (SQLITE_RANGE)
            let error = try #require(throws: StoreError.self) {
                try held.run { (parameters: inout Parameters) throws(StoreError) in
                    for value in values { try parameters.append(value) }
                }
            }
            #expect(error.message.hasPrefix("wrong number of statement arguments: \(count) bound"))
        }
        #expect(throws: StoreError.self) { try held.run(values) }
        #expect(try rows(connection).isEmpty)
        try held.run(["a", "b"])  // the statement still works with the right count
        #expect(try rows(connection) == [["a", "b", nil, nil]])
    }

    @Test func aScriptWithAParameterIsRefusedBeforeItRuns() throws {
        let connection = try makeStore()
        let error = try #require(throws: StoreError.self) {
            try connection.execute("INSERT INTO t (a) VALUES ('first'); INSERT INTO t (a) VALUES (?)")
        }
        #expect(error.message == "wrong number of statement arguments: 0 bound, the statement has 1 parameter(s)")
        #expect(try rows(connection) == [["first", nil, nil, nil]])  // statements before it ran, as in sqlite3_exec
        try connection.execute("INSERT INTO t (a) VALUES ('?'); -- a question mark in a literal or a comment?\n")
        #expect(try rows(connection).count == 2)
    }

    @Test func aPackBindsItsValuesInOrderBetweenTheOnesAppendedAroundIt() throws {
        let connection = try makeStore()
        try connection.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, v1, v2, v3, v4, v5)")
        let insert = HeldStatement("INSERT INTO p (v1, v2, v3, v4, v5) VALUES (?, ?, ?, ?, ?)", on: connection)
        let large = String(repeating: "ü", count: BoundBytes.blockSize)  // a pack larger than a block
        var packs: [PackedParameters] = []
        for texts in [["", "日本語 ✓"], [large, "x"]] {
            var pack = PackedParameters()
            pack.append(texts[0]); pack.appendNull(); pack.append(Int64.min); pack.append(texts[1])
            #expect(pack.count == 4)
            packs.append(pack)
        }
        for pack in packs {
            try insert.run { (parameters: inout Parameters) throws(StoreError) in
                try parameters.append(Int64(42)); try parameters.append(contentsOf: pack)
                #expect(parameters.count == 5)
            }
        }
        try insert.run { (parameters: inout Parameters) throws(StoreError) in  // an empty pack binds nothing
            try parameters.append(contentsOf: PackedParameters()); try parameters.append("alone")
            for _ in 0..<4 { try parameters.appendNull() }
        }
        #expect(try connection.rows("SELECT v1, v2, v3, v4, v5 FROM p ORDER BY id") == [
            [.integer(42), .text(""), .null, .integer(Int64.min), .text("日本語 ✓")],
            [.integer(42), .text(large), .null, .integer(Int64.min), .text("x")],
            [.text("alone"), .null, .null, .null, .null],
        ])
    }

    @Test func aParameterTheStatementDoesNotHaveFailsTheRunAndTheNextRunStillWorks() throws {
        let connection = try makeStore()
        let insert = HeldStatement("INSERT INTO t (a) VALUES (?)", on: connection)
        #expect(throws: StoreError.self) {
            try insert.run { (parameters: inout Parameters) throws(StoreError) in
                try parameters.append("one"); try parameters.append("one too many")
            }
        }
        try insert.run { (parameters: inout Parameters) throws(StoreError) in try parameters.append("two") }
        #expect(try connection.rows("SELECT a FROM t").map { $0[0] } == [.text("two")])
    }
}
