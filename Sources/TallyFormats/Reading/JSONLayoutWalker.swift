/// Finds the layout of a JSON export from its first bytes and walks it to each record:
/// Table API `{"result":[…]}`, JSONv2 `{"records":[…]}`, a bare array, or NDJSON lines.
///
/// The layout decides what a syntax error costs (the rest of a container, or one NDJSON line),
/// so recovery lives here; each record's object is handed to ``JSONRecordAssembler``.
struct JSONLayoutWalker {
    private(set) var layout: JSONRecordReader.Layout?
    private var tokenizer: JSONTokenizer
    private var assembler: JSONRecordAssembler

    private enum State {
        case start, arrayFirst, arrayNext, containerNext, trailing, lines, finished
    }
    private var state = State.start
    /// Whether the array being read sits inside a container object.
    private var arrayInContainer = false

    init(source: any ByteSource, maxDepth: Int, maxStringBytes: Int) {
        tokenizer = JSONTokenizer(source: source, maxStringBytes: maxStringBytes)
        assembler = JSONRecordAssembler(maxDepth: maxDepth, maxStringBytes: maxStringBytes)
    }

    mutating func deallocate() { tokenizer.deallocate() }

    mutating func next() throws(ReadIssue) -> ReadEvent? {
        while true {
            switch state {
            case .finished:
                return nil
            case .start:
                if let event = try start() { return event }
            case .arrayFirst, .arrayNext:
                if let event = try arrayElement() { return event }
            case .containerNext:
                if let event = try containerMember() { return event }
            case .trailing:
                let c = try tokenizer.skipWhitespace()
                if c < 0 { state = .finished; return nil }
                throw fatal(tokenizer.error(.malformedJSON, at: tokenizer.pos,
                                  "unexpected \(tokenizer.describe(c)) after the end of the JSON document"))
            case .lines:
                let c = try tokenizer.skipWhitespace()
                if c < 0 { state = .finished; return nil }
                return try lineRecord(first: c)
            }
        }
    }

    mutating func fatal(_ issue: ReadIssue) -> ReadIssue {
        state = .finished
        return issue
    }

    mutating func start() throws(ReadIssue) -> ReadEvent? {
        var i = tokenizer.pos
        if try tokenizer.ensure(&i, 3), tokenizer.buf[i] == 0xEF, tokenizer.buf[i + 1] == 0xBB, tokenizer.buf[i + 2] == 0xBF {
            tokenizer.pos = i + 3
            tokenizer.lineStart = tokenizer.base + tokenizer.pos
        } else if try tokenizer.ensure(&i, 2) {
            if (tokenizer.buf[tokenizer.pos] == 0xFE && tokenizer.buf[tokenizer.pos + 1] == 0xFF) || (tokenizer.buf[tokenizer.pos] == 0xFF && tokenizer.buf[tokenizer.pos + 1] == 0xFE) {
                throw fatal(tokenizer.error(.invalidEncoding, at: tokenizer.pos,
                                  "the input is UTF-16 (it starts with a UTF-16 byte order mark); declare its encoding"))
            }
        }
        let c = try tokenizer.skipWhitespace()
        switch c {
        case -1:
            state = .finished
            return nil
        case Int(JSONByte.openBracket):
            layout = .array
            tokenizer.pos += 1
            state = .arrayFirst
            return nil
        case Int(JSONByte.openBrace):
            return try firstObject()
        default:
            throw fatal(tokenizer.error(.unexpectedShape, at: tokenizer.pos,
                              "expected a JSON array, an object or NDJSON lines, found \(tokenizer.describe(c))"))
        }
    }

    /// The first top-level object: a container (`result`/`records`) or the first NDJSON record.
    mutating func firstObject() throws(ReadIssue) -> ReadEvent? {
        tokenizer.record += 1
        let startLine = tokenizer.line
        let outcome: JSONRecordAssembler.Outcome
        do throws(ReadIssue) {
            outcome = try assembler.parseRecord(&tokenizer, depth: 1, detectContainer: true)
        } catch {
            let resumesHere = startsNewLine(after: error, startLine: startLine)
            if error.kind == .fieldTooLarge || (error.line != startLine && !resumesHere) {
                throw fatal(error)
            }
            layout = .lines
            state = .lines
            if !resumesHere { try tokenizer.skipLine() }
            return .issue(error)
        }
        switch outcome {
        case .container(let isArray, let key):
            tokenizer.record = 0
            layout = key == "result" ? .tableAPI : .jsonV2
            if isArray {
                tokenizer.pos += 1
                arrayInContainer = true
                state = .arrayFirst
                return nil
            }
            state = .containerNext
            tokenizer.record += 1
            do throws(ReadIssue) { return try assembler.parseRecord(&tokenizer, depth: 2, detectContainer: false).event } catch { throw fatal(error) }
        case .record, .issue:
            layout = .lines
            state = .lines
            return try finishLine(outcome.event)
        }
    }

    mutating func arrayElement() throws(ReadIssue) -> ReadEvent? {
        do throws(ReadIssue) {
            var c = try tokenizer.skipWhitespace()
            if state == .arrayNext {
                if c == JSONByte.comma {
                    tokenizer.pos += 1
                    c = try tokenizer.skipWhitespace()
                    if c == JSONByte.closeBracket {
                        throw tokenizer.error(.malformedJSON, at: tokenizer.pos, "a trailing comma before ']' is not allowed")
                    }
                } else if c != JSONByte.closeBracket {
                    throw tokenizer.error(.malformedJSON, at: tokenizer.pos, "expected ',' or ']' after a record, found \(tokenizer.describe(c))")
                }
            }
            if c == JSONByte.closeBracket {
                tokenizer.pos += 1
                state = arrayInContainer ? .containerNext : .trailing
                return nil
            }
            if c < 0 {
                throw tokenizer.error(.malformedJSON, at: tokenizer.pos, "the input ends inside the array of records (truncated?)")
            }
            state = .arrayNext
            tokenizer.record += 1
            let depth = arrayInContainer ? 2 : 1
            if c == JSONByte.openBrace {
                return try assembler.parseRecord(&tokenizer, depth: depth + 1, detectContainer: false).event
            }
            return .issue(try notAnObject(depth: depth))
        } catch {
            throw fatal(error)
        }
    }

