import Testing
import TallyFormats

@Suite("TranscodingByteSource")
struct TranscodingByteSourceTests {
    func transcode(_ bytes: [UInt8], _ encoding: TranscodingByteSource.Encoding, chunkSize: Int = .max,
                   readSize: Int = 7) throws(ReadIssue) -> [UInt8] {
        let source = TranscodingByteSource(
            source: MemoryByteSource(bytes, name: "in.csv", chunkSize: chunkSize), encoding: encoding, chunkSize: 5)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: readSize)
        while true {
            var failure: ReadIssue?
            let count = buffer.withUnsafeMutableBytes { raw in
                do throws(ReadIssue) { return try source.read(into: raw) } catch { failure = error; return 0 }
            }
            if let failure { throw failure }
            if count == 0 { return out }
            out += buffer[..<count]
        }
    }

    static let text = "a,b\né,€\u{0081}\n🚀,Ω\r\n"

    @Test("UTF-16 in both byte orders, with and without a declared order", arguments: [1, 2, 3, .max])
    func utf16(chunkSize: Int) throws {
        let units = Array(Self.text.utf16)
        let le = units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be = units.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let expected = Array(Self.text.utf8)
        #expect(try transcode([0xFF, 0xFE] + le, .utf16, chunkSize: chunkSize) == expected)
        #expect(try transcode([0xFE, 0xFF] + be, .utf16, chunkSize: chunkSize) == expected)
        #expect(try transcode(le, .utf16le, chunkSize: chunkSize) == expected)
        #expect(try transcode([0xFF, 0xFE] + le, .utf16le, chunkSize: chunkSize) == expected)
        #expect(try transcode(be, .utf16be, chunkSize: chunkSize) == expected)
    }

    @Test("Latin-1 and Windows-1252")
    func singleByte() throws {
        let bytes: [UInt8] = [0x41, 0xE9, 0x80, 0x81, 0x9F, 0xA9, 0xFF]
        #expect(try transcode(bytes, .latin1) == Array("Aé\u{80}\u{81}\u{9F}©ÿ".utf8))
        #expect(try transcode(bytes, .windows1252) == Array("Aé€\u{81}Ÿ©ÿ".utf8))
    }

    @Test("UTF-8 passes through untouched, invalid bytes included")
    func utf8() throws {
        #expect(try transcode([0x61, 0xFF, 0x62], .utf8) == [0x61, 0xFF, 0x62])
    }

    @Test("unpaired surrogates and odd lengths are invalid encoding with the byte offset", arguments: [
        ([0xFF, 0xFE, 0x61, 0x00, 0x0A, 0x00, 0x62, 0x00, 0x00, 0xDC, 0x63, 0x00] as [UInt8], 8, 2, 2),  // lone low
        ([0xFF, 0xFE, 0x61, 0x00, 0x00, 0xD8, 0x62, 0x00], 4, 1, 2),  // high then not low
        ([0xFF, 0xFE, 0x61, 0x00, 0x00, 0xD8], 4, 1, 2),  // high at the end
        ([0xFF, 0xFE, 0x61, 0x00, 0x62], 4, 1, 2),  // odd byte count
        ([0x61, 0x00, 0x62, 0x00], 0, 1, 1),  // `.utf16` without a byte-order mark
    ])
    func invalid(bytes: [UInt8], offset: Int, line: Int, column: Int) {
        for chunkSize in [1, 3, Int.max] {
            #expect {
                _ = try transcode(bytes, .utf16, chunkSize: chunkSize)
            } throws: { error in
                guard let issue = error as? ReadIssue else { return false }
                return issue.kind == .invalidEncoding && issue.message.contains("byte offset \(offset) ")
                    && issue.line == line && issue.column == column && issue.file == "in.csv"
            }
        }
    }

    @Test("labels and byte-order-mark detection")
    func labels() {
        #expect(TranscodingByteSource.Encoding(label: "UTF-8") == .utf8)
        #expect(TranscodingByteSource.Encoding(label: "latin-1") == .latin1)
        #expect(TranscodingByteSource.Encoding(label: "ISO-8859-1") == .latin1)
        #expect(TranscodingByteSource.Encoding(label: "cp1252") == .windows1252)
        #expect(TranscodingByteSource.Encoding(label: "UTF-16LE") == .utf16le)
        #expect(TranscodingByteSource.Encoding(label: "ebcdic") == nil)
        #expect(TranscodingByteSource.Encoding.detect(prefix: [0xFF, 0xFE, 0x61, 0x00]) == .utf16)
        #expect(TranscodingByteSource.Encoding.detect(prefix: [0xFE, 0xFF]) == .utf16)
        #expect(TranscodingByteSource.Encoding.detect(prefix: [0xEF, 0xBB, 0xBF, 0x61]) == nil)
        #expect(TranscodingByteSource.Encoding.detect(prefix: [0xFF]) == nil)
    }
}
