/// The byte-level RFC 4180 state machine behind ``CSVReader``.
///
/// All mutable state lives in this struct so the hot loop runs on one `inout` value (no class
/// property access, so no dynamic exclusivity checks per byte). It reads the source in chunks into
/// one reusable buffer, carries a partial field across chunk ends in `accumulator` (at most
/// `maxFieldBytes`), counts lines as it goes, and packs each record's values into one buffer
/// (``PackedFields``): no `String` is made here.
struct CSVParser {
    /// What one call of ``next(from:)`` found.
    enum Outcome {
        case record(PackedFields, line: Int, number: Int)
        case issue(ReadIssue)
        case end
    }

    private enum State {
        case recordStart  // before the first byte of a record; a line break here is a blank line
        case fieldStart   // before the first byte of a field
        case unquoted
        case quoted
        case quotedQuote  // just after a `"` inside a quoted field: an escape or the closing quote
    }

    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D
    private static let quote: UInt8 = 0x22
    /// Cap on the bytes kept for an issue's `rawText`.
    static let maxRawTextBytes = 64 << 10

    // Configuration.
    let fileName: String
    let delimiter: UInt8
    let maxFieldBytes: Int
    let lenientQuotes: Bool
    /// The field count every record must have; `Int.max` while the first record is being read.
    var expectedFields = Int.max
    /// Whether the records being read are data records (numbered), not the header.
    var countsRecords = false
    /// When set, the 1-based (line, column) of each field of the next record is kept (for headers).
    var recordsFieldPositions = false
    private(set) var fieldPositions: [(line: Int, column: Int)] = []

    // The buffer: `buffer[pos..<end]` is unread, `base` is the absolute offset of `buffer[0]`.
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var end = 0
    private var pos = 0
    private var base = 0
    private var atEOF = false
    private var started = false
    private var lastByteOfPreviousChunk: UInt8 = 0
    /// Byte classes: non-zero for the bytes that end an unquoted / a quoted run.
    private let unquotedClass: UnsafeMutablePointer<UInt8>
    private let quotedClass: UnsafeMutablePointer<UInt8>

    // Lines.
    private var line = 1
    private var lineStart = 0  // absolute offset of the current line's first byte

    // The record being read.
    private var state = State.recordStart
    /// The record's values so far: their bytes one after the other, and where each ends.
    private var fieldData: [UInt8] = []
    private var fieldEnds: [UInt32] = []
    private var fieldCount = 0
    private var recordLine = 0
    private(set) var recordNumber = 0
    private var issue: ReadIssue?
    private var hasIssue = false  // `issue != nil`, cheap to test in the loop

    // The field being read: its content is `accumulator` (when `accumulated`) + buffer[segmentStart..<…].
    private var segmentStart = 0
    private var contentEnd = 0  // in `.quotedQuote`, where the quoted content ended
    private var accumulator: [UInt8] = []
    private var accumulated = false
    private var fieldLine = 0
    private var fieldColumn = 0
    private var fieldQuoted = false

    // The record's raw bytes, for issues: `rawCarry` (earlier chunks, capped) + buffer[rawStart..<…].
    private var rawStart = 0
    private var rawCarry: [UInt8] = []

    init(fileName: String, options: CSVOptions, bufferSize: Int) {
        self.fileName = fileName
        delimiter = options.delimiter.byte
        maxFieldBytes = options.maxFieldBytes
        lenientQuotes = options.lenientQuotes
        capacity = max(bufferSize, 16)
        buffer = .allocate(capacity: capacity)
        unquotedClass = .allocate(capacity: 256)
        quotedClass = .allocate(capacity: 256)
        unquotedClass.initialize(repeating: 0, count: 256)
        quotedClass.initialize(repeating: 0, count: 256)
        for byte in [0, Self.lf, Self.cr, Self.quote, delimiter] { unquotedClass[Int(byte)] = 1 }
        for byte in [0, Self.lf, Self.cr, Self.quote] { quotedClass[Int(byte)] = 1 }
    }

    /// Frees the buffers; the owner calls it once, from its `deinit`.
    func deallocate() {
        buffer.deallocate()
        unquotedClass.deallocate()
        quotedClass.deallocate()
    }

