/// Reads a nested value (an object or array in a field, or a non-record element) and validates
/// it, leaving its compact JSON text in ``out`` and telling whether it is a reference object.
///
/// Iterative, with an explicit stack, so hostile nesting hits ``maxDepth`` rather than the
/// thread's stack.
struct JSONNestedValueParser {
    /// Deepest nesting accepted, counting the record's own containers.
    let maxDepth: Int
    /// Longest compact text accepted, in bytes.
    let maxStringBytes: Int
    /// The compact text of the last value parsed with `emit`.
    private(set) var out: [UInt8] = []
    /// Whether each open container is an object.
    private var stack: [Bool] = []

    init(maxDepth: Int, maxStringBytes: Int) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
    }

    /// What a nested object tells about being a reference (`value` + `link`/`display_value`).
    struct ReferenceCapture {
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

    /// Parses and validates the value at `t.pos` (any kind), iteratively; `depth` is the nesting of
    /// the container holding it. With `emit`, its compact text is left in `out`. `ref`, when
    /// given, learns whether the value is a reference object.
    mutating func parse(_ t: inout JSONTokenizer, emit: Bool, depth: Int, ref: inout ReferenceCapture?) throws(ReadIssue) {
        enum Step { case value, firstValue, firstKey, key, afterValue }
        out.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        var step = Step.value
        while true {
            switch step {
            case .value:
                let c = try t.skipWhitespace()
                let topLevel = stack.count == 1
                switch c {
                case Int(JSONByte.openBrace), Int(JSONByte.openBracket):
                    let isObject = c == JSONByte.openBrace
                    if depth + stack.count + 1 > maxDepth {
                        throw t.error(.malformedJSON, at: t.pos, "the JSON is nested deeper than \(maxDepth) levels")
                    }
                    if ref != nil && (!stack.isEmpty || !isObject) { ref!.possible = false }
                    stack.append(isObject)
                    if emit { out.append(UInt8(c)) }
                    t.pos += 1
                    step = isObject ? .firstKey : .firstValue
                    continue
                case Int(JSONByte.quote):
                    let token = try t.scanString()
                    if emit { emitString(token, from: &t) }
                    if topLevel && ref != nil && ref!.possible { ref!.capture(t.makeString(token)) }
                    t.pos = token.next
                case Int(JSONByte.minus), Int(JSONByte.zero)...Int(JSONByte.nine):
                    let end = try t.scanNumber()
                    let count = end - t.pos
                    if emit { out.append(contentsOf: UnsafeBufferPointer(start: t.buf + t.pos, count: count)) }
                    if topLevel && ref != nil && ref!.possible {
                        ref!.capture(String(decoding: UnsafeBufferPointer(start: t.buf + t.pos, count: count), as: UTF8.self))
                    }
                    t.pos = end
                case Int(JSONByte.t), Int(JSONByte.f), Int(JSONByte.n):
                    let text = try t.scanLiteral(c)
                    if emit { out.append(contentsOf: (text ?? "null").utf8) }
                    if topLevel && ref != nil && ref!.possible { ref!.capture(text) }
                case -1:
                    throw t.error(.malformedJSON, at: t.pos, "the input ends where a value was expected (truncated?)")
                default:
                    throw t.error(.malformedJSON, at: t.pos, "expected a value, found \(t.describe(c))")
                }
                step = .afterValue
            case .firstValue, .firstKey:
                let isObject = step == .firstKey
                let closing = isObject ? JSONByte.closeBrace : JSONByte.closeBracket
                if try t.skipWhitespace() == closing {
                    step = .afterValue
                    close(&t)
                    if emit { out.append(closing) }
                } else {
                    step = isObject ? .key : .value
                }
            case .key:
                var c = try t.skipWhitespace()
                guard c == JSONByte.quote else {
                    throw t.error(.malformedJSON, at: t.pos,
                                c < 0 ? "the input ends inside an object (truncated?)"
                                      : "expected a key in quotes, found \(t.describe(c))")
                }
                let token = try t.scanString()
                if emit { emitString(token, from: &t) }
                if stack.count == 1 && ref != nil && ref!.possible {
                    let kind = token.escaped ? 0 : token.referenceKey(in: t.buf)
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
                t.pos = token.next
                c = try t.skipWhitespace()
                guard c == JSONByte.colon else {
                    throw t.error(.malformedJSON, at: t.pos, "expected ':' after a key, found \(t.describe(c))")
                }
                if emit { out.append(JSONByte.colon) }
                t.pos += 1
                step = .value
            case .afterValue:
                if stack.isEmpty {
                    if out.count > maxStringBytes {
                        throw t.error(.fieldTooLarge, at: t.pos, "a nested value is longer than \(maxStringBytes) bytes")
                    }
                    return
                }
                let c = try t.skipWhitespace()
                let isObject = stack[stack.count - 1]
                if c == JSONByte.comma {
                    if emit {
                        out.append(JSONByte.comma)
                        if out.count > maxStringBytes {
                            throw t.error(.fieldTooLarge, at: t.pos, "a nested value is longer than \(maxStringBytes) bytes")
                        }
                    }
                    t.pos += 1
                    step = isObject ? .key : .value
                } else if c == (isObject ? JSONByte.closeBrace : JSONByte.closeBracket) {
                    close(&t)
                    if emit { out.append(UInt8(c)) }
                } else if c < 0 {
                    throw t.error(.malformedJSON, at: t.pos,
                                "the input ends inside \(isObject ? "an object" : "an array") (truncated?)")
                } else {
                    throw t.error(.malformedJSON, at: t.pos,
                                "expected ',' or '\(isObject ? "}" : "]")', found \(t.describe(c))")
                }
            }
        }
    }

    @inline(__always)
    private mutating func close(_ t: inout JSONTokenizer) {
        t.pos += 1
        stack.removeLast()
    }

    /// Appends a string token to `out` as minimal JSON.
    private mutating func emitString(_ token: JSONTokenizer.StringToken, from t: inout JSONTokenizer) {
        out.append(JSONByte.quote)
        if !token.escaped {
            out.append(contentsOf: UnsafeBufferPointer(start: t.buf + token.start, count: token.end - token.start))
        } else {
            t.decode(token)
            for b in t.scratch {
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
}
