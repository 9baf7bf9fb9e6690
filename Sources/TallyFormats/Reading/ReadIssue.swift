/// A problem found while reading an export, with the position a person needs to fix it.
///
/// Readers return most issues as `ReadEvent.issue` and carry on with the next record; they
/// throw one only when the rest of the input cannot be read (then it is the last event).
public struct ReadIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable identifier (used as a reject's rule id).
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case duplicateHeader = "duplicate_header"
        case emptyHeader = "empty_header"
        case tooManyFields = "too_many_fields"
        case tooFewFields = "too_few_fields"
        case unterminatedQuote = "unterminated_quote"
        case strayQuote = "stray_quote"
        case nulByte = "nul_byte"
        case invalidEncoding = "invalid_encoding"
        case fieldTooLarge = "field_too_large"
        case malformedJSON = "malformed_json"
        case malformedXML = "malformed_xml"
        case unexpectedShape = "unexpected_shape"
        case unreadable = "unreadable"
    }

    public var kind: Kind
    public var file: String
    /// 1-based physical line of the problem.
    public var line: Int
    /// 1-based column (in bytes) of the problem on that line.
    public var column: Int
    /// 1-based number of the record it cost, when it cost one.
    public var record: Int?
    /// A sentence a person can act on, without the file position (``description`` adds it).
    public var message: String
    /// The record's text as read (lossily decoded), so a steward can see and fix it.
    public var rawText: String?
    /// The column the problem is in, when a reader knows it (a field too large: its header name).
    public var field: String?
    /// The 0-based position of that column in the record, set by the parser.
    var fieldIndex: Int?

    public init(
        kind: Kind, file: String, line: Int, column: Int, record: Int? = nil,
        message: String, rawText: String? = nil
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.record = record
        self.message = message
        self.rawText = rawText
    }

    /// `FILE:LINE:COLUMN: message`, the form compilers use and editors understand.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// What a reader yields: a record, or a problem that cost one record (or none).
public enum ReadEvent: Sendable, Equatable {
    case record(RawRecord)
    case issue(ReadIssue)
}

extension ReadEvent {
    /// The record, when the event is one.
    public var record: RawRecord? { if case .record(let record) = self { record } else { nil } }
    /// The issue, when the event is one.
    public var issue: ReadIssue? { if case .issue(let issue) = self { issue } else { nil } }
}