    // MARK: - The loop

    /// Reads up to the end of the next record (skipping blank lines).
    /// Throws only when the rest of the input is unreadable (an unterminated quote, a read error).
    mutating func next(from source: any ByteSource) throws(ReadIssue) -> Outcome {
        let p = buffer
        while true {
            if pos >= end {
                if atEOF { return try finishAtEOF() }
                try refill(from: source)
                continue
            }
            var i = pos
            let n = end
            switch state {
            case .recordStart:
                let byte = p[i]
                if byte == Self.lf || byte == Self.cr {  // a blank line
                    lineBreak(byte, at: i)
                    pos = i + 1
                    continue
                }
                if countsRecords { recordNumber += 1 }
                recordLine = line
                rawStart = i
                fieldCount = 0
                fieldData.removeAll(keepingCapacity: fieldData.capacity <= 1 << 20)
                fieldEnds.removeAll(keepingCapacity: true)
                if recordsFieldPositions { fieldPositions = [] }
                state = .fieldStart

            case .fieldStart:
                startField(at: i)
                if p[i] == Self.quote {
                    fieldQuoted = true
                    state = .quoted
                    segmentStart = i + 1
                    pos = i + 1
                } else {
                    fieldQuoted = false
                    state = .unquoted
                    segmentStart = i
                }

            case .unquoted:
                let table = unquotedClass
                while i < n && table[Int(p[i])] == 0 { i &+= 1 }
                if i == n {
                    pos = n
                    continue
                }
                let byte = p[i]
                if byte == delimiter {
                    finishField(contentEnd: i)
                    state = .fieldStart
                    pos = i + 1
                } else if byte == Self.lf || byte == Self.cr {
                    finishField(contentEnd: i)
                    let outcome = finishRecord(terminatorAt: i)
                    lineBreak(byte, at: i)
                    pos = i + 1
                    state = .recordStart
                    return outcome
                } else if byte == Self.quote {
                    if !lenientQuotes {
                        flag(.strayQuote, at: i, "a quote (\") inside an unquoted field; quote the whole field and double the quote (\"\")")
                    }
                    pos = i + 1
                } else {
                    flag(.nulByte, at: i, "a NUL byte (0x00) in a field; the file may be binary or in UTF-16")
                    pos = i + 1
                }

            case .quoted:
                let table = quotedClass
                while i < n && table[Int(p[i])] == 0 { i &+= 1 }
                if i == n {
                    pos = n
                    continue
                }
                let byte = p[i]
                if byte == Self.quote {
                    contentEnd = i
                    state = .quotedQuote
                } else if byte == 0 {
                    flag(.nulByte, at: i, "a NUL byte (0x00) in a field; the file may be binary or in UTF-16")
                } else {
                    lineBreak(byte, at: i)
                }
                pos = i + 1

            case .quotedQuote:
                let byte = p[i]
                if byte == Self.quote {  // `""`: one literal quote; it starts the next segment
                    appendToAccumulator(segmentStart..<contentEnd)
                    segmentStart = i
                    state = .quoted
                    pos = i + 1
                } else if byte == delimiter {
                    finishField(contentEnd: contentEnd)
                    state = .fieldStart
                    pos = i + 1
                } else if byte == Self.lf || byte == Self.cr {
                    finishField(contentEnd: contentEnd)
                    let outcome = finishRecord(terminatorAt: i)
                    lineBreak(byte, at: i)
                    pos = i + 1
                    state = .recordStart
                    return outcome
                } else {
                    if !lenientQuotes {
                        flag(.strayQuote, at: i, "text after the closing quote of a field; quote the whole field and double any quote inside it (\"\")")
                    }
                    appendToAccumulator(segmentStart..<contentEnd)
                    segmentStart = i
                    state = .unquoted
                }
            }
        }
    }

    // MARK: - Fields and records

    @inline(__always)
    private mutating func lineBreak(_ byte: UInt8, at i: Int) {
        if byte == Self.lf {
            let previous = i > 0 ? buffer[i - 1] : lastByteOfPreviousChunk
            if previous != Self.cr { line += 1 }
        } else {
            line += 1
        }
        lineStart = base + i + 1
    }

