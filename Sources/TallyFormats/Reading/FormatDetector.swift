/// Tells an export's format from its first bytes, never from its file name.
///
/// The rules, applied after a UTF-8 byte order mark and whitespace (a UTF-16 byte order mark is
/// looked through):
/// - `<` is XML; `[` is JSON;
/// - `{` is JSON when a top-level key `result` or `records` holds an array or object (a Table API
///   or JSONv2 container), or when the input is that one object and nothing else (a single
///   record); it is NDJSON when another `{` follows the first object, and JSON otherwise
///   (including a first object larger than the sample: no NDJSON line is that long in practice);
/// - anything else is delimited text: TSV when the first line (outside quotes) holds more tabs
///   than commas, else CSV. An empty input is CSV (it has no records either way).
///
/// JSON and NDJSON are both read by ``JSONRecordReader``, which tells them apart itself; the
/// distinction here is for messages and run records.
public enum FormatDetector {
    /// How many bytes detection looks at.
    public static let sampleSize = 64 * 1024

    /// Detects the format of `source` from its first bytes, which stay unread.
    public static func detect(_ source: PeekableByteSource, sampleSize: Int = sampleSize) throws(ReadIssue) -> InputFormat {
        let sample = try source.peek(sampleSize)
        return detect(sample: sample, isComplete: sample.count < sampleSize)
    }

    /// Detects the format of an input that starts with `sample`; `isComplete` when it is all of it.
    public static func detect(sample: [UInt8], isComplete: Bool) -> InputFormat {
        var bytes = sample[...]
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let littleEndian = bytes.first == 0xFF
            let units = bytes.dropFirst(2)
            var narrowed: [UInt8] = []
            narrowed.reserveCapacity(units.count / 2)
            var index = units.startIndex
            while index + 1 < units.endIndex {
                let (low, high) = littleEndian ? (units[index], units[index + 1]) : (units[index + 1], units[index])
                narrowed.append(high == 0 && low < 0x80 ? low : UInt8(ascii: "?"))
                index += 2
            }
            bytes = narrowed[...]
        } else if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes = bytes.dropFirst(3)
        }
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }) else { return .csv }
        switch bytes[first] {
        case UInt8(ascii: "<"): return .xml
        case UInt8(ascii: "["): return .json
        case UInt8(ascii: "{"): return objectFormat(bytes[first...], isComplete: isComplete)
        default: return delimitedFormat(bytes[first...])
        }
    }

    private static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    /// JSON or NDJSON, for input starting with `{`: follows the first object's structure.
    private static func objectFormat(_ bytes: ArraySlice<UInt8>, isComplete: Bool) -> InputFormat {
        var depth = 0
        var inString = false
        var escaped = false
        var stringStart = bytes.startIndex
        var lastString: ArraySlice<UInt8>? = nil  // the last string closed at depth 1
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let b = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 { lastString = bytes[(stringStart + 1)..<index] }
                }
                index += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                stringStart = index
            case UInt8(ascii: ":"):
                if depth == 1, let key = lastString,
                   key.elementsEqual("result".utf8) || key.elementsEqual("records".utf8),
                   let value = bytes[(index + 1)...].first(where: { !isWhitespace($0) }),
                   value == UInt8(ascii: "[") || value == UInt8(ascii: "{") {
                    return .json
                }
                lastString = nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    let rest = bytes[(index + 1)...]
                    guard let next = rest.firstIndex(where: { !isWhitespace($0) }) else {
                        return isComplete ? .json : .ndjson
                    }
                    return rest[next] == UInt8(ascii: "{") ? .ndjson : .json
                }
            default:
                break
            }
            index += 1
        }
        return .json
    }

    /// CSV or TSV, from the first line's separators outside quotes.
    private static func delimitedFormat(_ bytes: ArraySlice<UInt8>) -> InputFormat {
        var tabs = 0, commas = 0
        var quoted = false
        for b in bytes {
            if b == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted {
                if b == 0x0A || b == 0x0D { break }
                if b == 0x09 { tabs += 1 } else if b == UInt8(ascii: ",") { commas += 1 }
            }
        }
        return tabs > commas ? .tsv : .csv
    }
}
