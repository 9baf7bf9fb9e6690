#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Strings, numbers and literals: scanned and validated in the window, made `String`s only on demand.
extension JSONTokenizer {
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
}
