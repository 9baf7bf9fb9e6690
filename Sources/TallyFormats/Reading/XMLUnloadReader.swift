import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams records out of a ServiceNow XML unload:
/// `<unload unload_date="…"><incident action="INSERT_OR_UPDATE"><sys_id>…</sys_id>…</incident>…</unload>`.
///
/// Each child element of the root is one record; its child elements are the fields, in order.
/// The first two fields are always `_table` (the record element's name, e.g. `incident`) and
/// `_action` (its `action` attribute, `nil` when absent): an unload may mix tables and actions,
/// so they travel with each record rather than as reader properties. Field values: the element's
/// text (entities decoded, CDATA included, whitespace kept); `<x/>` is `""`; an element with
/// `xsi:nil="true"` is `nil`; a `display_value` attribute adds a field `NAME.display_value` right
/// after it, as in JSON. A field holding child elements, or a record naming a field twice,
/// costs that record (`unexpectedShape`). Malformed XML is thrown (`malformedXML`, with the
/// parser's line and column): the rest cannot be trusted.
///
/// FoundationXML's `XMLParser` is push-based, so it runs on its own thread, pulling 64 KiB
/// chunks from the source, and hands records over through a small bounded queue: memory stays
/// flat and at most `bufferedRecords` records wait. Stopping early (dropping the reader) stops
/// the parser thread.
public final class XMLUnloadReader: RecordReader {
    private let handoff: Handoff
    private let worker: Worker
    private var started = false

    /// The root element's `unload_date` attribute, once the first event has been read.
    public var unloadDate: String? { handoff.withLock { handoff.unloadDate } }

    public init(source: any ByteSource, bufferedRecords: Int = 16) {
        handoff = Handoff(capacity: max(1, bufferedRecords))
        worker = Worker(source: source, handoff: handoff)
    }

    deinit {
        handoff.cancel()
    }

    public func next() throws(ReadIssue) -> ReadEvent? {
        if !started {
            let worker = self.worker
            do throws(WorkerThread.StartFailure) {
                try WorkerThread.start(name: "tally.xml-reader", stackSize: 4 << 20) { worker.run() }
            } catch {
                throw ReadIssue(kind: .unreadable, file: worker.source.name, line: 0, column: 0, message: error.description)
            }
            started = true
        }
        return try handoff.take()
    }
}

