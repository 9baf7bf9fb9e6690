import Foundation
import Testing
import TallyFormats

@Suite("NDJSONWriter and JSON escaping")
struct NDJSONWriterTests {
    func escaped(_ value: String) -> String {
        var out: [UInt8] = []
        appendJSONString(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("escapes", arguments: [
        ("plain", #""plain""#), ("", #""""#), ("\"", #""\"""#), ("\\", #""\\""#),
        ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#), ("\u{00}\u{01}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{7F}", "\"\u{7F}\""), ("é 東京 🚀 e\u{301}", "\"é 東京 🚀 e\u{301}\""), ("/", #""/""#),
    ])
    func escapes(value: String, expected: String) {
        #expect(escaped(value) == expected)
    }

    @Test("every control character and mixed text round-trips through JSONSerialization")
    func roundTrip() throws {
        var text = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()
        text += "quote\" back\\slash é👩‍👩‍👧 \u{2028}"
        let line = escaped(text)
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: .fragmentsAllowed) as? String
        #expect(parsed == text)
    }

    @Test("one object per line, keys in order, nil as null")
    func lines() throws {
        let sink = MemoryOutputSink()
        let writer = NDJSONWriter(sink: sink)
        try writer.write([("number", "INC0010001"), ("state", nil), ("note", "a \"b\"\nc")])
        try writer.write(names: ["number"], values: ["INC0010002"])
        try writer.flush()
        #expect(sink.string == """
            {"number":"INC0010001","state":null,"note":"a \\"b\\"\\nc"}
            {"number":"INC0010002"}

            """)
        #expect(writer.rowsWritten == 2)
        for line in sink.string.split(separator: "\n") {
            #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
        }
    }
}