    @inline(__always)
    private mutating func startField(at i: Int) {
        fieldLine = line
        fieldColumn = base + i - lineStart + 1
        if accumulated {  // left over from a field of a record that had an issue
            accumulator.removeAll(keepingCapacity: accumulator.capacity <= 1 << 20)
            accumulated = false
        }
        if recordsFieldPositions { fieldPositions.append((fieldLine, fieldColumn)) }
        if fieldCount == expectedFields && !hasIssue {
            flag(.tooManyFields, line: fieldLine, column: fieldColumn,
                 "more fields than the \(expectedFields) columns of the header; an unquoted delimiter inside a value?")
        }
    }

    /// Adds a segment of the current buffer to the field's accumulated content, unless the field
    /// would grow past `maxFieldBytes` (then it is flagged and no longer buffered).
    private mutating func appendToAccumulator(_ range: Range<Int>) {
        if hasIssue { return }
        if accumulator.count + range.count > maxFieldBytes {
            flagFieldTooLarge()
            if accumulator.capacity > 1 << 20 { accumulator = [] } else { accumulator.removeAll(keepingCapacity: true) }
            return
        }
        accumulator.append(contentsOf: UnsafeBufferPointer(start: buffer + range.lowerBound, count: range.count))
        accumulated = true
    }

    private mutating func flagFieldTooLarge() {
        flag(.fieldTooLarge, line: fieldLine, column: fieldColumn,
             "field \(fieldCount + 1) is longer than the limit of \(maxFieldBytes) bytes")
        issue?.fieldIndex = fieldCount
    }

    @inline(__always)
    private mutating func finishField(contentEnd: Int) {
        if hasIssue { return }
        let count = contentEnd - segmentStart
        if !accumulated {
            if count > maxFieldBytes { flagFieldTooLarge(); return }
            keep(UnsafeBufferPointer(start: buffer + segmentStart, count: count))
        } else {
            appendToAccumulator(segmentStart..<contentEnd)
            if hasIssue { return }
            accumulator.withUnsafeBufferPointer { keep($0) }
            accumulator.removeAll(keepingCapacity: accumulator.capacity <= 1 << 20)
            accumulated = false
        }
    }

