import Testing
import TallyFormats
import TestSupport

/// The files in `fixtures/bad/`, each named after its defect.
@Suite("CSVReader: fixtures/bad")
struct CSVFixtureTests {
    static let header = ["number", "short_description", "state", "sys_updated_on"]

    func read(_ name: String, encoding: TranscodingByteSource.Encoding = .utf8) throws -> [ReadEvent] {
        let file = try FileByteSource(path: Paths.fixture("bad/\(name)"))
        let source: any ByteSource = encoding == .utf8 ? file : TranscodingByteSource(source: file, encoding: encoding)
        return CSVReader(source: source).readAll()
    }

    func numbers(_ events: [ReadEvent]) -> [String?] {
        events.compactMap { $0.record?.values.first ?? nil }
    }

    @Test("one bad record costs only itself", arguments: [
        ("too-many-fields.csv", Position(.tooManyFields, line: 3, column: 32, record: 2)),
        ("too-few-fields.csv", Position(.tooFewFields, line: 3, column: 24, record: 2)),
        ("stray-quote.csv", Position(.strayQuote, line: 3, column: 18, record: 2)),
        ("nul-byte.csv", Position(.nulByte, line: 3, column: 17, record: 2)),
        ("invalid-utf8.csv", Position(.invalidEncoding, line: 3, column: 15, record: 2)),
    ])
    func oneBadRecord(name: String, expected: Position) throws {
        let events = try read(name)
        #expect(positions(events) == [expected])
        #expect(numbers(events) == ["INC0010001", "INC0010003"])
        #expect(events.compactMap { $0.record?.provenance.record } == [1, 3])
        let issue = try #require(events[1].issue)
        #expect(issue.rawText?.hasPrefix("INC0010002,") == true)
        #expect(issue.file.hasSuffix("fixtures/bad/\(name)"))
    }

    @Test func unterminatedQuote() throws {
        let events = try read("unterminated-quote.csv")
        #expect(numbers(events) == ["INC0010001"])
        #expect(positions(events) == [Position(.unterminatedQuote, line: 3, column: 12, record: 2)])
    }

    @Test func duplicateHeader() throws {
        let events = try read("duplicate-header.csv")
        #expect(positions(events) == [Position(.duplicateHeader, line: 1, column: 32, record: nil)])
        #expect(events.compactMap(\.record).map(\.values) == [
            ["INC0010001", "Printer jammed", "1", "New"],
            ["INC0010002", "Email down", "2", "In Progress"],
        ])
    }

    @Test("good files in other shapes and encodings", arguments: [
        ("utf8-bom.csv", TranscodingByteSource.Encoding.utf8, [["INC0010001", "Printer jammed"], ["INC0010002", "Café Wi-Fi down"]], [2, 3]),
        ("crlf.csv", .utf8, [["INC0010001", "Printer jammed"], ["INC0010002", "Email down\r\nsince 9am"]], [2, 3]),
        ("lone-cr.csv", .utf8, [["INC0010001", "Printer jammed"], ["INC0010002", "Email down\rsince 9am"]], [2, 3]),
        ("latin1.csv", .latin1, [["INC0010001", "Café Wi-Fi down"], ["INC0010002", "Straße printer ½ broken"]], [2, 3]),
        ("utf16le-bom.csv", .utf16, [["INC0010001", "Café Wi-Fi down"], ["INC0010002", "🚀 launch blocked"]], [2, 3]),
    ])
    func good(name: String, encoding: TranscodingByteSource.Encoding, expected: [[String]], lines: [Int]) throws {
        let events = try read(name, encoding: encoding)
        #expect(positions(events).isEmpty)
        let records = events.compactMap(\.record)
        #expect(records.map { Array($0.values.prefix(2)) } == expected)
        #expect(records.map(\.provenance.line) == lines)
        #expect(records.first?.names == Self.header)
    }

    @Test("latin-1 read as UTF-8 is an error at the first non-ASCII byte")
    func latin1Undeclared() throws {
        let events = try read("latin1.csv")
        #expect(positions(events) == [
            Position(.invalidEncoding, line: 2, column: 15, record: 1),
            Position(.invalidEncoding, line: 3, column: 16, record: 2),
        ])
    }

    @Test("empty and header-only files yield nothing", arguments: ["empty.csv", "header-only.csv"])
    func nothing(name: String) throws {
        #expect(try read(name).isEmpty)
    }
}
