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
            [.text("only a"), .null, .null, .null],  // the rest left out: NULL, not the last row's
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
            #expect(parameters.count == 1)
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

    @Test func aPackBindsItsValuesInOrderBetweenTheOnesAppendedAroundIt() throws {
        let connection = try makeStore()
        try connection.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, v1, v2, v3, v4, v5, v6)")
        let insert = HeldStatement("INSERT INTO p (v1, v2, v3, v4, v5, v6) VALUES (?, ?, ?, ?, ?, ?)", on: connection)
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
        }
        #expect(try connection.rows("SELECT v1, v2, v3, v4, v5, v6 FROM p ORDER BY id") == [
            [.integer(42), .text(""), .null, .integer(Int64.min), .text("日本語 ✓"), .null],
            [.integer(42), .text(large), .null, .integer(Int64.min), .text("x"), .null],
            [.text("alone"), .null, .null, .null, .null, .null],
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
