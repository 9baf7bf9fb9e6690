/// A ``ByteSource`` that transcodes another one to UTF-8 while streaming.
///
/// Latin-1 and Windows-1252 cannot fail (Windows-1252's five unassigned bytes 0x81, 0x8D, 0x8F,
/// 0x90, 0x9D map to the C1 controls of the same value, as WHATWG does). UTF-16 can: an unpaired
/// surrogate or an odd trailing byte throws `.invalidEncoding` naming the byte offset in the
/// input and the line and column (in UTF-8 bytes, as ``CSVReader`` counts) where it would be.
/// A code unit or surrogate pair split across chunk ends is carried over. UTF-8 passes through
/// untouched (the reader validates it).
public final class TranscodingByteSource: ByteSource {
    /// A text encoding an export may declare.
    public enum Encoding: String, Sendable, CaseIterable, Codable {
        case utf8 = "utf-8"
        case latin1 = "iso-8859-1"
        case windows1252 = "windows-1252"
        /// UTF-16 whose byte order comes from a byte-order mark, which is required.
        case utf16 = "utf-16"
        case utf16le = "utf-16le"
        case utf16be = "utf-16be"

        /// The encoding a label names, case-insensitively, with the common aliases
        /// (`utf8`, `latin-1`, `iso8859-1`, `cp1252`, `utf16`, …); `nil` when unknown.
        public init?(label: String) {
            let key = label.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " }
            switch key {
            case "utf8": self = .utf8
            case "latin1", "iso88591", "l1": self = .latin1
            case "windows1252", "cp1252", "win1252": self = .windows1252
            case "utf16": self = .utf16
            case "utf16le": self = .utf16le
            case "utf16be": self = .utf16be
            default: return nil
            }
        }

        /// `.utf16` when `prefix` starts with a UTF-16 byte-order mark (either order), else `nil`.
        /// A UTF-8 byte-order mark or no mark says nothing: the caller keeps its default.
        public static func detect(prefix: some Collection<UInt8>) -> Encoding? {
            var bytes = prefix.makeIterator()
            guard let first = bytes.next(), let second = bytes.next() else { return nil }
            if (first == 0xFE && second == 0xFF) || (first == 0xFF && second == 0xFE) { return .utf16 }
            return nil
        }
    }

    public var name: String { source.name }
    public let encoding: Encoding

    private let source: any ByteSource
    private var input: UnsafeMutableRawBufferPointer
    /// Transcoded bytes not yet handed out: `output[outputStart...]`.
    private var output: [UInt8] = []
    private var outputStart = 0
    /// Bytes of a UTF-16 code unit split across chunks (0 or 1 byte).
    private var carry: [UInt8] = []
    /// A high surrogate waiting for its low half, and the input offset of its first byte.
    private var pendingHighSurrogate: UInt16?
    private var pendingHighOffset = 0
    private var bigEndian: Bool?
    private var inputOffset = 0
    private var atEnd = false
    private var line = 1
    private var column = 1

    /// Wraps `source`, declared to be in `encoding`. `chunkSize` is how much is read at a time.
    public init(source: any ByteSource, encoding: Encoding, chunkSize: Int = 64 << 10) {
        self.source = source
        self.encoding = encoding
        input = .allocate(byteCount: max(chunkSize, 4), alignment: 8)
        switch encoding {
        case .utf16le: bigEndian = false
        case .utf16be: bigEndian = true
        default: bigEndian = nil
        }
    }

