/// How ``CSVReader`` splits an export into records and fields.
public struct CSVOptions: Sendable, Equatable {
    /// The field separator. Only these four occur in real exports; anything else is a mistake.
    public enum Delimiter: UInt8, Sendable, CaseIterable {
        case comma = 0x2C
        case semicolon = 0x3B
        case tab = 0x09
        case pipe = 0x7C

        /// The delimiter as one UTF-8 byte.
        public var byte: UInt8 { rawValue }
    }

    /// The field separator (default `,`).
    public var delimiter: Delimiter
    /// The largest field, in bytes after unescaping, that is kept; a longer one costs its record
    /// (a `.fieldTooLarge` issue) and is skipped without being buffered. Default 16 MiB.
    public var maxFieldBytes: Int
    /// Whether the first record names the columns (default `true`). Without a header the columns
    /// are named `column_1`, `column_2`, … and the first record fixes how many there are.
    public var hasHeader: Bool
    /// Accept a bare `"` inside an unquoted field, and text after a closing quote, as literal text
    /// instead of a `.strayQuote` issue (default `false`: strict RFC 4180).
    public var lenientQuotes: Bool

    public init(
        delimiter: Delimiter = .comma, maxFieldBytes: Int = 16 << 20, hasHeader: Bool = true,
        lenientQuotes: Bool = false
    ) {
        precondition(maxFieldBytes >= 0, "maxFieldBytes cannot be negative")
        self.delimiter = delimiter
        self.maxFieldBytes = maxFieldBytes
        self.hasHeader = hasHeader
        self.lenientQuotes = lenientQuotes
    }

    /// Picks the delimiter from the first line of an input (its first bytes): the candidate occurring most often outside quotes, preferring `,` `;` tab `|`
    /// in that order on a tie, and `,` when none occurs (a one-column file).
    public static func sniffDelimiter(prefix: some Collection<UInt8>) -> Delimiter {
        var counts = [Int](repeating: 0, count: Delimiter.allCases.count)
        var inQuotes = false
        for byte in prefix {
            if byte == 0x22 { inQuotes.toggle(); continue }
            if inQuotes { continue }
            if byte == 0x0A || byte == 0x0D { break }
            if let position = Delimiter.allCases.firstIndex(where: { $0.byte == byte }) {
                counts[position] += 1
            }
        }
        var best = Delimiter.comma
        var bestCount = 0
        for (position, delimiter) in Delimiter.allCases.enumerated() where counts[position] > bestCount {
            best = delimiter
            bestCount = counts[position]
        }
        return best
    }
}
