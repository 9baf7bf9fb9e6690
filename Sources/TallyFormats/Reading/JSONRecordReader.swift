#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams records out of a JSON export: a byte-level, iterative, strict RFC 8259 parser.
///
/// The layout is detected from the content:
/// - Table API `{"result":[{…},…]}` and JSONv2 `{"records":[…]}`; other top-level keys are
///   validated and skipped; `{"result":{…}}` (a single-record response) is one record;
/// - a bare array of objects `[{…},…]`;
/// - NDJSON: one object per line, blank lines allowed. A file holding one object that is not a
///   container is one record read this way.
///
/// Field values: strings as decoded; numbers as their literal text (`1.10` stays `1.10`);
/// `true`/`false` as text; `null` as `nil`. A reference object — keys drawn from `value`, `link`,
/// `display_value`, holding `value` and at least one other, all scalars — becomes its `value`,
/// followed by a field `NAME.display_value` when it has a display value. Any other object or
/// array becomes its compact JSON text (keys in source order, strings re-escaped minimally).
///
/// Problems:
/// - malformed JSON inside an array or container object is thrown (the rest cannot be trusted);
///   in NDJSON it costs that line and reading resumes at the next line;
/// - an element that is not an object, or a record with a duplicate key, is an `.issue` that costs
///   that record (`unexpectedShape`);
/// - invalid UTF-8, and `\u` escapes that leave a lone surrogate, are `invalidEncoding`;
/// - nesting deeper than `maxDepth` is `malformedJSON`, a string or nested value longer than
///   `maxStringBytes` is `fieldTooLarge` (both treated like malformed JSON: fatal in containers).
///
/// In NDJSON, reading resumes on the line after a broken one, or at a `{` that opens a later
/// line when the broken record ran on to it (`{"a"` then a good line). A broken first object is
/// treated as an NDJSON line when the break is on its first line, and as a broken container
/// (fatal) otherwise. A UTF-8 byte order mark at the start is skipped; anywhere else it is an
/// error, as is UTF-16 (declare and transcode it first). Empty input has no records.
///
/// Every issue carries the 1-based line and byte column of the offending byte.
public final class JSONRecordReader: RecordReader {
    /// The shape the reader found, once the first event has been read.
    public enum Layout: String, Sendable {
        /// `{"result":[…]}`
        case tableAPI = "table_api"
        /// `{"records":[…]}`
        case jsonV2 = "jsonv2"
        /// `[{…},…]`
        case array
        /// One object per line (NDJSON), or a single object.
        case lines
    }

    public var layout: Layout? { engine.layout }
    public var maxDepth: Int { engine.maxDepth }
    public var maxStringBytes: Int { engine.maxStringBytes }

    /// The parser's state lives in a struct, so each `next()` is one exclusive access to it
    /// rather than one runtime exclusivity check per property touched.
    private var engine: JSONRecordEngine

    /// - Parameters:
    ///   - maxDepth: deepest nesting of arrays and objects accepted, counting the record's own
    ///     containers.
    ///   - maxStringBytes: longest string, number or nested field value accepted, in bytes.
    public init(source: any ByteSource, maxDepth: Int = 512, maxStringBytes: Int = 16 * 1024 * 1024) {
        engine = JSONRecordEngine(source: source, maxDepth: maxDepth, maxStringBytes: maxStringBytes)
    }

    deinit { engine.deallocate() }

    public func next() throws(ReadIssue) -> ReadEvent? {
        try engine.next()
    }
}

