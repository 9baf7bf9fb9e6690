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

    public var layout: Layout? { walker.layout }
    public let maxDepth: Int
    public let maxStringBytes: Int

    /// The parser's state lives in a struct, so each `next()` is one exclusive access to it
    /// rather than one runtime exclusivity check per property touched.
    private var walker: JSONLayoutWalker

    /// - Parameters:
    ///   - maxDepth: deepest nesting of arrays and objects accepted, counting the record's own
    ///     containers.
    ///   - maxStringBytes: longest string, number or nested field value accepted, in bytes.
    public init(source: any ByteSource, maxDepth: Int = 512, maxStringBytes: Int = 16 * 1024 * 1024) {
        self.maxDepth = max(2, maxDepth)
        self.maxStringBytes = max(16, maxStringBytes)
        walker = JSONLayoutWalker(source: source, maxDepth: self.maxDepth, maxStringBytes: self.maxStringBytes)
    }

    deinit { walker.deallocate() }

    public func next() throws(ReadIssue) -> ReadEvent? {
        try walker.next()
    }
}
