import Testing
import TestSupport
@testable import TallyFormats

/// The Parquet writer, read back by the test reader (`ParquetTestReader.swift`); DuckDB and pyarrow
/// read the extracts in `Tests/TallyEndToEndTests/ParquetExtractTests.swift`.
@Suite("Parquet writer")
struct ParquetWriterTests {
    static let columns = [
        ParquetColumn("id", .int64, isNullable: false), ParquetColumn("amount", .double), ParquetColumn("flag", .boolean),
        ParquetColumn("at", .timestampMicros), ParquetColumn("text", .string),
    ]

    static let hostile = [
        "plain", "", "say \"hi\", then 'bye'", "line one\nline two\r\nthree", "naïve café — 東京 🚀", "=1+2", "\u{0}nul",
        String(repeating: "x", count: 70_000),
    ]

    /// Rows mixing every kind with nulls and hostile text.
    static func rows(_ count: Int) -> [[ParquetValue]] {
        (0..<count).map { i in
            [
                .int64(Int64(i) - 3),
                i % 3 == 0 ? .null : .double(Double(i) * 1.5 - 7),
                i % 4 == 0 ? .null : .boolean(i % 2 == 0),
                i % 5 == 0 ? .null : .int64(1_700_000_000_000_000 + Int64(i) * 1_000_000),
                i % 7 == 0 ? .null : .string(hostile[i % hostile.count]),
            ]
        }
    }

    static func write(_ rows: [[ParquetValue]], columns: [ParquetColumn] = columns, rowGroupBytes: Int = 32 << 20, pageBytes: Int = 1 << 20) throws -> [UInt8] {
        let sink = MemoryOutputSink()
        let writer = try ParquetWriter(columns: columns, sink: sink, createdBy: "tally test", rowGroupBytes: rowGroupBytes, pageBytes: pageBytes)
        for row in rows { try writer.write(row) }
        try writer.finish()
        return sink.bytes
    }

    static func rowsRead(_ file: ParquetTestFile) -> [[ParquetValue]] {
        let count = file.values.first?.count ?? 0
        return (0..<count).map { row in file.values.map { $0[row] } }
    }

    @Test func everyKindReadsBackWithItsNulls() throws {
        let rows = Self.rows(120)
        let file = try ParquetTestFile(Self.write(rows))
        #expect(file.names == Self.columns.map(\.name))
        #expect(file.metadata[3]?.int == 120)
        #expect(Self.rowsRead(file) == rows)
    }

    /// Small limits force many row groups and pages; values, counts and statistics still hold.
    @Test func rowGroupsAndPagesStayBoundedAndReadBack() throws {
        let rows = Self.rows(1_000)
        let file = try ParquetTestFile(Self.write(rows, rowGroupBytes: 16 << 10, pageBytes: 2 << 10))
        #expect(Self.rowsRead(file) == rows)
        #expect(file.rowGroups.count > 3)
        #expect(file.pageCounts.flatMap { $0 }.contains { $0 > 1 })
        var start = 0
        for group in file.rowGroups {
            let count = Int(group[3]?.int ?? 0)
            for (index, chunk) in (group[1]?.list ?? []).enumerated() {
                let values = Array(file.values[index][start..<start + count])
                let present = values.filter { $0 != .null }
                let stats = try #require(chunk[3]?[12])
                #expect(stats[3]?.int == Int64(values.count - present.count), "null count of \(Self.columns[index].name)")
                let low = present.min { $0.precedes($1) }, high = present.max { $0.precedes($1) }
                if let low, let high, low.statisticsBytes.count <= 4096, high.statisticsBytes.count <= 4096 {
                    #expect(stats[6]?.bytes == low.statisticsBytes, "min of \(Self.columns[index].name)")
                    #expect(stats[5]?.bytes == high.statisticsBytes, "max of \(Self.columns[index].name)")
                } else {
                    #expect(stats[5] == nil && stats[6] == nil, "no min/max for \(Self.columns[index].name)")
                }
            }
            start += count
        }
        #expect(start == 1_000)
    }

    /// Text bounds compare as unsigned bytes (Parquet's order for STRING), not as Swift orders strings.
    @Test func textStatisticsUseByteOrder() throws {
        let rows: [[ParquetValue]] = ["é", "z", "Z", "e\u{301}"].map { [.string($0)] }
        let file = try ParquetTestFile(Self.write(rows, columns: [ParquetColumn("t", .string)]))
        let stats = try #require(file.rowGroups.first?[1]?.list.first?[3]?[12])
        #expect(stats[6]?.string == "Z")
        #expect(stats[5]?.string == "é")
    }