    /// Adds one field's content to the record, unless it is not valid UTF-8 or the record would
    /// outgrow what a ``PackedFields`` can address (then the record is flagged).
    @inline(__always)
    private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>) {
        if !bytes.isEmpty && !UTF8Validation.isASCII(bytes) && UTF8Validation.firstInvalidOffset(in: bytes) != nil {
            flagInvalidUTF8(bytes)
            return
        }
        if fieldData.count + bytes.count > Int(UInt32.max) {
            flag(.fieldTooLarge, line: fieldLine, column: fieldColumn,
                 "the record is longer than the \(UInt32.max) bytes a record can hold (at field \(fieldCount + 1))")
            return
        }
        fieldData.append(contentsOf: bytes)
        fieldEnds.append(UInt32(fieldData.count))
        fieldCount += 1
    }

    /// Finds the first ill-formed UTF-8 sequence in a field's content and flags its position.
    private mutating func flagInvalidUTF8(_ content: UnsafeBufferPointer<UInt8>) {
        let offset = UTF8Validation.firstInvalidOffset(in: content) ?? 0
        // Walk the content from the field's first byte, mapping back to physical lines and columns:
        // line breaks inside quotes are kept as they are, and a `"` in a quoted field was `""`.
        var badLine = fieldLine
        var column = fieldColumn + (fieldQuoted ? 1 : 0)
        var index = 0
        while index < offset {
            let byte = content[index]
            if byte == Self.lf {
                badLine += 1
                column = 1
            } else if byte == Self.cr {
                if index + 1 < content.count && content[index + 1] == Self.lf {
                    column += 1
                } else {
                    badLine += 1
                    column = 1
                }
            } else if byte == Self.quote && fieldQuoted {
                column += 2
            } else {
                column += 1
            }
            index += 1
        }
        let bad = content[offset]
        let hex = String(bad, radix: 16, uppercase: true)
        flag(.invalidEncoding, line: badLine, column: column,
             "invalid UTF-8 (byte 0x\(hex.count == 1 ? "0" + hex : hex)); declare the file's encoding (e.g. windows-1252) if it is not UTF-8")
    }

    private mutating func flag(_ kind: ReadIssue.Kind, at i: Int, _ message: String) {
        flag(kind, line: line, column: base + i - lineStart + 1, message)
    }

    private mutating func flag(_ kind: ReadIssue.Kind, line: Int, column: Int, _ message: String) {
        if hasIssue { return }
        hasIssue = true
        issue = ReadIssue(kind: kind, file: fileName, line: line, column: column,
                          record: countsRecords ? recordNumber : nil, message: message)
    }

    /// Ends the record at `buffer[terminator]` (a line break, or `end` at EOF), before the line
    /// break is counted.
    private mutating func finishRecord(terminatorAt terminator: Int) -> Outcome {
        if !hasIssue && fieldCount < expectedFields && expectedFields != Int.max {
            flag(.tooFewFields, at: terminator,
                 "\(fieldCount) field\(fieldCount == 1 ? "" : "s") where the header has \(expectedFields)")
        }
        if hasIssue, var issue {
            issue.rawText = rawText(upTo: terminator)
            self.issue = nil
            hasIssue = false
            rawCarry.removeAll(keepingCapacity: true)
            return .issue(issue)
        }
        if !rawCarry.isEmpty { rawCarry.removeAll(keepingCapacity: true) }
        let record = fieldEnds.withUnsafeBufferPointer { ends in
            fieldData.withUnsafeBufferPointer { PackedFields(ends: ends, data: $0) }
        }
        return .record(record, line: recordLine, number: recordNumber)
    }

    private func rawText(upTo terminator: Int) -> String {
        var raw = rawCarry
        let count = min(max(terminator - rawStart, 0), Self.maxRawTextBytes - raw.count)
        if count > 0 { raw.append(contentsOf: UnsafeBufferPointer(start: buffer + rawStart, count: count)) }
        return String(decoding: raw, as: UTF8.self)
    }

    private mutating func finishAtEOF() throws(ReadIssue) -> Outcome {
        switch state {
        case .recordStart:
            return .end
        case .fieldStart:  // a delimiter just before the end: one more, empty field
            startField(at: end)
            segmentStart = end
            finishField(contentEnd: end)
        case .unquoted:
            finishField(contentEnd: end)
        case .quotedQuote:
            finishField(contentEnd: contentEnd)
        case .quoted:
            var issue = ReadIssue(
                kind: .unterminatedQuote, file: fileName, line: fieldLine, column: fieldColumn,
                record: countsRecords ? recordNumber : nil,
                message: "the quote opened here is never closed, so the rest of the file is one field")
            issue.rawText = rawText(upTo: end)
            state = .recordStart
            throw issue
        }
        state = .recordStart
        return finishRecord(terminatorAt: end)
    }

    // MARK: - Input

    /// Saves what the current chunk holds of the record in progress, then reads the next chunk.
    private mutating func refill(from source: any ByteSource) throws(ReadIssue) {
        switch state {
        case .recordStart, .fieldStart:
            break
        case .unquoted, .quoted:
            appendToAccumulator(segmentStart..<end)
            segmentStart = 0
        case .quotedQuote:
            appendToAccumulator(segmentStart..<contentEnd)
            segmentStart = 0
            contentEnd = 0
        }
        if state != .recordStart {
            let count = min(end - rawStart, Self.maxRawTextBytes - rawCarry.count)
            if count > 0 { rawCarry.append(contentsOf: UnsafeBufferPointer(start: buffer + rawStart, count: count)) }
            rawStart = 0
        }
        if end > 0 { lastByteOfPreviousChunk = buffer[end - 1] }
        base += end
        end = 0
        pos = 0
        let raw = UnsafeMutableRawBufferPointer(start: buffer, count: capacity)
        if !started {
            // Read at least 3 bytes (or to the end) so a UTF-8 byte-order mark can be recognised.
            started = true
            while end < 3 {
                let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
                if count == 0 { break }
                end += count
            }
            if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
                pos = 3
                lineStart = 3
            }
            if end == 0 { atEOF = true }
            return
        }
        let count = try source.read(into: raw)
        end = count
        if count == 0 { atEOF = true }
    }
}