    /// After a value inside the top-level container object: more keys, or its end.
    mutating func containerMember() throws(ReadIssue) -> ReadEvent? {
        do throws(ReadIssue) {
            var c = try tokenizer.skipWhitespace()
            if c == JSONByte.closeBrace {
                tokenizer.pos += 1
                state = .trailing
                return nil
            }
            guard c == JSONByte.comma else {
                throw tokenizer.error(.malformedJSON, at: tokenizer.pos, "expected ',' or '}' in the top-level object, found \(tokenizer.describe(c))")
            }
            tokenizer.pos += 1
            c = try tokenizer.skipWhitespace()
            guard c == JSONByte.quote else {
                throw tokenizer.error(.malformedJSON, at: tokenizer.pos, "expected a key in the top-level object, found \(tokenizer.describe(c))")
            }
            let key = try tokenizer.scanString()
            let isRecords = key.isContainerKey(in: tokenizer.buf)
            tokenizer.pos = key.next
            c = try tokenizer.skipWhitespace()
            guard c == JSONByte.colon else {
                throw tokenizer.error(.malformedJSON, at: tokenizer.pos, "expected ':' after a key, found \(tokenizer.describe(c))")
            }
            tokenizer.pos += 1
            c = try tokenizer.skipWhitespace()
            if isRecords && c == JSONByte.openBracket {
                tokenizer.pos += 1
                state = .arrayFirst
                return nil
            }
            if isRecords && c == JSONByte.openBrace {
                tokenizer.record += 1
                return try assembler.parseRecord(&tokenizer, depth: 2, detectContainer: false).event
            }
            if c < 0 { throw tokenizer.error(.malformedJSON, at: tokenizer.pos, "the input ends after a key (truncated?)") }
            var ignored: JSONNestedValueParser.ReferenceCapture? = nil
            try assembler.nested.parse(&tokenizer, emit: false, depth: 1, ref: &ignored)
            return nil
        } catch {
            throw fatal(error)
        }
    }

    /// One NDJSON line starting with `first`.
    mutating func lineRecord(first c: Int) throws(ReadIssue) -> ReadEvent? {
        tokenizer.record += 1
        let startLine = tokenizer.line
        do throws(ReadIssue) {
            if c == JSONByte.openBrace {
                return try finishLine(try assembler.parseRecord(&tokenizer, depth: 1, detectContainer: false).event)
            }
            let issue = try notAnObject(depth: 0)
            return try finishLine(.issue(issue))
        } catch {
            if error.kind == .fieldTooLarge { throw fatal(error) }
            if !startsNewLine(after: error, startLine: startLine) { try tokenizer.skipLine() }
            return .issue(error)
        }
    }

    /// Whether a broken NDJSON record ran onto a later line that starts a new object, e.g. a line
    /// cut short (`{"a"`) followed by a good one: reading resumes at that `{` rather than skipping it.
    func startsNewLine(after error: ReadIssue, startLine: Int) -> Bool {
        error.line > startLine && error.line == tokenizer.line && error.column == tokenizer.base + tokenizer.pos - tokenizer.lineStart + 1
            && tokenizer.pos < tokenizer.end && tokenizer.buf[tokenizer.pos] == JSONByte.openBrace
    }

    /// After an NDJSON record: only blanks may follow on its line.
    mutating func finishLine(_ event: ReadEvent) throws(ReadIssue) -> ReadEvent {
        while true {
            while tokenizer.pos < tokenizer.end {
                let c = tokenizer.buf[tokenizer.pos]
                if c == JSONByte.space || c == JSONByte.tab || c == JSONByte.cr {
                    tokenizer.pos += 1
                } else if c == JSONByte.lf {
                    return event
                } else {
                    let issue = tokenizer.error(.malformedJSON, at: tokenizer.pos,
                                      "unexpected \(tokenizer.describe(Int(c))) after the record on its line (NDJSON holds one object per line)")
                    try tokenizer.skipLine()
                    return .issue(issue)
                }
            }
            if try !tokenizer.refill() { return event }
        }
    }

    /// Reads (and validates) a value that should have been an object, into an issue.
    mutating func notAnObject(depth: Int) throws(ReadIssue) -> ReadIssue {
        let at = tokenizer.position(tokenizer.pos)
        var ignored: JSONNestedValueParser.ReferenceCapture? = nil
        try assembler.nested.parse(&tokenizer, emit: true, depth: depth, ref: &ignored)
        let text = String(decoding: assembler.nested.out.prefix(1024), as: UTF8.self)
        return ReadIssue(kind: .unexpectedShape, file: tokenizer.file, line: at.line, column: at.column,
                         record: tokenizer.record, message: "expected a record (a JSON object), found \(kindName(of: assembler.nested.out.first))",
                         rawText: text)
    }

    func kindName(of first: UInt8?) -> String {
        switch first {
        case JSONByte.openBracket: return "an array"
        case JSONByte.quote: return "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        default: return "a number"
        }
    }
}
