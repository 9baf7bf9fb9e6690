import Testing
import TallyFormats

@Suite("CSVReader: RFC 4180")
struct CSVReaderTests {
    @Test("plain records with header names and provenance", arguments: chunkSizes)
    func plain(chunkSize: Int) throws {
        let events = readCSV("number,state\nINC0010001,1\nINC0010002,2\n", chunkSize: chunkSize)
        #expect(events.count == 2)
        let first = try #require(events.first?.record)
        #expect(first.names == ["number", "state"])
        #expect(first.values == ["INC0010001", "1"])
        #expect(first.provenance == Provenance(file: "test.csv", record: 1, line: 2))
        let second = try #require(events.last?.record)
        #expect(second.provenance == Provenance(file: "test.csv", record: 2, line: 3))
        #expect(second["state"] == .some("2"))
    }

    @Test("quoted fields: escapes, delimiters and line breaks inside quotes", arguments: chunkSizes)
    func quoted(chunkSize: Int) throws {
        let text = "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"line 1\nline 2\r\nline 3\rline 4\"\n\"\",\"\"\"\",plain\n"
        let events = readCSV(text, chunkSize: chunkSize)
        #expect(values(events) == [
            ["x,y", "say \"hi\"", "line 1\nline 2\r\nline 3\rline 4"],
            ["", "\"", "plain"],
        ])
        #expect(positions(events).isEmpty)
        // The second record starts on line 6: its predecessor's quoted field spans lines 2–5.
        #expect(events.last?.record?.provenance.line == 6)
    }

    @Test("CRLF, LF and lone-CR line ends, mixed", arguments: chunkSizes)
    func lineEnds(chunkSize: Int) {
        let events = readCSV("a,b\r\n1,2\r3,4\n5,6\r\n7,8", chunkSize: chunkSize)
        #expect(values(events) == [["1", "2"], ["3", "4"], ["5", "6"], ["7", "8"]])
        #expect(events.compactMap { $0.record?.provenance.line } == [2, 3, 4, 5])
    }

    @Test("blank lines are ignored anywhere, trailing ones too", arguments: chunkSizes)
    func blankLines(chunkSize: Int) {
        let events = readCSV("\n\r\na,b\n\n1,2\r\n\r\n\r\n3,4\n\n\n", chunkSize: chunkSize)
        #expect(values(events) == [["1", "2"], ["3", "4"]])
        #expect(events.compactMap { $0.record?.provenance } == [
            Provenance(file: "test.csv", record: 1, line: 5),
            Provenance(file: "test.csv", record: 2, line: 8),
        ])
    }

    @Test("a UTF-8 byte-order mark is skipped and not counted in columns", arguments: chunkSizes)
    func byteOrderMark(chunkSize: Int) {
        let events = readCSV([0xEF, 0xBB, 0xBF] + Array("id,name\n1,x\"y\n".utf8), chunkSize: chunkSize)
        #expect(positions(events) == [Position(.strayQuote, line: 2, column: 4, record: 1)])
        let reader = CSVReader(source: MemoryByteSource([0xEF, 0xBB, 0xBF] + Array("id,name\n1,é\n".utf8), chunkSize: chunkSize))
        let all = reader.readAll()
        #expect(all.first?.record?.names == ["id", "name"])
        #expect(values(all) == [["1", "é"]])
    }

    @Test("empty fields, a trailing delimiter and no final line break", arguments: chunkSizes)
    func emptyFields(chunkSize: Int) {
        #expect(values(readCSV("a,b,c\n,,\n1,,\n,,3", chunkSize: chunkSize)) == [["", "", ""], ["1", "", ""], ["", "", "3"]])
        #expect(values(readCSV("a,b\n1,", chunkSize: chunkSize)) == [["1", ""]])
        #expect(values(readCSV("a,b\n1,\"\"", chunkSize: chunkSize)) == [["1", ""]])
    }

    @Test("values are kept as they are: spaces, leading zeros, long numbers, unicode", arguments: chunkSizes)
    func valuesKept(chunkSize: Int) {
        let text = "a,b,c,d\n  padded  ,007,12345678901234567890123,👩‍👩‍👧 e\u{301}\n"
        #expect(values(readCSV(text, chunkSize: chunkSize)) == [["  padded  ", "007", "12345678901234567890123", "👩‍👩‍👧 e\u{301}"]])
    }

    @Test("other delimiters", arguments: [CSVOptions.Delimiter.semicolon, .tab, .pipe])
    func delimiters(delimiter: CSVOptions.Delimiter) {
        let d = String(UnicodeScalar(delimiter.byte))
        let text = "a\(d)b\n\"x\(d)y\"\(d)2\n1,5\(d)3\n"
        let events = readCSV(text, options: CSVOptions(delimiter: delimiter))
        #expect(values(events) == [["x\(d)y", "2"], ["1,5", "3"]])
    }

    @Test("an empty file and a header-only file yield nothing", arguments: ["", "\n\n", "a,b,c\n", "a,b,c", "\u{FEFF}a,b\r\n\r\n"])
    func nothing(text: String) {
        #expect(readCSV(text).isEmpty)
    }

    @Test("without a header, columns are named column_N and the first record sets the width")
    func noHeader() throws {
        let events = readCSV("1,2\n3,4\n5\n", options: CSVOptions(hasHeader: false))
        #expect(events.first?.record?.names == ["column_1", "column_2"])
        #expect(values(events) == [["1", "2"], ["3", "4"]])
        #expect(positions(events) == [Position(.tooFewFields, line: 3, column: 2, record: 3)])
    }

    @Test("records are numbered from 1 and issues cost only their record", arguments: chunkSizes)
    func numbering(chunkSize: Int) {
        let events = readCSV("a,b\n1,2\n3\n4,5\n", chunkSize: chunkSize)
        #expect(events.count == 3)
        #expect(events[0].record?.provenance.record == 1)
        #expect(events[1].issue?.record == 2)
        #expect(events[2].record?.provenance.record == 3)
    }

    @Test("a long record spanning many small buffers", arguments: [1, 5, 13])
    func smallBuffers(chunkSize: Int) {
        let long = String(repeating: "abc\"\"def,\n", count: 200)
        let text = "a,b\n\"\(long)\",x\n"
        let events = readCSV(text, chunkSize: chunkSize, bufferSize: 16)
        #expect(values(events) == [[String(repeating: "abc\"def,\n", count: 200), "x"]])
    }

    @Test("delimiter sniffing picks the most frequent candidate outside quotes")
    func sniff() {
        #expect(CSVOptions.sniffDelimiter(prefix: Array("a;b;c\n1,2;3;4".utf8)) == .semicolon)
        #expect(CSVOptions.sniffDelimiter(prefix: Array("\"a;b;c\",d\n".utf8)) == .comma)
        #expect(CSVOptions.sniffDelimiter(prefix: Array("a\tb\tc|d\n".utf8)) == .tab)
        #expect(CSVOptions.sniffDelimiter(prefix: Array("a|b\n".utf8)) == .pipe)
        #expect(CSVOptions.sniffDelimiter(prefix: Array("number\n1,2,3".utf8)) == .comma)
        #expect(CSVOptions.sniffDelimiter(prefix: [0xEF, 0xBB, 0xBF] + Array("x;y".utf8)) == .semicolon)
    }
}
