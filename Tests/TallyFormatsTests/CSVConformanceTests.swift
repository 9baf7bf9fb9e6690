import Foundation
import Testing
import TallyFormats
import TestSupport

/// Third-party suites in `Tests/Data/conformance/`.
@Suite("CSVReader: conformance")
struct CSVConformanceTests {
    static let spectrum = Paths.testData("conformance/csv-spectrum")
    static let csvkit = Paths.testData("conformance/csvkit-examples")

    static var spectrumCases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spectrum + "/csvs")) ?? []
        return names.filter { $0.hasSuffix(".csv") && $0 != "location_coordinates.csv" }.sorted()
    }

    func read(_ path: String, encoding: TranscodingByteSource.Encoding = .utf8, options: CSVOptions = CSVOptions(),
              chunkSize: Int = .max) throws -> [ReadEvent] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let memory = MemoryByteSource(bytes, name: path, chunkSize: chunkSize)
        let source: any ByteSource = encoding == .utf8 ? memory : TranscodingByteSource(source: memory, encoding: encoding)
        return CSVReader(source: source, options: options).readAll()
    }

    @Test("csv-spectrum: every file parses to its JSON", arguments: spectrumCases, [1, 3, Int.max])
    func spectrumCase(name: String, chunkSize: Int) throws {
        let events = try read(Self.spectrum + "/csvs/" + name, chunkSize: chunkSize)
        #expect(positions(events).isEmpty)
        let jsonName = name.replacingOccurrences(of: ".csv", with: ".json")
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.spectrum + "/json/" + jsonName))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
        let actual = events.compactMap(\.record).map { record in
            Dictionary(uniqueKeysWithValues: record.fields.map { ($0, $1 ?? "") })
        }
        #expect(actual == expected)
    }

    @Test("csv-spectrum location_coordinates (broken upstream): strict flags the bare quote, lenient keeps it")
    func locationCoordinates() throws {
        let path = Self.spectrum + "/csvs/location_coordinates.csv"
        let strict = try read(path)
        #expect(positions(strict) == [Position(.strayQuote, line: 2, column: 24, record: 1)])
        let lenient = try read(path, options: CSVOptions(lenientQuotes: true))
        #expect(positions(lenient).isEmpty)
        // The CSV itself is the oracle here, not the upstream JSON (see SOURCE.txt).
        #expect(values(lenient) == [["2095257564", "37\u{FFFD}36'37.8\"N 121\u{FFFD}2'17.9\"W", "Modesto", "Stanislaus"]])
    }

    @Test("csvkit bad.csv: ragged rows cost their records")
    func bad() throws {
        let events = try read(Self.csvkit + "/bad.csv")
        #expect(positions(events) == [
            Position(.tooManyFields, line: 2, column: 7, record: 1),
            Position(.tooFewFields, line: 3, column: 18, record: 2),
        ])
        #expect(values(events) == [["0", "mixed types.... uh oh", "17"]])
    }

    @Test("csvkit null_byte.csv")
    func nullByte() throws {
        #expect(positions(try read(Self.csvkit + "/null_byte.csv")) == [Position(.nulByte, line: 2, column: 1, record: 1)])
    }

    @Test("csvkit mac_newlines.csv: lone CRs, also inside quotes")
    func macNewlines() throws {
        let events = try read(Self.csvkit + "/mac_newlines.csv")
        #expect(values(events) == [["1", "2", "3"], ["Once upon\ra time", "5", "6"]])
        #expect(events.compactMap { $0.record?.provenance.line } == [2, 3])
    }

    @Test("csvkit test_utf8_bom.csv")
    func utf8BOM() throws {
        let events = try read(Self.csvkit + "/test_utf8_bom.csv")
        #expect(events.first?.record?.names == ["foo", "bar", "baz"])
        #expect(values(events) == [["1", "2", "3"], ["4", "5", "ʤ"]])
    }

    @Test("csvkit encodings through TranscodingByteSource", arguments: [
        ("test_latin1.csv", TranscodingByteSource.Encoding.latin1, "©"),
        ("test_utf16_big.csv", .utf16, "ʤ"),
        ("test_utf16_little.csv", .utf16, "ʤ"),
        ("test_utf16_big.csv", .utf16be, "ʤ"),
        ("test_utf16_little.csv", .utf16le, "ʤ"),
    ])
    func encodings(name: String, encoding: TranscodingByteSource.Encoding, last: String) throws {
        for chunkSize in [1, 3, Int.max] {
            let events = try read(Self.csvkit + "/" + name, encoding: encoding, chunkSize: chunkSize)
            #expect(events.first?.record?.names == ["a", "b", "c"])
            #expect(values(events) == [["1", "2", "3"], ["4", "5", last]])
        }
    }

    @Test("csvkit empty.csv (a lone line break) yields nothing")
    func empty() throws {
        #expect(try read(Self.csvkit + "/empty.csv").isEmpty)
    }

    @Test("csvkit header/row width mismatches", arguments: [
        ("test_extra_header.csv", [Position(.tooFewFields, line: 2, column: 6, record: 1)]),
        ("test_empty_columns_long_row.csv", [Position(.tooManyFields, line: 2, column: 4, record: 1)]),
        ("test_empty_columns_short_row.csv", [Position(.tooFewFields, line: 2, column: 2, record: 1)]),
        ("test_empty_columns.csv", [Position(.emptyHeader, line: 1, column: 7, record: nil),
                                    Position(.emptyHeader, line: 1, column: 8, record: nil),
                                    Position(.tooFewFields, line: 3, column: 5, record: 2)]),
        ("dummy_col_shuffled_ragged.csv", []),
    ])
    func widths(name: String, expected: [Position]) throws {
        #expect(positions(try read(Self.csvkit + "/" + name)) == expected)
    }

    @Test("csvkit test_empty_columns.csv keeps its full-width rows, empty names included")
    func emptyColumns() throws {
        let events = try read(Self.csvkit + "/test_empty_columns.csv")
        #expect(events.compactMap(\.record).first?.names == ["a", "b", "c", "", ""])
        #expect(values(events) == [["a", "", "", "", ""], ["", "", "", "", ""]])
    }

    @Test("csvkit test_header_newline.csv: whitespace inside a quoted header is kept")
    func headerNewline() throws {
        let events = try read(Self.csvkit + "/test_header_newline.csv")
        #expect(events.first?.record?.names == ["\t\n\u{0B}\u{0C}\r start \t\n\u{0B}\u{0C}\r end \t\n\u{0B}\u{0C}\r", "b", "c"])
        // Each "\t\n\v\f\r " holds two line breaks (LF, then a lone CR): the header spans lines 1–7.
        #expect(events.first?.record?.provenance.line == 8)
        #expect(values(events) == [["d", "e", "f"]])
    }

    @Test("csvkit dummy.tsv with a sniffed tab delimiter")
    func tsv() throws {
        let path = Self.csvkit + "/dummy.tsv"
        let prefix = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)).prefix(4096))
        let delimiter = CSVOptions.sniffDelimiter(prefix: prefix)
        #expect(delimiter == .tab)
        let events = try read(path, options: CSVOptions(delimiter: delimiter))
        #expect(positions(events).isEmpty)
        #expect(events.first?.record?.names.count == 3)
    }
}
