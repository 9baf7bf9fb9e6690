/// Turns one JSON object into a ``RawRecord``: scalars become text, reference objects their
/// `value` (and `NAME.display_value`), other nested values their compact JSON.
///
/// Kept apart from the layout so the same assembly serves every shape of export; it also spots
/// the `result`/`records` key that makes the first object a container rather than a record.
struct JSONRecordAssembler {
    var names = JSONFieldNameCache()
    var nested: JSONNestedValueParser

    init(maxDepth: Int, maxStringBytes: Int) {
        nested = JSONNestedValueParser(maxDepth: maxDepth, maxStringBytes: maxStringBytes)
    }

    enum Outcome {
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

    /// Parses the object at `t.pos` as record number `t.record`, whose `{` sits at nesting `depth`.
    /// With `detectContainer`, a first key `result` or `records` holding an array or object
    /// stops it early as a ``Outcome/container(isArray:key:)``.
    mutating func parseRecord(_ t: inout JSONTokenizer, depth: Int, detectContainer: Bool) throws(ReadIssue) -> Outcome {
        let recordLine = t.line
        let recordColumn = t.position(t.pos).column
        t.pos += 1
        var values: [String?] = []
        values.reserveCapacity(names.previousNames.count)
        var slot = 0
        var matching = true
        var newNames: [String] = []

        var c = try t.skipWhitespace()
        if c == JSONByte.closeBrace {
            t.pos += 1
        } else {
            while true {
                guard c == JSONByte.quote else {
                    throw t.error(.malformedJSON, at: t.pos,
                                  c < 0 ? "the input ends inside a record (truncated?)"
                                        : "expected a field name in quotes, found \(t.describe(c))")
                }
                let key = try t.scanString()
                let containerKey = detectContainer && key.isContainerKey(in: t.buf)
                if key.escaped {
                    t.decode(key)
                    names.keySlot(name: String(decoding: t.scratch, as: UTF8.self), slot: slot,
                                  matching: &matching, newNames: &newNames)
                } else {
                    names.keySlot(bytes: UnsafeBufferPointer(start: t.buf + key.start, count: key.end - key.start),
                                  slot: slot, matching: &matching, newNames: &newNames)
                }
                t.pos = key.next
                slot += 1
                c = try t.skipWhitespace()
                guard c == JSONByte.colon else {
                    throw t.error(.malformedJSON, at: t.pos, "expected ':' after a field name, found \(t.describe(c))")
                }
                t.pos += 1
                c = try t.skipWhitespace()
                if containerKey && (c == JSONByte.openBracket || (c == JSONByte.openBrace && slot == 1)) {
                    let name = matching ? names.previousNames[slot - 1] : newNames[slot - 1]
                    return .container(isArray: c == JSONByte.openBracket, key: name)
                }
                switch c {
                case Int(JSONByte.quote):
                    let token = try t.scanString()
                    values.append(t.makeString(token))
                    t.pos = token.next
                case Int(JSONByte.minus), Int(JSONByte.zero)...Int(JSONByte.nine):
                    let end = try t.scanNumber()
                    values.append(String(decoding: UnsafeBufferPointer(start: t.buf + t.pos, count: end - t.pos), as: UTF8.self))
                    t.pos = end
                case Int(JSONByte.t), Int(JSONByte.f), Int(JSONByte.n):
                    values.append(try t.scanLiteral(c))
                case Int(JSONByte.openBrace), Int(JSONByte.openBracket):
                    var ref: JSONNestedValueParser.ReferenceCapture? = c == JSONByte.openBrace ? .init() : nil
                    try nested.parse(&t, emit: true, depth: depth, ref: &ref)
                    if let ref, ref.isReference, let value = ref.value {
                        values.append(value)
                        if let display = ref.display {
                            values.append(display)
                            names.displaySlot(slot, matching: &matching, newNames: &newNames)
                            slot += 1
                        }
                    } else {
                        values.append(String(decoding: nested.out, as: UTF8.self))
                    }
                case -1:
                    throw t.error(.malformedJSON, at: t.pos, "the input ends inside a record (truncated?)")
                default:
                    throw t.error(.malformedJSON, at: t.pos, "expected a value, found \(t.describe(c))")
                }
                c = try t.skipWhitespace()
                if c == JSONByte.comma {
                    t.pos += 1
                    c = try t.skipWhitespace()
                    continue
                }
                if c == JSONByte.closeBrace {
                    t.pos += 1
                    break
                }
                throw t.error(.malformedJSON, at: t.pos,
                              c < 0 ? "the input ends inside a record (truncated?)"
                                    : "expected ',' or '}' after a field value, found \(t.describe(c))")
            }
        }

        let provenance = Provenance(file: t.file, record: t.record, line: recordLine)
        switch names.finish(count: slot, matching: matching, newNames: newNames) {
        case .names(let recordNames):
            return .record(RawRecord(names: recordNames, values: values, provenance: provenance))
        case .duplicate(let name):
            let issue = ReadIssue(kind: .unexpectedShape, file: t.file, line: recordLine, column: recordColumn,
                                  record: t.record,
                                  message: "the record has the field \"\(name)\" more than once",
                                  rawText: nil)
            return .issue(issue)
        }
    }
}
