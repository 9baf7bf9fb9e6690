import Testing
@testable import TallyFormats

/// Runs `body` on a tokenizer over `text`, read `chunkSize` bytes at a time.
func withTokenizer<T>(_ text: String, chunkSize: Int? = nil, maxStringBytes: Int = 1024,
                      _ body: (inout JSONTokenizer) throws(ReadIssue) -> T) throws(ReadIssue) -> T {
    var tokenizer = JSONTokenizer(source: MemoryByteSource(text, name: "t.json", chunkSize: chunkSize),
                                  maxStringBytes: maxStringBytes)
    defer { tokenizer.deallocate() }
    return try body(&tokenizer)
}

@Suite("JSONTokenizer")
struct JSONTokenizerTests {
    @Test(arguments: [nil, 1, 3])
    func decodesStringsSplitAcrossChunks(chunkSize: Int?) throws {
        let text = #" "plain" "a\"b\\c\/\n\u00e9\ud83d\ude00" "#
        let strings = try withTokenizer(text, chunkSize: chunkSize) { t throws(ReadIssue) in
            var found: [String] = []
            while try t.skipWhitespace() == JSONByte.quote {
                let token = try t.scanString()
                found.append(t.makeString(token))
                t.pos = token.next
            }
            return found
        }
        #expect(strings == ["plain", "a\"b\\c/\né😀"])
    }

    @Test(arguments: ["0", "-12", "1.10", "6.02e+23", "-0.5E-3"])
    func scansNumbersAsTheirLiteralText(number: String) throws {
        let text = try withTokenizer(number + ",", chunkSize: 1) { t throws(ReadIssue) in
            _ = try t.skipWhitespace()
            let end = try t.scanNumber()
            return String(decoding: UnsafeBufferPointer(start: t.buf + t.pos, count: end - t.pos), as: UTF8.self)
        }
        #expect(text == number)
    }

    @Test func literalsAreTextAndNullIsNil() throws {
        let values = try withTokenizer("true false null", chunkSize: 2) { t throws(ReadIssue) in
            var values: [String?] = []
            while case let c = try t.skipWhitespace(), c >= 0 { values.append(try t.scanLiteral(c)) }
            return values
        }
        #expect(values == ["true", "false", nil])
    }

    @Test func countsLinesAndColumnsForIssues() throws {
        let issue = try withTokenizer("\n  \r\n   @", chunkSize: 2) { t throws(ReadIssue) in
            let c = try t.skipWhitespace()
            return t.error(.malformedJSON, at: t.pos, "unexpected \(t.describe(c))")
        }
        #expect(issue.line == 3 && issue.column == 4)
        #expect(issue.message == "unexpected '@'")
        #expect(issue.record == nil)
    }

    @Test(arguments: [
        (#""\ud800x""#, ReadIssue.Kind.invalidEncoding, "high surrogate without its low half"),
        (#""\udc00""#, .invalidEncoding, "lone low surrogate"),
        (#""a\qb""#, .malformedJSON, "invalid escape '\\q'"),
        ("\"a\nb\"", .malformedJSON, "raw line feed inside a string"),
        ("\"abc", .malformedJSON, "not closed before the end of the input"),
        ("\"\(String(repeating: "x", count: 40))\"", .fieldTooLarge, "longer than 32 bytes"),
    ])
    func rejectsBadStrings(text: String, kind: ReadIssue.Kind, message: String) {
        #expect {
            try withTokenizer(text, chunkSize: 4, maxStringBytes: 32) { t throws(ReadIssue) in
                _ = try t.skipWhitespace()  // a token is scanned from a byte in the window
                _ = try t.scanString()
            }
        } throws: { error in
            guard let issue = error as? ReadIssue else { return false }
            return issue.kind == kind && issue.message.contains(message)
        }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect {
            var tokenizer = JSONTokenizer(source: MemoryByteSource([0x22, 0x61, 0xC3, 0x28, 0x22], name: "t.json"),
                                          maxStringBytes: 64)
            defer { tokenizer.deallocate() }
            _ = try tokenizer.skipWhitespace()
            _ = try tokenizer.scanString()
        } throws: { error in
            (error as? ReadIssue)?.kind == .invalidEncoding
        }
    }

    @Test func skipLineMovesPastTheNextLineFeed() throws {
        let next = try withTokenizer("{\"broken\n  x", chunkSize: 3) { t throws(ReadIssue) in
            try t.skipLine()
            return (try t.skipWhitespace(), t.line)
        }
        #expect(next.0 == Int(UInt8(ascii: "x")) && next.1 == 2)
    }
}