    @Test func sameRowsGiveTheSameBytes() throws {
        let rows = Self.rows(300)
        #expect(try Self.write(rows) == Self.write(rows))
        let file = try ParquetTestFile(Self.write(rows))
        #expect(file.metadata[6]?.string == "tally test")
    }

    /// The footer's schema: physical, converted and logical types, repetition; column orders.
    @Test func schemaCarriesTheTypes() throws {
        let file = try ParquetTestFile(Self.write(Self.rows(3)))
        let expected: [(physical: Int64, repetition: Int64, converted: Int64?)] = [(2, 0, nil), (5, 1, nil), (0, 1, nil), (2, 1, 10), (6, 1, 0)]
        for (element, want) in zip(file.schema, expected) {
            #expect(element[1]?.int == want.physical)
            #expect(element[3]?.int == want.repetition)
            #expect(element[6]?.int == want.converted)
        }
        let timestamp = try #require(file.schema[3][10]?[8])
        #expect(timestamp[1]?.bool == true, "isAdjustedToUTC")
        #expect(timestamp[2]?[2] == .structure([:]), "unit MICROS")
        #expect(file.schema[4][10]?[1] == .structure([:]), "logical type STRING")
        #expect(file.metadata[7]?.list.count == 5)
        let chunk = try #require(file.rowGroups.first?[1]?.list.first?[3])
        #expect(chunk[4]?.int == 0, "UNCOMPRESSED")
        #expect(chunk[2]?.list == [.int(0), .int(3)], "PLAIN, RLE")
    }

    @Test func noRowsIsAValidFile() throws {
        let file = try ParquetTestFile(Self.write([]))
        #expect(file.rowGroups.isEmpty)
        #expect(file.metadata[3]?.int == 0)
        #expect(file.names.count == 5)
    }

    /// A value that does not fit its column throws before anything of its row is buffered.
    @Test func aMisfitValueThrowsAndWritesNothingOfItsRow() throws {
        let sink = MemoryOutputSink()
        let writer = try ParquetWriter(columns: Self.columns, sink: sink, createdBy: "t")
        try writer.write(Self.rows(1)[0])
        #expect(throws: OutputError.self) { try writer.write([.null, .null, .null, .null, .null]) }
        #expect(throws: OutputError.self) { try writer.write([.int64(1), .string("1.5"), .null, .null, .null]) }
        #expect(throws: OutputError.self) { try writer.write([.int64(1)]) }
        try writer.finish()
        let file = try ParquetTestFile(sink.bytes)
        #expect(Self.rowsRead(file) == Self.rows(1))
    }

    /// Levels: runs of 8 equal values are RLE runs, mixed groups bit-packed, the tail runs.
    @Test func definitionLevelsUseTheHybridEncoding() throws {
        #expect(RLEHybrid.encode(bits: Array(repeating: 1, count: 16)) == [0x20, 0x01])
        #expect(RLEHybrid.encode(bits: [1, 0, 1, 0, 1, 0, 1, 0]) == [0x03, 0x55])
        #expect(RLEHybrid.encode(bits: [1, 1, 0]) == [0x04, 0x01, 0x02, 0x00])
        var generator = SeededGenerator(seed: 29)
        for length in [0, 1, 7, 8, 9, 63, 64, 65, 1_000] {
            let levels = (0..<length).map { _ in UInt8(generator.next() % 5 == 0 ? 0 : 1) }
            #expect(try ParquetTestFile.decodeLevels(RLEHybrid.encode(bits: levels), count: length) == levels)
        }
    }

    @Test func thriftFieldHeadersUseDeltasAndZigzag() {
        var thrift = ThriftCompactWriter()
        thrift.i32(1, 0)
        thrift.i64(2, -1)
        thrift.bool(3, true)
        thrift.i32(20, 64)
        thrift.string(21, "ab")
        thrift.finish()
        #expect(thrift.bytes == [0x15, 0x00, 0x16, 0x01, 0x11, 0x05, 0x28, 0x80, 0x01, 0x18, 0x02, 0x61, 0x62, 0x00])
    }
}
