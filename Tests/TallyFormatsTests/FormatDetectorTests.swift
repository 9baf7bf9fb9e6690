import Testing
import TallyFormats
import TestSupport

@Suite("FormatDetector")
struct FormatDetectorTests {
    static func detect(_ text: String, bom: Bool = false) -> InputFormat {
        let bytes = (bom ? [0xEF, 0xBB, 0xBF] : []) + Array(text.utf8)
        return FormatDetector.detect(sample: bytes, isComplete: true)
    }

    @Test(arguments: [
        ("<?xml version=\"1.0\"?><unload/>", InputFormat.xml),
        ("  \n\t<unload></unload>", .xml),
        ("[{\"a\": 1}]", .json),
        ("\r\n  [", .json),
        ("{\"result\": [{\"a\": 1}]}", .json),
        ("{\n  \"records\" :\n  [\n", .json),
        ("{\"meta\": {\"result\": [1]}, \"x\": 1, \"result\": [", .json),
        ("{\"result\": {\"number\": \"INC1\"}}", .json),
        ("{\"foo\": 1}\n", .json),
        ("{\n  \"number\": \"INC1\",\n  \"state\": \"2\"\n}\n", .json),
        ("{\"a\": 1}\n{\"a\": 2}\n", .ndjson),
        ("{\"a\": \"}{\\\"\", \"b\": [1, {\"c\": 2}]}\n\n{\"a\": 2}", .ndjson),
        ("{\"result\": \"ok\"}\n{\"result\": \"ok\"}\n", .ndjson),
        ("number,short_description,state\nINC1,x,2\n", .csv),
        ("\"Number\",\"Short description\"\n", .csv),
        ("number\tshort_description\tstate\nINC1\tx\t2\n", .tsv),
        ("\"a,b\"\tc\td\n", .tsv),
        ("a\tb,c,d\n", .csv),
        ("number\n", .csv),
        ("", .csv),
        ("   \n ", .csv),
    ])
    func detects(_ text: String, _ format: InputFormat) {
        #expect(Self.detect(text) == format, "\(text.debugDescription)")
        #expect(Self.detect(text, bom: true) == format, "BOM + \(text.debugDescription)")
    }

    @Test func aFirstObjectLongerThanTheSampleIsJSON() {
        let text = "{\"a\": \"" + String(repeating: "x", count: 100)
        #expect(FormatDetector.detect(sample: Array(text.utf8), isComplete: false) == .json)
        #expect(FormatDetector.detect(sample: Array("{\"a\": 1}".utf8), isComplete: false) == .ndjson)
    }

    @Test func utf16WithByteOrderMark() {
        let text = "number\tstate\n"
        let le: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be: [UInt8] = [0xFE, 0xFF] + "<unload/>".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(FormatDetector.detect(sample: le, isComplete: true) == .tsv)
        #expect(FormatDetector.detect(sample: be, isComplete: true) == .xml)
    }

    @Test(arguments: [("good/table-api.json", InputFormat.json), ("good/jsonv2.json", .json),
                      ("good/bare-array.json", .json), ("good/records.ndjson", .ndjson),
                      ("bad/not-a-container.json", .json), ("bad/ndjson-bad-line.ndjson", .ndjson)])
    func detectsFixturesWithoutConsumingThem(_ fixture: String, _ format: InputFormat) throws {
        let source = PeekableByteSource(try FileByteSource(path: Paths.fixture(fixture)))
        #expect(try FormatDetector.detect(source) == format)
        let events = JSONRecordReader(source: source).readAll()
        #expect(events.compactMap(\.record).first?.provenance.record == 1)
        #expect(events.count == 3 || fixture.hasPrefix("bad/not-a"))
    }
}

@Suite("PeekableByteSource")
struct PeekableByteSourceTests {
    static func drain(_ source: any ByteSource, bufferSize: Int) throws -> [UInt8] {
        var all: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { return all }
            all += buffer[0..<count]
        }
    }

    @Test(arguments: [1, 3, 100])
    func peekedBytesAreReplayed(_ chunkSize: Int) throws {
        let bytes = (0..<1000).map { UInt8($0 % 251) }
        let source = PeekableByteSource(MemoryByteSource(bytes, name: "m", chunkSize: chunkSize))
        #expect(try source.peek(10) == Array(bytes[0..<10]))
        #expect(try source.peek(4) == Array(bytes[0..<4]))
        #expect(try source.peek(300) == Array(bytes[0..<300]))
        #expect(source.name == "m")
        #expect(try Self.drain(source, bufferSize: 7) == bytes)
    }

    @Test func peekingPastTheEnd() throws {
        let source = PeekableByteSource(MemoryByteSource("abc"))
        #expect(try source.peek(100) == Array("abc".utf8))
        #expect(try Self.drain(source, bufferSize: 2) == Array("abc".utf8))
        let untouched = PeekableByteSource(MemoryByteSource("xyz"))
        #expect(try Self.drain(untouched, bufferSize: 64) == Array("xyz".utf8))
    }
}
