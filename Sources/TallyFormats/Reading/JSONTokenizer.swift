#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte level of ``JSONRecordReader``: a window on the input that refills in 64 KiB chunks,
/// counts lines, and scans and validates strings, numbers and literals without making a `String`
/// until one is asked for.
///
/// Offsets are indices into `buf`; a refill moves the unread bytes (from `pos`) to the front, so a
/// caller holding an index passes it through ``ensure(_:_:)`` to keep it valid.
struct JSONTokenizer {
    let source: any ByteSource
    let file: String
    /// Longest string or number accepted, in bytes.
    let maxStringBytes: Int

    // The window on the input: valid bytes are buf[0..<end]; `pos` is the next unread byte.
    // A refill keeps everything from `pos` on, so a token being scanned stays in the window.
    var buf: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    var pos = 0
    var end = 0
    /// Absolute input offset of buf[0].
    var base = 0
    private var atEOF = false
    private static let chunkSize = 64 * 1024

    var line = 1
    /// Absolute input offset of the first byte of the current line.
    var lineStart = 0
    /// The 1-based number of the record being read, stamped on issues; 0 outside records.
    var record = 0

    /// Decoded bytes of the last escaped string, reused.
    var scratch: [UInt8] = []

    init(source: any ByteSource, maxStringBytes: Int) {
        self.source = source
        self.file = source.name
        self.maxStringBytes = maxStringBytes
        capacity = Self.chunkSize * 2
        buf = .allocate(capacity: capacity)
    }

    mutating func deallocate() { buf.deallocate() }

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

    // MARK: - Messages

    func position(_ i: Int) -> (line: Int, column: Int) {
        (line, base + i - lineStart + 1)
    }

    func error(_ kind: ReadIssue.Kind, at i: Int, _ message: String) -> ReadIssue {
        let at = position(i)
        return ReadIssue(kind: kind, file: file, line: at.line, column: at.column,
                         record: record > 0 ? record : nil, message: message)
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
