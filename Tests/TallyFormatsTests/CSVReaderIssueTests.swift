import Testing
import TallyFormats

@Suite("CSVReader: bad input")
struct CSVReaderIssueTests {
    @Test("too many fields: the issue points at the first extra field", arguments: chunkSizes)
    func tooMany(chunkSize: Int) throws {
        let events = readCSV("a,b\n1,2\n3,4,5,6\n7,8\n", chunkSize: chunkSize)
        #expect(positions(events) == [Position(.tooManyFields, line: 3, column: 5, record: 2)])
        #expect(values(events) == [["1", "2"], ["7", "8"]])
        let issue = try #require(events[1].issue)
        #expect(issue.rawText == "3,4,5,6")
        #expect(issue.file == "test.csv")
    }

    @Test("too few fields: the issue points at the end of the record", arguments: chunkSizes)
    func tooFew(chunkSize: Int) throws {
        let events = readCSV("a,b,c\n1,2,3\n\"x\ny\",2\n7,8,9", chunkSize: chunkSize)
        #expect(positions(events) == [Position(.tooFewFields, line: 4, column: 5, record: 2)])
        #expect(events[1].issue?.rawText == "\"x\ny\",2")
        #expect(values(events) == [["1", "2", "3"], ["7", "8", "9"]])
        // At the end of the input, without a line break.
        #expect(positions(readCSV("a,b,c\n1,2", chunkSize: chunkSize)) == [Position(.tooFewFields, line: 2, column: 4, record: 1)])
    }

    @Test("an unterminated quote is fatal and names where the quote opened", arguments: chunkSizes)
    func unterminated(chunkSize: Int) throws {
        let source = MemoryByteSource("a,b\n1,2\n3,\"open\n4,5\n6,7\n", name: "x.csv", chunkSize: chunkSize)
        let reader = CSVReader(source: source)
        #expect(try reader.next()?.record?.values == ["1", "2"])
        #expect {
            _ = try reader.next()
        } throws: { error in
            guard let issue = error as? ReadIssue else { return false }
            return Position(issue) == Position(.unterminatedQuote, line: 3, column: 3, record: 2)
                && issue.rawText == "3,\"open\n4,5\n6,7\n" && issue.file == "x.csv"
        }
        #expect(try reader.next() == nil)
    }

    @Test("a stray quote in an unquoted field, or text after a closing quote", arguments: chunkSizes)
    func strayQuote(chunkSize: Int) {
        let events = readCSV("a,b\n1,ab\"c\n\"x\"y,2\n3,4\n", chunkSize: chunkSize)
        #expect(positions(events) == [
            Position(.strayQuote, line: 2, column: 5, record: 1),
            Position(.strayQuote, line: 3, column: 4, record: 2),
        ])
        #expect(values(events) == [["3", "4"]])
    }

    @Test("lenient quotes keep bare quotes as text")
    func lenient() {
        let events = readCSV("a,b\n1,ab\"c\n\"x\"y,2\n", options: CSVOptions(lenientQuotes: true))
        #expect(positions(events).isEmpty)
        #expect(values(events) == [["1", "ab\"c"], ["xy", "2"]])
    }

    @Test("a NUL byte, in an unquoted or a quoted field", arguments: chunkSizes)
    func nul(chunkSize: Int) {
        let events = readCSV(Array("a,b\n1,x\0y\n\"2\n\0\",z\n3,4\n".utf8), chunkSize: chunkSize)
        #expect(positions(events) == [
            Position(.nulByte, line: 2, column: 4, record: 1),
            Position(.nulByte, line: 4, column: 1, record: 2),
        ])
        #expect(values(events) == [["3", "4"]])
    }

    @Test("invalid UTF-8: the position of the bad byte", arguments: chunkSizes)
    func invalidUTF8(chunkSize: Int) {
        var bytes = Array("a,b\n1,caf".utf8) + [0xE9] + Array("\n\"x\"\"\ny".utf8) + [0xC3, 0x28] + Array("\",2\n".utf8)
        bytes += Array("\"ok é\",\"".utf8) + [0xF0, 0x9F, 0x98] + Array("\"\n5,6\n".utf8)
        let events = readCSV(bytes, chunkSize: chunkSize)
        #expect(positions(events) == [
            Position(.invalidEncoding, line: 2, column: 6, record: 1),
            Position(.invalidEncoding, line: 4, column: 2, record: 2),
            Position(.invalidEncoding, line: 5, column: 10, record: 3),
        ])
        #expect(events.first?.issue?.message.contains("0xE9") == true)
        #expect(values(events) == [["5", "6"]])
    }

    @Test("a field over maxFieldBytes costs its record and is not buffered", arguments: chunkSizes)
    func fieldTooLarge(chunkSize: Int) {
        let options = CSVOptions(maxFieldBytes: 5)
        let text = "a,b\n12345,x\n123456,x\n1,\"ab\"\"cde\nf\"\n\"\"\"\"\"\"\"\"\"\",y\n7,8\n"
        let events = readCSV(text, chunkSize: chunkSize, options: options, bufferSize: 16)
        #expect(positions(events) == [
            Position(.fieldTooLarge, line: 3, column: 1, record: 2),
            Position(.fieldTooLarge, line: 4, column: 3, record: 3),
        ])
        #expect(values(events) == [["12345", "x"], ["\"\"\"\"", "y"], ["7", "8"]])
    }

    @Test("duplicate and empty header names are reported once, and reading carries on", arguments: chunkSizes)
    func headerNames(chunkSize: Int) throws {
        let events = readCSV("number,state,,state\nINC0010001,1,x,New\n", chunkSize: chunkSize)
        #expect(positions(events) == [
            Position(.emptyHeader, line: 1, column: 14, record: nil),
            Position(.duplicateHeader, line: 1, column: 15, record: nil),
        ])
        let record = try #require(events.last?.record)
        #expect(record.names == ["number", "state", "", "state"])
        #expect(record.values == ["INC0010001", "1", "x", "New"])
        #expect(record.provenance.record == 1)
    }

    @Test("a header that cannot be read is fatal")
    func badHeader() {
        let events = readCSV("num\"ber,state\n1,2\n")
        #expect(positions(events) == [Position(.strayQuote, line: 1, column: 4, record: nil)])
        #expect(events.first?.issue?.message.hasPrefix("the header cannot be read") == true)
    }

    @Test("issue descriptions read FILE:LINE:COLUMN: message")
    func description() throws {
        let issue = try #require(readCSV("a,b\n1\n").first?.issue)
        #expect(issue.description == "test.csv:2:2: 1 field where the header has 2")
    }
}