/// The bounded queue between the parser thread and `next()`.
private final class Handoff: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [ReadEvent] = []
    private var head = 0
    private let capacity: Int
    private var finished = false
    private var fatal: ReadIssue?
    private(set) var cancelled = false
    var unloadDate: String?

    init(capacity: Int) {
        self.capacity = capacity
    }

    func withLock<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    /// Waits for room; false when the reader is gone.
    func put(_ event: ReadEvent) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while events.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        events.append(event)
        condition.broadcast()
        return true
    }

    func finish(_ issue: ReadIssue?) {
        condition.lock()
        finished = true
        fatal = issue
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func take() throws(ReadIssue) -> ReadEvent? {
        condition.lock()
        defer { condition.unlock() }
        while head == events.count && !finished { condition.wait() }
        if head < events.count {
            let event = events[head]
            head += 1
            if head == events.count {
                events.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.broadcast()
            return event
        }
        if let issue = fatal {
            fatal = nil
            throw issue
        }
        return nil
    }
}

/// Runs `XMLParser` over the source on the parser thread.
private final class Worker: @unchecked Sendable {
    let source: any ByteSource
    let handoff: Handoff

    init(source: any ByteSource, handoff: Handoff) {
        self.source = source
        self.handoff = handoff
    }

    func run() {
        let stream = ByteSourceStream(source: source, handoff: handoff)
        let parser = XMLParser(stream: stream)
        let builder = RecordBuilder(file: source.name, handoff: handoff)
        parser.delegate = builder
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let ok = parser.parse()
        if handoff.cancelled { return handoff.finish(nil) }
        if let issue = stream.failure {
            return handoff.finish(issue)
        }
        if let issue = builder.fatal {
            return handoff.finish(issue)
        }
        if ok && builder.depth == 0 && !builder.sawRoot && stream.bytesRead > 0 {
            // XMLParser never parses an input shorter than 4 bytes; anything else has a root.
            return handoff.finish(ReadIssue(kind: .malformedXML, file: source.name, line: 1, column: 1,
                                            message: "no XML element found"))
        }
        if !ok || builder.depth != 0 {
            let code = (parser.parserError as NSError?)?.code
            return handoff.finish(ReadIssue(
                kind: .malformedXML, file: source.name, line: parser.lineNumber, column: parser.columnNumber,
                record: builder.depth >= 2 ? builder.recordNumber : nil,
                message: builder.depth != 0 ? "the input ends inside <\(builder.openElement)> (truncated?)"
                                            : "the XML is malformed" + (code.map { " (parser error \($0))" } ?? "")))
        }
        handoff.finish(nil)
    }
}

/// An `InputStream` that pulls from a ``ByteSource``, for `XMLParser(stream:)`.
private final class ByteSourceStream: InputStream {
    fileprivate let source: any ByteSource
    private let handoff: Handoff
    fileprivate(set) var failure: ReadIssue?
    fileprivate var ended = false
    fileprivate(set) var bytesRead = 0

    init(source: any ByteSource, handoff: Handoff) {
        self.source = source
        self.handoff = handoff
        super.init(data: Data())
    }

    override func open() {}
    override func close() {}
    override var hasBytesAvailable: Bool { !ended }
    override var streamStatus: Stream.Status { failure != nil ? .error : ended ? .atEnd : .open }
    /// `XMLParser` asks for this after a read returns -1; `InputStream`'s own getter traps in a
    /// subclass, so an unreadable input (a bad UTF-16 sequence past the first sample) crashed.
    override var streamError: (any Error)? {
        failure.map { NSError(domain: "TallyFormats.ReadIssue", code: 1, userInfo: [NSLocalizedDescriptionKey: $0.description]) }
    }

    /// The first bytes, read before the parser's first read so the XML declaration can be checked.
    private var prolog: [UInt8]?

    /// Bytes ready for the parser (the source's, after ``ProcessingInstructionGuard``).
    private var out: [UInt8] = []
    private var outOffset = 0
    private var instructions = ProcessingInstructionGuard()
    private var chunk = [UInt8](repeating: 0, count: 64 << 10)

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
        if handoff.cancelled { return 0 }
        while outOffset == out.count {
            out.removeAll(keepingCapacity: true)
            outOffset = 0
            if prolog == nil {
                let bytes = readProlog()
                prolog = bytes
                if failure != nil { ended = true; return -1 }
                instructions.feed(bytes[...], into: &out)
                continue
            }
            if ended { return 0 }
            do {
                let count = try chunk.withUnsafeMutableBytes { raw throws(ReadIssue) in try source.read(into: raw) }
                if count == 0 { ended = true; return 0 }
                bytesRead += count
                instructions.feed(chunk[..<count], into: &out)
            } catch {
                failure = (error as? ReadIssue) ?? ReadIssue(kind: .unreadable, file: source.name, line: 1, column: 1, message: "\(error)")
                ended = true
                return -1
            }
        }
        let count = min(length, out.count - outOffset)
        out.withUnsafeBufferPointer { bytes in buffer.update(from: bytes.baseAddress! + outOffset, count: count) }
        outOffset += count
        return count
    }
}

/// Gives every processing instruction a data part: `<?name?>` becomes `<?name ?>`.
///
/// libxml2 reports a processing instruction without data with a NULL data pointer, on which
/// FoundationXML calls `strlen` (a crash, found by fuzzing). CDATA sections are copied untouched.
struct ProcessingInstructionGuard {
    private enum State { case text, afterLessThan, target(length: Int), instruction(afterQuestion: Bool), bang(matched: Int), cdata(closing: Int) }
    private var state = State.text
    private static let cdataOpen: [UInt8] = Array("[CDATA[".utf8)
    private static let lessThan = UInt8(ascii: "<"), question = UInt8(ascii: "?"), greater = UInt8(ascii: ">")
    private static let bang = UInt8(ascii: "!"), bracket = UInt8(ascii: "]"), space = UInt8(ascii: " ")