    deinit { input.deallocate() }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadIssue) -> Int {
        if encoding == .utf8 { return try source.read(into: buffer) }
        guard buffer.count > 0 else { return 0 }
        while outputStart == output.count {
            if atEnd { return 0 }
            output.removeAll(keepingCapacity: true)
            outputStart = 0
            let count = try source.read(into: input)
            let bytes = UnsafeRawBufferPointer(rebasing: input[..<count])
            if count == 0 {
                atEnd = true
                try finish()
            } else {
                switch encoding {
                case .latin1, .windows1252: decodeSingleByte(bytes)
                case .utf16, .utf16le, .utf16be: try decodeUTF16(bytes)
                case .utf8: break
                }
                inputOffset += count
            }
        }
        let count = min(buffer.count, output.count - outputStart)
        output.withUnsafeBytes { out in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: out[outputStart..<outputStart + count]))
        }
        outputStart += count
        return count
    }

    // MARK: - Single-byte encodings

    /// Windows-1252's 0x80–0x9F, as Unicode scalars.
    private static let windows1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    private func decodeSingleByte(_ bytes: UnsafeRawBufferPointer) {
        output.reserveCapacity(bytes.count * (encoding == .windows1252 ? 3 : 2))
        let windows = encoding == .windows1252
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
            } else if windows && byte < 0xA0 {
                appendScalar(UInt32(Self.windows1252High[Int(byte - 0x80)]))
            } else {
                output.append(0xC0 | (byte >> 6))
                output.append(0x80 | (byte & 0x3F))
            }
        }
    }

    // MARK: - UTF-16

    private func decodeUTF16(_ bytes: UnsafeRawBufferPointer) throws(ReadIssue) {
        output.reserveCapacity(bytes.count / 2 * 3 + 4)
        var index = 0
        // Complete a code unit split across the previous chunk end.
        if !carry.isEmpty, bytes.count > 0 {
            carry.append(bytes[0])
            index = 1
            let pair = carry
            carry.removeAll()
            try takeUnit(pair[0], pair[1], offset: inputOffset - 1)
        }
        while index + 1 < bytes.count {
            try takeUnit(bytes[index], bytes[index + 1], offset: inputOffset + index)
            index += 2
        }
        if index < bytes.count { carry.append(bytes[index]) }
    }

    private func takeUnit(_ first: UInt8, _ second: UInt8, offset: Int) throws(ReadIssue) {
        guard let bigEndian else {
            // The first unit of `.utf16`: it must be a byte-order mark.
            if first == 0xFE && second == 0xFF {
                bigEndian = true
            } else if first == 0xFF && second == 0xFE {
                bigEndian = false
            } else {
                throw failure("UTF-16 input needs a byte-order mark (FE FF or FF FE) to tell its byte order; declare utf-16le or utf-16be", offset: offset)
            }
            return
        }
        let unit = bigEndian ? UInt16(first) << 8 | UInt16(second) : UInt16(second) << 8 | UInt16(first)
        if let high = pendingHighSurrogate {
            guard unit >= 0xDC00 && unit <= 0xDFFF else {
                throw failure("an unpaired UTF-16 high surrogate (0x\(String(high, radix: 16, uppercase: true)))", offset: pendingHighOffset)
            }
            pendingHighSurrogate = nil
            appendScalar(0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00))
            return
        }
        if unit >= 0xD800 && unit <= 0xDBFF {
            pendingHighSurrogate = unit
            pendingHighOffset = offset
        } else if unit >= 0xDC00 && unit <= 0xDFFF {
            throw failure("an unpaired UTF-16 low surrogate (0x\(String(unit, radix: 16, uppercase: true)))", offset: offset)
        } else if offset == 0 && unit == 0xFEFF && (encoding == .utf16le || encoding == .utf16be) {
            return  // a byte-order mark agreeing with the declared order
        } else {
            appendScalar(UInt32(unit))
        }
    }

    private func finish() throws(ReadIssue) {
        if pendingHighSurrogate != nil {
            throw failure("an unpaired UTF-16 high surrogate at the end of the input", offset: pendingHighOffset)
        }
        if !carry.isEmpty {
            throw failure("the input ends in the middle of a UTF-16 code unit (an odd number of bytes)", offset: inputOffset - 1)
        }
    }

    private func failure(_ message: String, offset: Int) -> ReadIssue {
        ReadIssue(kind: .invalidEncoding, file: name, line: line, column: column,
                  message: "\(message), at byte offset \(offset) of the \(encoding.rawValue) input")
    }

    /// Appends a scalar as UTF-8, keeping the line and column of the output up to date.
    @inline(__always)
    private func appendScalar(_ scalar: UInt32) {
        if scalar < 0x80 {
            output.append(UInt8(scalar))
            if scalar == 0x0A {
                if output.count < 2 || output[output.count - 2] != 0x0D { line += 1 }
                column = 1
            } else if scalar == 0x0D {
                line += 1
                column = 1
            } else {
                column += 1
            }
        } else if scalar < 0x800 {
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
            column += 2
        } else if scalar < 0x10000 {
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
            column += 3
        } else {
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
            column += 4
        }
    }
}