/// The state and logic of ``JSONRecordReader``.
fileprivate struct JSONRecordEngine {
    var layout: JSONRecordReader.Layout?
    let maxDepth: Int
    let maxStringBytes: Int

    let source: any ByteSource
    private let file: String

    // The window on the input: valid bytes are buf[0..<end]; `pos` is the next unread byte.
    // A refill keeps everything from `pos` on, so a token being scanned stays in the window.
    private var buf: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var pos = 0
    private var end = 0
    /// Absolute input offset of buf[0].
    private var base = 0
    private var atEOF = false
    private static let chunkSize = 64 * 1024

    private var line = 1
    /// Absolute input offset of the first byte of the current line.
    private var lineStart = 0

    private enum State {
        case start, arrayFirst, arrayNext, containerNext, trailing, lines, finished
    }
    private var state = State.start
    /// Whether the array being read sits inside a container object.
    private var arrayInContainer = false
    private var recordNumber = 0
    private var recordLine = 0

    // Names shared between records with the same keys.
    // The current shape: its names, and their UTF-8 bytes end to end (`nameEnds[i]` is where
    // name `i` ends in `nameArena`).
    private var previousNames: [String] = []
    private var nameArena: [UInt8] = []
    private var nameEnds: [Int] = []
    /// Other recent shapes, most recent first: exports alternate between a few (a reference
    /// that is `""` in one record and carries a display value in the next).
    private var otherShapes: [Shape] = []
    private static let shapeCacheSize = 4

    struct Shape {
        var names: [String]
        var arena: [UInt8]
        var ends: [Int]
    }

    // Scratch space, reused.
    private var scratch: [UInt8] = []
    private var out: [UInt8] = []
    private var stack: [Bool] = []


    /// - Parameters:
    ///   - maxDepth: deepest nesting of arrays and objects accepted, counting the record's own
    ///     containers.
    ///   - maxStringBytes: longest string, number or nested field value accepted, in bytes.
    init(source: any ByteSource, maxDepth: Int, maxStringBytes: Int) {
        self.source = source
        self.file = source.name
        self.maxDepth = max(2, maxDepth)
        self.maxStringBytes = max(16, maxStringBytes)
        capacity = Self.chunkSize * 2
        buf = .allocate(capacity: capacity)
    }

    mutating func deallocate() { buf.deallocate() }

    // MARK: - Records

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
                let c = try skipWhitespace()
                if c < 0 { state = .finished; return nil }
                throw fatal(error(.malformedJSON, at: pos,
                                  "unexpected \(describe(c)) after the end of the JSON document"))
            case .lines:
                let c = try skipWhitespace()
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
        var i = pos
        if try ensure(&i, 3), buf[i] == 0xEF, buf[i + 1] == 0xBB, buf[i + 2] == 0xBF {
            pos = i + 3
            lineStart = base + pos
        } else if try ensure(&i, 2) {
            if (buf[pos] == 0xFE && buf[pos + 1] == 0xFF) || (buf[pos] == 0xFF && buf[pos + 1] == 0xFE) {
                throw fatal(error(.invalidEncoding, at: pos,
                                  "the input is UTF-16 (it starts with a UTF-16 byte order mark); declare its encoding"))
            }
        }
        let c = try skipWhitespace()
        switch c {
        case -1:
            state = .finished
            return nil
        case Int(JSONByte.openBracket):
            layout = .array
            pos += 1
            state = .arrayFirst
            return nil
        case Int(JSONByte.openBrace):
            return try firstObject()
        default:
            throw fatal(error(.unexpectedShape, at: pos,
                              "expected a JSON array, an object or NDJSON lines, found \(describe(c))"))
        }
    }

    /// The first top-level object: a container (`result`/`records`) or the first NDJSON record.
    mutating func firstObject() throws(ReadIssue) -> ReadEvent? {
        recordNumber += 1
        let startLine = line
        let outcome: RecordOutcome
        do throws(ReadIssue) {
            outcome = try parseRecord(depth: 1, detectContainer: true)
        } catch {
            let resumesHere = startsNewLine(after: error, startLine: startLine)
            if error.kind == .fieldTooLarge || (error.line != startLine && !resumesHere) {
                throw fatal(error)
            }
            layout = .lines
            state = .lines
            if !resumesHere { try skipLine() }
            return .issue(error)
        }
        switch outcome {
        case .container(let isArray, let key):
            recordNumber = 0
            layout = key == "result" ? .tableAPI : .jsonV2
            if isArray {
                pos += 1
                arrayInContainer = true
                state = .arrayFirst
                return nil
            }
            state = .containerNext
            recordNumber += 1
            do throws(ReadIssue) { return try parseRecord(depth: 2, detectContainer: false).event } catch { throw fatal(error) }
        case .record, .issue:
            layout = .lines
            state = .lines
            return try finishLine(outcome.event)
        }
    }

    mutating func arrayElement() throws(ReadIssue) -> ReadEvent? {
        do throws(ReadIssue) {
            var c = try skipWhitespace()
            if state == .arrayNext {
                if c == JSONByte.comma {
                    pos += 1
                    c = try skipWhitespace()
                    if c == JSONByte.closeBracket {
                        throw error(.malformedJSON, at: pos, "a trailing comma before ']' is not allowed")
                    }
                } else if c != JSONByte.closeBracket {
                    throw error(.malformedJSON, at: pos, "expected ',' or ']' after a record, found \(describe(c))")
                }
            }
            if c == JSONByte.closeBracket {
                pos += 1
                state = arrayInContainer ? .containerNext : .trailing
                return nil
            }
            if c < 0 {
                throw error(.malformedJSON, at: pos, "the input ends inside the array of records (truncated?)")
            }
            state = .arrayNext
            recordNumber += 1
            let depth = arrayInContainer ? 2 : 1
            if c == JSONByte.openBrace {
                return try parseRecord(depth: depth + 1, detectContainer: false).event
            }
            return .issue(try notAnObject(depth: depth))
        } catch {
            throw fatal(error)
        }
    }

    /// After a value inside the top-level container object: more keys, or its end.
    mutating func containerMember() throws(ReadIssue) -> ReadEvent? {
        do throws(ReadIssue) {
            var c = try skipWhitespace()
            if c == JSONByte.closeBrace {
                pos += 1
                state = .trailing
                return nil
            }
            guard c == JSONByte.comma else {
                throw error(.malformedJSON, at: pos, "expected ',' or '}' in the top-level object, found \(describe(c))")
            }
            pos += 1
            c = try skipWhitespace()
            guard c == JSONByte.quote else {
                throw error(.malformedJSON, at: pos, "expected a key in the top-level object, found \(describe(c))")
            }
            let key = try scanString()
            let isRecords = key.isContainerKey(in: buf)
            pos = key.next
            c = try skipWhitespace()
            guard c == JSONByte.colon else {
                throw error(.malformedJSON, at: pos, "expected ':' after a key, found \(describe(c))")
            }
            pos += 1
            c = try skipWhitespace()
            if isRecords && c == JSONByte.openBracket {
                pos += 1
                state = .arrayFirst
                return nil
            }
            if isRecords && c == JSONByte.openBrace {
                recordNumber += 1
                return try parseRecord(depth: 2, detectContainer: false).event
            }
            if c < 0 { throw error(.malformedJSON, at: pos, "the input ends after a key (truncated?)") }
            var ignored: RefCapture? = nil
            try parseValue(emit: false, depth: 1, ref: &ignored)
            return nil
        } catch {
            throw fatal(error)
        }
    }

    /// One NDJSON line starting with `first`.
    mutating func lineRecord(first c: Int) throws(ReadIssue) -> ReadEvent? {
        recordNumber += 1
        let startLine = line
        do throws(ReadIssue) {
            if c == JSONByte.openBrace {
                return try finishLine(try parseRecord(depth: 1, detectContainer: false).event)
            }
            let issue = try notAnObject(depth: 0)
            return try finishLine(.issue(issue))
        } catch {
            if error.kind == .fieldTooLarge { throw fatal(error) }
            if !startsNewLine(after: error, startLine: startLine) { try skipLine() }
            return .issue(error)
        }
    }

    /// Whether a broken NDJSON record ran onto a later line that starts a new object, e.g. a line
    /// cut short (`{"a"`) followed by a good one: reading resumes at that `{` rather than skipping it.
    mutating func startsNewLine(after error: ReadIssue, startLine: Int) -> Bool {
        error.line > startLine && error.line == line && error.column == base + pos - lineStart + 1
            && pos < end && buf[pos] == JSONByte.openBrace
    }

    /// After an NDJSON record: only blanks may follow on its line.
    mutating func finishLine(_ event: ReadEvent) throws(ReadIssue) -> ReadEvent {
        while true {
            while pos < end {
                let c = buf[pos]
                if c == JSONByte.space || c == JSONByte.tab || c == JSONByte.cr {
                    pos += 1
                } else if c == JSONByte.lf {
                    return event
                } else {
                    let issue = error(.malformedJSON, at: pos,
                                      "unexpected \(describe(Int(c))) after the record on its line (NDJSON holds one object per line)")
                    try skipLine()
                    return .issue(issue)
                }
            }
            if try !refill() { return event }
        }
    }

    /// Skips to just after the next line feed (or the end).
    mutating func skipLine() throws(ReadIssue) {
        while true {
            while pos < end {
                let c = buf[pos]
                pos += 1
                if c == JSONByte.lf {
                    line += 1
                    lineStart = base + pos
                    return
                }
            }
            if try !refill() { return }
        }
    }

    /// Reads (and validates) a value that should have been an object, into an issue.
    mutating func notAnObject(depth: Int) throws(ReadIssue) -> ReadIssue {
        let at = position(pos)
        var ignored: RefCapture? = nil
        try parseValue(emit: true, depth: depth, ref: &ignored)
        let text = String(decoding: out.prefix(1024), as: UTF8.self)
        return ReadIssue(kind: .unexpectedShape, file: file, line: at.line, column: at.column,
                         record: recordNumber, message: "expected a record (a JSON object), found \(kindName(of: out.first))",
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

    // MARK: - One record

    enum RecordOutcome {
        case record(RawRecord)
        case issue(ReadIssue)
        /// The object is a container: its `key` (`result` or `records`) holds an array or object at `pos`.
        case container(isArray: Bool, key: String)

        var event: ReadEvent {
            switch self {
            case .record(let record): return .record(record)
            case .issue(let issue): return .issue(issue)
            case .container: fatalError("a container is not an event")
            }
        }
    }

    /// Parses the object at `pos` as a record whose `{` sits at nesting `depth`.
    mutating func parseRecord(depth: Int, detectContainer: Bool) throws(ReadIssue) -> RecordOutcome {
        recordLine = line
        let recordColumn = position(pos).column
        pos += 1
        var values: [String?] = []
        values.reserveCapacity(previousNames.count)
        var slot = 0
        var matching = true
        var newNames: [String] = []

        var c = try skipWhitespace()
        if c == JSONByte.closeBrace {
            pos += 1
        } else {
            while true {
                guard c == JSONByte.quote else {
                    throw error(.malformedJSON, at: pos,
                                c < 0 ? "the input ends inside a record (truncated?)"
                                      : "expected a field name in quotes, found \(describe(c))")
                }
                let key = try scanString()
                let containerKey = detectContainer && key.isContainerKey(in: buf)
                if key.escaped {
                    decode(key)
                    keySlot(name: String(decoding: scratch, as: UTF8.self), slot: slot,
                            matching: &matching, newNames: &newNames)
                } else {
                    keySlot(bytes: UnsafeBufferPointer(start: buf + key.start, count: key.end - key.start),
                            slot: slot, matching: &matching, newNames: &newNames)
                }
                pos = key.next
                slot += 1
                c = try skipWhitespace()
                guard c == JSONByte.colon else {
                    throw error(.malformedJSON, at: pos, "expected ':' after a field name, found \(describe(c))")
                }
                pos += 1
                c = try skipWhitespace()
                if containerKey && (c == JSONByte.openBracket || (c == JSONByte.openBrace && slot == 1)) {
                    let name = matching ? previousNames[slot - 1] : newNames[slot - 1]
                    return .container(isArray: c == JSONByte.openBracket, key: name)
                }
                switch c {
                case Int(JSONByte.quote):
                    let token = try scanString()
                    values.append(makeString(token))
                    pos = token.next
                case Int(JSONByte.minus), Int(JSONByte.zero)...Int(JSONByte.nine):
                    let end = try scanNumber()
                    values.append(String(decoding: UnsafeBufferPointer(start: buf + pos, count: end - pos), as: UTF8.self))
                    pos = end
                case Int(JSONByte.t), Int(JSONByte.f), Int(JSONByte.n):
                    values.append(try scanLiteral(c))
                case Int(JSONByte.openBrace), Int(JSONByte.openBracket):
                    var ref: RefCapture? = c == JSONByte.openBrace ? RefCapture() : nil
                    try parseValue(emit: true, depth: depth, ref: &ref)
                    if let ref, ref.isReference, let value = ref.value {
                        values.append(value)
                        if let display = ref.display {
                            values.append(display)
                            displaySlot(slot, matching: &matching, newNames: &newNames)
                            slot += 1
                        }
                    } else {
                        values.append(String(decoding: out, as: UTF8.self))
                    }
                case -1:
                    throw error(.malformedJSON, at: pos, "the input ends inside a record (truncated?)")
                default:
                    throw error(.malformedJSON, at: pos, "expected a value, found \(describe(c))")
                }
                c = try skipWhitespace()
                if c == JSONByte.comma {
                    pos += 1
                    c = try skipWhitespace()
                    continue
                }
                if c == JSONByte.closeBrace {
                    pos += 1
                    break
                }
                throw error(.malformedJSON, at: pos,
                            c < 0 ? "the input ends inside a record (truncated?)"
                                  : "expected ',' or '}' after a field value, found \(describe(c))")
            }
        }

        let provenance = Provenance(file: file, record: recordNumber, line: recordLine)
        if matching && slot < previousNames.count {
            _ = switchShape(at: slot, where: { $0.ends.count == slot })
        }
        if matching && slot == previousNames.count {
            return .record(RawRecord(names: previousNames, values: values, provenance: provenance))
        }
        if matching { newNames = Array(previousNames[0..<slot]) }
        var seen = Set<String>(minimumCapacity: newNames.count)
        for name in newNames where !seen.insert(name).inserted {
            let issue = ReadIssue(kind: .unexpectedShape, file: file, line: recordLine, column: recordColumn,
                                  record: recordNumber,
                                  message: "the record has the field \"\(name)\" more than once",
                                  rawText: nil)
            return .issue(issue)
        }
        rememberNames(newNames)
        return .record(RawRecord(names: newNames, values: values, provenance: provenance))
    }

    /// Matches the field name at `slot` against the previous record's, without making a String
    /// when it is the same.
    @inline(__always)
    mutating func keySlot(bytes: UnsafeBufferPointer<UInt8>, slot: Int,
                          matching: inout Bool, newNames: inout [String]) {
        if matching {
            if Self.slot(slot, of: nameArena, nameEnds, equals: bytes) { return }
            if switchShape(at: slot, where: { Self.slot(slot, of: $0.arena, $0.ends, equals: bytes) }) { return }
            matching = false
            newNames = Array(previousNames[0..<slot])
        }
        newNames.append(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether name `slot` of a shape is `bytes`.
    @inline(__always)
    static func slot(_ slot: Int, of arena: [UInt8], _ ends: [Int], equals bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard slot < ends.count else { return false }
        let start = slot == 0 ? 0 : ends[slot - 1]
        let length = ends[slot] - start
        guard length == bytes.count else { return false }
        return length == 0 || arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, bytes.baseAddress!, length) == 0 }
    }

    /// Makes current another recent shape that shares the current one's first `slot` names
    /// and passes `test`; false when there is none.
    mutating func switchShape(at slot: Int, where test: (Shape) -> Bool) -> Bool {
        let prefix = slot == 0 ? 0 : nameEnds[slot - 1]
        for index in otherShapes.indices {
            let shape = otherShapes[index]
            guard shape.ends.count > slot, slot == 0 || shape.ends[slot - 1] == prefix else { continue }
            let samePrefix = prefix == 0 || shape.arena.withUnsafeBufferPointer { other in
                nameArena.withUnsafeBufferPointer { memcmp(other.baseAddress!, $0.baseAddress!, prefix) == 0 }
            }
            guard samePrefix && test(shape) else { continue }
            otherShapes[index] = Shape(names: previousNames, arena: nameArena, ends: nameEnds)
            previousNames = shape.names
            nameArena = shape.arena
            nameEnds = shape.ends
            return true
        }
        return false
    }

    mutating func keySlot(name: String, slot: Int, matching: inout Bool, newNames: inout [String]) {
        if matching {
            if slot < previousNames.count && previousNames[slot] == name { return }
            if switchShape(at: slot, where: { slot < $0.names.count && $0.names[slot] == name }) { return }
            matching = false
            newNames = Array(previousNames[0..<slot])
        }
        newNames.append(name)
    }

    private static let displaySuffix = Array(".display_value".utf8)

    /// Names slot `slot` after the field before it, plus `.display_value`.
    mutating func displaySlot(_ slot: Int, matching: inout Bool, newNames: inout [String]) {
        if matching {
            if Self.isDisplaySlot(slot, of: nameArena, nameEnds) { return }
            if switchShape(at: slot, where: { Self.isDisplaySlot(slot, of: $0.arena, $0.ends) }) { return }
            matching = false
            newNames = Array(previousNames[0..<slot])
        }
        newNames.append(newNames[slot - 1] + ".display_value")
    }

    /// Whether name `slot` of a shape is name `slot - 1` plus `.display_value`.
    static func isDisplaySlot(_ slot: Int, of arena: [UInt8], _ ends: [Int]) -> Bool {
        guard slot < ends.count else { return false }
        let keyStart = slot == 1 ? 0 : ends[slot - 2]
        let keyLength = ends[slot - 1] - keyStart
        let start = ends[slot - 1]
        guard ends[slot] - start == keyLength + displaySuffix.count else { return false }
        return arena.withUnsafeBufferPointer { arena in
            displaySuffix.withUnsafeBufferPointer { suffix in
                memcmp(arena.baseAddress! + start, arena.baseAddress! + keyStart, keyLength) == 0
                    && memcmp(arena.baseAddress! + start + keyLength, suffix.baseAddress!, suffix.count) == 0
            }
        }
    }

    mutating func rememberNames(_ names: [String]) {
        if !nameEnds.isEmpty || !previousNames.isEmpty {
            otherShapes.insert(Shape(names: previousNames, arena: nameArena, ends: nameEnds), at: 0)
            if otherShapes.count >= Self.shapeCacheSize { otherShapes.removeLast() }
        }
        previousNames = names
        nameArena = []
        nameEnds = []
        for name in names {
            nameArena.append(contentsOf: name.utf8)
            nameEnds.append(nameArena.count)
        }
    }

    // MARK: - Nested values

    /// What a nested object tells about being a reference (`value` + `link`/`display_value`).
    struct RefCapture {
        var possible = true
        var value: String?? = .none
        var display: String?? = .none
        var link = false
        /// 0 no key yet, 1 `value`, 2 `display_value`, 3 `link`.
        var currentKey = 0

        var isReference: Bool {
            possible && value != nil && (display != nil || link)
        }

        mutating func capture(_ text: String?) {
            switch currentKey {
            case 1: value = .some(text)
            case 2: display = .some(text)
            default: break
            }
        }
    }

    /// Parses and validates the value at `pos` (any kind), iteratively; `depth` is the nesting of
    /// the container holding it. With `emit`, its compact text is left in `out`. `ref`, when
    /// given, learns whether the value is a reference object.
    mutating func parseValue(emit: Bool, depth: Int, ref: inout RefCapture?) throws(ReadIssue) {
        enum Step { case value, firstValue, firstKey, key, afterValue }
        out.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        var step = Step.value
        while true {
            switch step {
            case .value:
                let c = try skipWhitespace()
                let topLevel = stack.count == 1
                switch c {
                case Int(JSONByte.openBrace), Int(JSONByte.openBracket):
                    let isObject = c == JSONByte.openBrace
                    if depth + stack.count + 1 > maxDepth {
                        throw error(.malformedJSON, at: pos, "the JSON is nested deeper than \(maxDepth) levels")
                    }
                    if ref != nil && (!stack.isEmpty || !isObject) { ref!.possible = false }
                    stack.append(isObject)
                    if emit { out.append(UInt8(c)) }
                    pos += 1
                    step = isObject ? .firstKey : .firstValue
                    continue
                case Int(JSONByte.quote):
                    let token = try scanString()
                    if emit { emitString(token) }
                    if topLevel && ref != nil && ref!.possible { ref!.capture(makeString(token)) }
                    pos = token.next
                case Int(JSONByte.minus), Int(JSONByte.zero)...Int(JSONByte.nine):
                    let end = try scanNumber()
                    let count = end - pos
                    if emit { out.append(contentsOf: UnsafeBufferPointer(start: buf + pos, count: count)) }
                    if topLevel && ref != nil && ref!.possible {
                        ref!.capture(String(decoding: UnsafeBufferPointer(start: buf + pos, count: count), as: UTF8.self))
                    }
                    pos = end
                case Int(JSONByte.t), Int(JSONByte.f), Int(JSONByte.n):
                    let text = try scanLiteral(c)
                    if emit { out.append(contentsOf: (text ?? "null").utf8) }
                    if topLevel && ref != nil && ref!.possible { ref!.capture(text) }
                case -1:
                    throw error(.malformedJSON, at: pos, "the input ends where a value was expected (truncated?)")
                default:
                    throw error(.malformedJSON, at: pos, "expected a value, found \(describe(c))")
                }
                step = .afterValue
            case .firstValue:
                if try skipWhitespace() == JSONByte.closeBracket {
                    step = .afterValue
                    close()
                    if emit { out.append(JSONByte.closeBracket) }
                } else {
                    step = .value
                }
            case .firstKey:
                if try skipWhitespace() == JSONByte.closeBrace {
                    step = .afterValue
                    close()
                    if emit { out.append(JSONByte.closeBrace) }
                } else {
                    step = .key
                }
            case .key:
                var c = try skipWhitespace()
                guard c == JSONByte.quote else {
                    throw error(.malformedJSON, at: pos,
                                c < 0 ? "the input ends inside an object (truncated?)"
                                      : "expected a key in quotes, found \(describe(c))")
                }
                let token = try scanString()
                if emit { emitString(token) }
                if stack.count == 1 && ref != nil && ref!.possible {
                    let kind = token.escaped ? 0 : token.referenceKey(in: buf)
                    let seen: Bool
                    switch kind {
                    case 1: seen = ref!.value != nil
                    case 2: seen = ref!.display != nil
                    case 3: seen = ref!.link
                    default: seen = true
                    }
                    if seen { ref!.possible = false }
                    if kind == 3 { ref!.link = true }
                    ref!.currentKey = kind
                }
                pos = token.next
                c = try skipWhitespace()
                guard c == JSONByte.colon else {
                    throw error(.malformedJSON, at: pos, "expected ':' after a key, found \(describe(c))")
                }
                if emit { out.append(JSONByte.colon) }
                pos += 1
                step = .value
            case .afterValue:
                if stack.isEmpty {
                    if out.count > maxStringBytes {
                        throw error(.fieldTooLarge, at: pos, "a nested value is longer than \(maxStringBytes) bytes")
                    }
                    return
                }
                let c = try skipWhitespace()
                let isObject = stack[stack.count - 1]
                if c == JSONByte.comma {
                    if emit {
                        out.append(JSONByte.comma)
                        if out.count > maxStringBytes {
                            throw error(.fieldTooLarge, at: pos, "a nested value is longer than \(maxStringBytes) bytes")
                        }
                    }
                    pos += 1
                    step = isObject ? .key : .value
                } else if c == (isObject ? JSONByte.closeBrace : JSONByte.closeBracket) {
                    close()
                    if emit { out.append(UInt8(c)) }
                } else if c < 0 {
                    throw error(.malformedJSON, at: pos,
                                "the input ends inside \(isObject ? "an object" : "an array") (truncated?)")
                } else {
                    throw error(.malformedJSON, at: pos,
                                "expected ',' or '\(isObject ? "}" : "]")', found \(describe(c))")
                }
            }
        }
    }

    @inline(__always)
    mutating func close() {
        pos += 1
        stack.removeLast()
    }

    /// Appends a string token to `out` as minimal JSON.
    mutating func emitString(_ token: StringToken) {
        out.append(JSONByte.quote)
        if !token.escaped {
            out.append(contentsOf: UnsafeBufferPointer(start: buf + token.start, count: token.end - token.start))
        } else {
            decode(token)
            for b in scratch {
                switch b {
                case JSONByte.quote: out.append(JSONByte.backslash); out.append(JSONByte.quote)
                case JSONByte.backslash: out.append(JSONByte.backslash); out.append(JSONByte.backslash)
                case JSONByte.lf: out.append(JSONByte.backslash); out.append(UInt8(ascii: "n"))
                case JSONByte.cr: out.append(JSONByte.backslash); out.append(UInt8(ascii: "r"))
                case JSONByte.tab: out.append(JSONByte.backslash); out.append(UInt8(ascii: "t"))
                case 0x08: out.append(JSONByte.backslash); out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(JSONByte.backslash); out.append(UInt8(ascii: "f"))
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [JSONByte.backslash, UInt8(ascii: "u"), JSONByte.zero, JSONByte.zero,
                                            hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                default: out.append(b)
                }
            }
        }
        out.append(JSONByte.quote)
    }

    // MARK: - Tokens

    /// A string token in the window: content `start..<end`, `next` just past the closing quote.
    struct StringToken {
        var start: Int
        var end: Int
        var next: Int
        var escaped: Bool

        /// Whether the raw content is `result` or `records`.
        func isContainerKey(in buf: UnsafeMutablePointer<UInt8>) -> Bool {
            if escaped { return false }
            let count = end - start
            if count == 6 { return memcmp(buf + start, "result", 6) == 0 }
            if count == 7 { return memcmp(buf + start, "records", 7) == 0 }
            return false
        }

        /// 1 `value`, 2 `display_value`, 3 `link`, 0 anything else.
        func referenceKey(in buf: UnsafeMutablePointer<UInt8>) -> Int {
            switch end - start {
            case 5: return memcmp(buf + start, "value", 5) == 0 ? 1 : 0
            case 13: return memcmp(buf + start, "display_value", 13) == 0 ? 2 : 0
            case 4: return memcmp(buf + start, "link", 4) == 0 ? 3 : 0
            default: return 0
            }
        }
    }

    /// Scans and validates the string whose opening quote is at `pos`; `pos` is not moved.
    mutating func scanString() throws(ReadIssue) -> StringToken {
        var i = pos + 1
        var escaped = false
        let table = Self.stringClass
        while true {
            var p = buf
            var e = end
            while i < e && table[Int(p[i])] == 0 { i += 1 }
            if i == e {
                if i - pos > maxStringBytes {
                    throw error(.fieldTooLarge, at: pos, "a string is longer than \(maxStringBytes) bytes")
                }
                let offset = i - pos
                guard try refill() else {
                    throw error(.malformedJSON, at: pos, "a string is not closed before the end of the input (truncated?)")
                }
                i = pos + offset
                p = buf
                e = end
                continue
            }
            let c = p[i]
            switch table[Int(c)] {
            case 1:  // closing quote
                if i - pos > maxStringBytes + 1 {
                    throw error(.fieldTooLarge, at: pos, "a string is longer than \(maxStringBytes) bytes")
                }
                return StringToken(start: pos + 1, end: i, next: i + 1, escaped: escaped)
            case 2:  // backslash
                escaped = true
                guard try ensure(&i, 2) else {
                    throw error(.malformedJSON, at: i, "the input ends inside an escape sequence (truncated?)")
                }
                switch buf[i + 1] {
                case JSONByte.quote, JSONByte.backslash, JSONByte.slash, UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    let unit = try hexEscape(at: &i)
                    if unit >= 0xDC00 && unit <= 0xDFFF {
                        throw error(.invalidEncoding, at: i,
                                    "\\u escape \(hex(unit)) is a lone low surrogate, not a character")
                    }
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard try ensure(&i, 12),
                              buf[i + 6] == JSONByte.backslash, buf[i + 7] == UInt8(ascii: "u") else {
                            throw error(.invalidEncoding, at: i,
                                        "\\u escape \(hex(unit)) is a high surrogate without its low half")
                        }
                        var low = i + 6
                        let lowUnit = try hexEscape(at: &low)
                        i = low - 6
                        guard lowUnit >= 0xDC00 && lowUnit <= 0xDFFF else {
                            throw error(.invalidEncoding, at: i,
                                        "\\u escape \(hex(unit)) is a high surrogate without its low half")
                        }
                        i += 6
                    }
                    i += 6
                default:
                    throw error(.malformedJSON, at: i,
                                "invalid escape '\\\(printable(buf[i + 1]))' in a string")
                }
            case 3:
                throw error(.malformedJSON, at: i,
                            c == JSONByte.lf ? "a string is not closed on its line (raw line feed inside a string)"
                                         : "control character \(describe(Int(c))) inside a string must be escaped")
            default:
                i += try utf8Sequence(at: &i)
            }
        }
    }

    /// Reads the four hex digits of the `\u` escape at `i` (the backslash).
    mutating func hexEscape(at i: inout Int) throws(ReadIssue) -> Int {
        guard try ensure(&i, 6) else {
            throw error(.malformedJSON, at: i, "the input ends inside a \\u escape (truncated?)")
        }
        var value = 0
        for k in 2..<6 {
            let d = Self.hexValue(buf[i + k])
            if d < 0 {
                throw error(.malformedJSON, at: i + k, "\\u escape needs four hex digits, found \(describe(Int(buf[i + k])))")
            }
            value = value << 4 | d
        }
        return value
    }

    /// Validates the multi-byte UTF-8 sequence at `i`; returns its length.
    @inline(__always)
    mutating func utf8Sequence(at i: inout Int) throws(ReadIssue) -> Int {
        let c = buf[i]
        guard let (length, low, high) = utf8SequenceShape(lead: c) else {
            throw error(.invalidEncoding, at: i, "invalid UTF-8 byte \(hexByte(c)) in a string")
        }
        if try !ensure(&i, length) {
            throw error(.invalidEncoding, at: i, "a UTF-8 sequence is cut off by the end of the input")
        }
        let second = buf[i + 1]
        guard second >= low && second <= high else {
            throw error(.invalidEncoding, at: i, "invalid UTF-8 sequence \(hexByte(c)) \(hexByte(second)) in a string")
        }
        for k in 2..<length where buf[i + k] & 0xC0 != 0x80 {
            throw error(.invalidEncoding, at: i, "invalid UTF-8 sequence starting \(hexByte(c)) in a string")
        }
        return length
    }

    /// Scans the number at `pos`; returns the index just past it. `pos` is not moved.
    mutating func scanNumber() throws(ReadIssue) -> Int {
        var i = pos
        func byte(_ i: inout Int) throws(ReadIssue) -> Int {
            try ensure(&i, 1) ? Int(buf[i]) : -1
        }
        func digits(_ i: inout Int, required: Bool) throws(ReadIssue) {
            var c = try byte(&i)
            if required && !(Int(JSONByte.zero)...Int(JSONByte.nine)).contains(c) {
                throw error(.malformedJSON, at: i, "a number needs a digit here, found \(describe(c))")
            }
            while (Int(JSONByte.zero)...Int(JSONByte.nine)).contains(c) {
                i += 1
                if i - pos > maxStringBytes {
                    throw error(.fieldTooLarge, at: pos, "a number is longer than \(maxStringBytes) bytes")
                }
                c = try byte(&i)
            }
        }
        if buf[i] == JSONByte.minus { i += 1 }
        if try byte(&i) == Int(JSONByte.zero) {
            i += 1
        } else {
            try digits(&i, required: true)
        }
        if try byte(&i) == Int(UInt8(ascii: ".")) {
            i += 1
            try digits(&i, required: true)
        }
        let c = try byte(&i)
        if c == Int(UInt8(ascii: "e")) || c == Int(UInt8(ascii: "E")) {
            i += 1
            let sign = try byte(&i)
            if sign == Int(UInt8(ascii: "+")) || sign == Int(JSONByte.minus) { i += 1 }
            try digits(&i, required: true)
        }
        return i
    }

    private static let literalTrue = "true"
    private static let literalFalse = "false"

    /// Reads `true`, `false` or `null` at `pos` and moves past it; `null` is `nil`.
    mutating func scanLiteral(_ c: Int) throws(ReadIssue) -> String? {
        let (word, text): (StaticString, String?) =
            c == JSONByte.t ? ("true", Self.literalTrue) : c == JSONByte.f ? ("false", Self.literalFalse) : ("null", nil)
        let count = word.utf8CodeUnitCount
        var i = pos
        guard try ensure(&i, count),
              memcmp(buf + i, word.utf8Start, count) == 0 else {
            throw error(.malformedJSON, at: pos, "invalid literal: expected \(word)")
        }
        pos = i + count
        return text
    }

    /// The token's decoded text.
    @inline(__always)
    mutating func makeString(_ token: StringToken) -> String {
        if !token.escaped {
            return String(decoding: UnsafeBufferPointer(start: buf + token.start, count: token.end - token.start),
                          as: UTF8.self)
        }
        decode(token)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Decodes a validated, escaped string token into `scratch`.
    mutating func decode(_ token: StringToken) {
        scratch.removeAll(keepingCapacity: true)
        var i = token.start
        let e = token.end
        while i < e {
            var j = i
            while j < e && buf[j] != JSONByte.backslash { j += 1 }
            if j > i { scratch.append(contentsOf: UnsafeBufferPointer(start: buf + i, count: j - i)) }
            if j == e { break }
            let x = buf[j + 1]
            i = j + 2
            switch x {
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(JSONByte.lf)
            case UInt8(ascii: "r"): scratch.append(JSONByte.cr)
            case UInt8(ascii: "t"): scratch.append(JSONByte.tab)
            case UInt8(ascii: "u"):
                var scalar = hex4(j + 2)
                i = j + 6
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = hex4(i + 2)
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                appendUTF8(scalar)
            default: scratch.append(x)
            }
        }
    }

    func hex4(_ i: Int) -> Int {
        var value = 0
        for k in 0..<4 { value = value << 4 | Self.hexValue(buf[i + k]) }
        return value
    }

    mutating func appendUTF8(_ scalar: Int) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    static func hexValue(_ c: UInt8) -> Int {
        switch c {
        case JSONByte.zero...JSONByte.nine: return Int(c - JSONByte.zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(c - UInt8(ascii: "A") + 10)
        default: return -1
        }
    }

    /// 0 ordinary string byte, 1 `"`, 2 `\`, 3 control character, 4 start of a multi-byte UTF-8 sequence.
    nonisolated(unsafe) private static let stringClass: UnsafeMutablePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 {
            table[b] = b < 0x20 ? 3 : b >= 0x80 ? 4 : 0
        }
        table[Int(JSONByte.quote)] = 1
        table[Int(JSONByte.backslash)] = 2
        return table
    }()

    // MARK: - The window

    /// Skips JSON whitespace, counting lines; returns the byte at `pos`, or -1 at the end.
    @inline(__always)
    mutating func skipWhitespace() throws(ReadIssue) -> Int {
        while true {
            var p = pos
            let e = end
            while p < e {
                let c = buf[p]
                if c > JSONByte.space {
                    pos = p
                    return Int(c)
                }
                if c == JSONByte.space || c == JSONByte.tab || c == JSONByte.cr {
                    p += 1
                } else if c == JSONByte.lf {
                    p += 1
                    line += 1
                    lineStart = base + p
                } else {
                    pos = p
                    return Int(c)
                }
            }
            pos = p
            if try !refill() { return -1 }
        }
    }

    /// Makes `count` bytes from index `i` (at or after `pos`) available, refilling as needed;
    /// `i` follows the bytes when the window moves. False when the input ends first.
    @inline(__always)
    mutating func ensure(_ i: inout Int, _ count: Int) throws(ReadIssue) -> Bool {
        while i + count > end {
            let before = base
            let more = try refill()
            i -= base - before
            if !more { return false }
        }
        return true
    }

    /// Moves the unread bytes (from `pos`) to the front and reads more. False at the end.
    mutating func refill() throws(ReadIssue) -> Bool {
        if atEOF { return false }
        if pos > 0 {
            let live = end - pos
            if live > 0 { memmove(buf, buf + pos, live) }
            base += pos
            end = live
            pos = 0
        }
        if capacity - end < Self.chunkSize {
            let newCapacity = max(capacity * 2, end + Self.chunkSize)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            bigger.update(from: buf, count: end)
            buf.deallocate()
            buf = bigger
            capacity = newCapacity
        }
        let count = try source.read(into: UnsafeMutableRawBufferPointer(start: buf + end, count: capacity - end))
        if count == 0 {
            atEOF = true
            return false
        }
        end += count
        return true
    }

    // MARK: - Messages

    func position(_ i: Int) -> (line: Int, column: Int) {
        (line, base + i - lineStart + 1)
    }

    func error(_ kind: ReadIssue.Kind, at i: Int, _ message: String) -> ReadIssue {
        let at = position(i)
        return ReadIssue(kind: kind, file: file, line: at.line, column: at.column,
                         record: recordNumber > 0 ? recordNumber : nil, message: message)
    }

    func describe(_ c: Int) -> String {
        if c < 0 { return "the end of the input" }
        return UInt8(c) >= 0x21 && UInt8(c) < 0x7F ? "'\(printable(UInt8(c)))'" : "byte \(hexByte(UInt8(c)))"
    }

    func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : hexByte(c)
    }

    func hexByte(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return "0x" + String(decoding: [digits[Int(c >> 4)], digits[Int(c & 0xF)]], as: UTF8.self)
    }

    func hex(_ unit: Int) -> String {
        let text = String(unit, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}

/// ASCII bytes the JSON reader looks for.
enum JSONByte {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let minus = UInt8(ascii: "-")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let t = UInt8(ascii: "t")
    static let f = UInt8(ascii: "f")
    static let n = UInt8(ascii: "n")
}