    mutating func feed(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + bytes.count + 8)
        for byte in bytes {
            switch state {
            case .text:
                if byte == Self.lessThan { state = .afterLessThan }
            case .afterLessThan:
                state = byte == Self.question ? .target(length: 0) : byte == Self.bang ? .bang(matched: 0) : byte == Self.lessThan ? .afterLessThan : .text
            case .target(let length):
                if byte == Self.question && length > 0 {
                    out.append(Self.space)
                    state = .instruction(afterQuestion: true)
                } else if byte == Self.space || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == Self.question {
                    state = .instruction(afterQuestion: byte == Self.question)
                } else {
                    state = .target(length: length + 1)
                }
            case .instruction(let afterQuestion):
                state = afterQuestion && byte == Self.greater ? .text : .instruction(afterQuestion: byte == Self.question)
            case .bang(let matched):
                if byte == Self.cdataOpen[matched] {
                    state = matched + 1 == Self.cdataOpen.count ? .cdata(closing: 0) : .bang(matched: matched + 1)
                } else {
                    state = byte == Self.lessThan ? .afterLessThan : .text
                }
            case .cdata(let closing):
                if byte == Self.bracket { state = .cdata(closing: min(closing + 1, 2)) }
                else if byte == Self.greater && closing == 2 { state = .text }
                else { state = .cdata(closing: 0) }
            }
            out.append(byte)
        }
    }
}

extension ByteSourceStream {
    /// Encodings an XML declaration may name. libxml2 switches to the declared encoding itself,
    /// and for some names (UTF-32, UTF-7, EBCDIC code pages…) it dereferences NULL; anything
    /// else is refused before the parser sees it.
    static let declaredEncodings: Set<String> = [
        "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "iso-latin-1", "latin-1",
        "iso-8859-15", "windows-1252", "cp1252", "utf-16", "utf-16le", "utf-16be",
    ]

    /// First bytes from which libxml2 guesses UCS-4 or EBCDIC and then dereferences NULL (no
    /// converter): `<` in the four UCS-4 byte orders, the UTF-32 byte-order marks, `<?` in EBCDIC.
    static let unreadableSignatures: Set<[UInt8]> = [
        [0x00, 0x00, 0x00, 0x3C], [0x3C, 0x00, 0x00, 0x00], [0x00, 0x00, 0x3C, 0x00], [0x00, 0x3C, 0x00, 0x00],
        [0x00, 0x00, 0xFE, 0xFF], [0xFF, 0xFE, 0x00, 0x00], [0x4C, 0x6F, 0xA7, 0x94],
        // UTF-16 reaching the parser untranscoded (no byte-order mark, or the reader used without
        // InputOpener): the guard above works on UTF-8 bytes, so it is refused too.
        [0x3C, 0x00, 0x3F, 0x00], [0x00, 0x3C, 0x00, 0x3F], [0x3C, 0x00, 0x75, 0x00], [0x00, 0x3C, 0x00, 0x75],
    ]

    /// Reads up to the end of the XML declaration (at most 1 KiB) and checks the encoding it
    /// names; sets ``failure`` when it is not one of ``declaredEncodings``.
    func readProlog() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        let end: [UInt8] = Array("?>".utf8)
        while bytes.count < 1024 && !ended {
            do {
                let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
                if count == 0 { ended = true; break }
                bytes += chunk[..<count]
                bytesRead += count
            } catch {
                failure = (error as? ReadIssue) ?? ReadIssue(kind: .unreadable, file: source.name, line: 1, column: 1, message: "\(error)")
                ended = true
                return bytes
            }
            if !bytes.starts(with: Array("<?xml".utf8)) && bytes.count >= 5 { break }
            if bytes.count >= 5, Self.range(of: end, in: bytes) != nil { break }
        }
        if bytes.count >= 4, Self.unreadableSignatures.contains(Array(bytes[..<4])) || bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            failure = ReadIssue(kind: .invalidEncoding, file: source.name, line: 1, column: 1,
                                message: "the input starts like UTF-32/UCS-4, EBCDIC or untranscoded UTF-16 XML, which the XML reader does not take; export as UTF-8, or give --encoding utf-16 for UTF-16")
            return bytes
        }
        guard bytes.starts(with: Array("<?xml".utf8)) else { return bytes }
        let declarationEnd = Self.range(of: end, in: bytes) ?? bytes.count
        let declaration = String(decoding: bytes[..<declarationEnd], as: UTF8.self)
        guard let at = declaration.range(of: "encoding") else { return bytes }
        let rest = declaration[at.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return bytes }
        let name = rest.dropFirst().prefix { $0 != quote }
        if !Self.declaredEncodings.contains(name.lowercased()) {
            let column = declaration.distance(from: declaration.startIndex, to: at.lowerBound) + 1
            failure = ReadIssue(kind: .invalidEncoding, file: source.name, line: 1, column: column,
                                message: "the XML declaration names the encoding \"\(name)\", which Tally does not read; export as UTF-8 (or UTF-16, ISO-8859-1, windows-1252)")
        }
        return bytes
    }

    static func range(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}

