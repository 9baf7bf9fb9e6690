import Foundation
import Testing
import TestSupport
import TallyFormats

@Suite("CSVWriter")
struct CSVWriterTests {
    func write(_ rows: [[String?]], options: CSVWriter.Options = CSVWriter.Options()) throws -> String {
        let sink = MemoryOutputSink()
        let writer = CSVWriter(sink: sink, options: options)
        for row in rows { try writer.writeRow(row) }
        try writer.flush()
        #expect(writer.rowsWritten == rows.count)
        return sink.string
    }

    @Test("quotes only what needs quoting", arguments: [
        ("plain", "plain"), ("", ""), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""), ("cr\r", "\"cr\r\""), (" lead", "\" lead\""), ("trail ", "\"trail \""),
        ("in side", "in side"), ("a;b", "a;b"), ("é🚀", "é🚀"), ("-5", "-5"),
    ])
    func quoting(value: String, expected: String) throws {
        #expect(try write([[value, "x"]]) == expected + ",x\n")
    }

    @Test("nil is an empty cell; a row of one empty field is written as \"\"")
    func emptyCells() throws {
        #expect(try write([["a", nil, "c"], [nil, nil]]) == "a,,c\n,\n")
        #expect(try write([[nil], [""]]) == "\"\"\n\"\"\n")
    }

    @Test("CRLF line ends and other delimiters")
    func options() throws {
        let options = CSVWriter.Options(delimiter: .semicolon, lineEnding: .crlf)
        #expect(try write([["a;b", "c,d"]], options: options) == "\"a;b\";c,d\r\n")
    }

    @Test("a file sink writes through its buffer, larger than one buffer too")
    func fileSink() throws {
        let directory = try TestSupport.Paths.makeTempDirectory()
        let path = directory.appendingPathComponent("out.csv").path
        let sink = try FileOutputSink(path: path, bufferSize: 16)
        let writer = CSVWriter(sink: sink)
        let long = String(repeating: "x", count: 100)
        try writer.writeRow(["number", "note"])
        try writer.writeRow(["INC0010001", long])
        try sink.close()
        let written = try FileByteSource(path: path)
        let events = CSVReader(source: written).readAll()
        #expect(values(events) == [["INC0010001", long]])
    }

    @Test("a file sink that cannot be created says why")
    func unwritable() {
        #expect(throws: OutputError.self) { try FileOutputSink(path: "/nonexistent-dir/x.csv") }
    }
}
