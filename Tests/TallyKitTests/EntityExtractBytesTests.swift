import Foundation
import Testing
import TallyFormats
import TestSupport
@testable import TallyKit
import TallyStore

/// A CSV entity extract copies text columns from the store as bytes (issue 26: within 1.5× of
/// sqlite3's own CSV export); what it writes is byte for byte what the `String` path writes.
@Suite("Entity extract as bytes")
struct EntityExtractBytesTests {
    /// Cells that quote, guard, or are not valid UTF-8, in text, datetime, integer and boolean columns.
    static let awkward: [String] = [
        "=cmd|' /C calc'!A0", "-5", "+3.5", "-x", "+", "@sum", "\tlead", " padded ", "'=already", "say \"hi\", then",
        "two\nlines", "cr\r", "", "日本語 é 🙂", "plain",
    ]

    static func store() throws -> TallyDatabase {
        let folder = try Paths.makeTempDirectory("tally-extract-bytes")
        let database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path)
        let table = EntityTable(try #require(database.registry.entity(named: "incident"))).name
        try database.connection.transaction {
            for (index, text) in awkward.enumerated() {
                try database.connection.run("""
                    INSERT INTO \(table) (sys_id, number, short_description, description, opened_at, active, reopen_count)
                    VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)
                    """, [.text(String(format: "%032x", index)), .text("INC\(index)"), .text(text),
                          .text(index % 2 == 0 ? "2026-01-0\(index % 9 + 1) 10:00:00" : text),
                          index % 3 == 0 ? .null : .integer(Int64(index % 2)), .integer(Int64(index) - 7)])
            }
            // Bytes that are not UTF-8, as another writer could have left them.
            try database.connection.execute("""
                INSERT INTO \(table) (sys_id, number, short_description) VALUES ('ffff', 'INC99', CAST(X'41FF42C3' AS TEXT))
                """)
        }
        return database
    }

    /// The `String` path writes cell by cell; what it writes is what `CSVWriter.writeRow` writes of
    /// the cells with `FormulaGuard.neutralised` applied (how it wrote rows before).
    @Test(arguments: [true, false])
    func theStringPathWritesWhatARowOfGuardedCellsWrites(_ formulaGuard: Bool) throws {
        let columns = [ReportColumn("a"), ReportColumn("b")]
        let rows: [[String?]] = Self.awkward.map { [$0, nil] } + [[nil, nil], ["", "x"], [nil, "-12.5e3"]]
        let written = MemoryOutputSink()
        let writer = try TableWriter(columns: columns, format: .csv, sink: written, policy: CellPolicy(formulaGuard: formulaGuard))
        for row in rows { try writer.write(row) }
        try writer.finish()

        let reference = MemoryOutputSink()
        let csv = CSVWriter(sink: reference)
        try csv.writeRow(["a", "b"])
        for row in rows { try csv.writeRow(row.map { cell in cell.map { formulaGuard ? FormulaGuard.neutralised($0) : $0 } }) }
        try csv.flush()
        #expect(written.bytes == reference.bytes, "\(written.string)\n---\n\(reference.string)")
    }

    @Test(arguments: [true, false])
    func bytesAreWhatTheStringPathWrites(_ formulaGuard: Bool) throws {
        let database = try Self.store()
        let extract = EntityExtract(try #require(database.registry.entity(named: "incident")))
        let policy = CellPolicy(formulaGuard: formulaGuard)

        let fast = MemoryOutputSink()
        let writer = try TableWriter(columns: extract.columns, format: .csv, sink: fast, policy: policy)
        #expect(writer.writesStoredBytes)
        try extract.write(from: database.connection, to: writer)
        try writer.finish()

        let slow = MemoryOutputSink()
        let reference = try TableWriter(columns: extract.columns, format: .csv, sink: slow, policy: policy)
        try extract.forEachRow(in: database.connection) { try reference.write($0) }
        try reference.finish()

        #expect(writer.rows == Self.awkward.count + 1 && reference.rows == writer.rows)
        #expect(fast.bytes == slow.bytes, "\(fast.string)\n---\n\(slow.string)")
        #expect(fast.string.contains(formulaGuard ? "'=cmd" : ",=cmd"))
        #expect(fast.string.contains("A\u{FFFD}B\u{FFFD}"), "invalid UTF-8 repaired as the String path repairs it")
    }

    @Test func aMaskedColumnTakesTheStringPath() throws {
        let database = try Self.store()
        let extract = EntityExtract(try #require(database.registry.entity(named: "incident")))
        let mask = try FieldMask.load(fields: ["short_description"], from: database.connection)
        let writer = try TableWriter(columns: extract.columns, format: .csv, sink: MemoryOutputSink(), policy: CellPolicy(mask: mask))
        #expect(!writer.writesStoredBytes)
        let json = try TableWriter(columns: extract.columns, format: .ndjson, sink: MemoryOutputSink())
        #expect(!json.writesStoredBytes)
    }
}