/// Turns parser events into records (on the parser thread).
private final class RecordBuilder: NSObject, XMLParserDelegate {
    let file: String
    let handoff: Handoff
    /// 0 outside the root, 1 in the root, 2 in a record, 3 in a field, more inside a field.
    private(set) var depth = 0
    private(set) var recordNumber = 0
    private(set) var openElement = ""
    private(set) var sawRoot = false
    var fatal: ReadIssue?

    private var recordLine = 0
    private var recordColumn = 0
    private var names: [String] = []
    private var values: [String?] = []
    private var previousNames: [String] = []
    private var problem: String?

    private var field = ""
    private var text = ""
    private var isNil = false
    private var display: String?

    init(file: String, handoff: Handoff) {
        self.file = file
        self.handoff = handoff
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        guard fatal == nil else { return }
        depth += 1
        openElement = elementName
        switch depth {
        case 1:
            sawRoot = true
            if let date = attributes["unload_date"] {
                handoff.withLock { handoff.unloadDate = date }
            }
        case 2:
            recordNumber += 1
            recordLine = parser.lineNumber
            recordColumn = parser.columnNumber
            names = ["_table", "_action"]
            names.reserveCapacity(previousNames.count)
            values = [elementName, attributes["action"]]
            values.reserveCapacity(previousNames.count)
            problem = nil
        case 3:
            field = elementName
            text = ""
            isNil = attributes["xsi:nil"] == "true"
            display = attributes["display_value"]
        default:
            if problem == nil { problem = "the field <\(field)> holds an element <\(elementName)>; fields hold text only" }
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if depth == 3 { text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        if depth == 3 { text += String(decoding: block, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard fatal == nil else { return }
        switch depth {
        case 3:
            names.append(field)
            values.append(isNil ? nil : text)
            if let display {
                names.append(field + ".display_value")
                values.append(display)
            }
        case 2:
            emitRecord(parser)
        default:
            break
        }
        depth -= 1
    }

    private func emitRecord(_ parser: XMLParser) {
        if problem == nil && names != previousNames {
            var seen = Set<String>()
            if let twice = names.first(where: { !seen.insert($0).inserted }) {
                problem = "the record has the field \"\(twice)\" more than once"
            } else {
                previousNames = names
            }
        }
        let event: ReadEvent
        if let problem {
            event = .issue(ReadIssue(kind: .unexpectedShape, file: file, line: recordLine, column: recordColumn,
                                     record: recordNumber, message: problem))
        } else {
            event = .record(RawRecord(names: previousNames, values: values,
                                      provenance: Provenance(file: file, record: recordNumber, line: recordLine)))
        }
        if !handoff.put(event) { parser.abortParsing() }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        guard fatal == nil else { return }
        let code = (parseError as NSError).code
        let reason = XMLParser.ErrorCode(rawValue: code).map { "\($0)" } ?? "error \(code)"
        fatal = ReadIssue(kind: .malformedXML, file: file, line: parser.lineNumber, column: parser.columnNumber,
                          record: depth >= 2 ? recordNumber : nil,
                          message: "malformed XML (\(reason))" + (depth >= 1 ? " inside <\(openElement)>" : ""))
        parser.abortParsing()
    }
}
