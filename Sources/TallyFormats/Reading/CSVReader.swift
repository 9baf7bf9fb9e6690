/// A streaming RFC 4180 reader: records from CSV bytes, with issues a data steward can act on.
///
/// Accepts quoted fields with `""` escapes, delimiters and line breaks inside quotes, CRLF, LF or
/// lone-CR line ends (mixed too), and a UTF-8 byte-order mark (skipped). Blank lines are ignored
/// wherever they are. Values are never trimmed or typed; an empty field is `""`.
///
/// Positions: lines count physical lines from 1 (CRLF, LF and a lone CR each end one); columns
/// count bytes from 1 on their line, not counting a byte-order mark. Records count data records
/// from 1 (the header is not one; blank lines are not either).
///
/// Row-level defects come back as `.issue` events that cost their one record, and reading
/// carries on with the next record: too many or too few fields, a stray quote in an unquoted
/// field or text after a closing quote, a NUL byte, invalid UTF-8 (the position of the bad byte),
/// a field longer than ``CSVOptions/maxFieldBytes`` (skipped without being buffered). Each names
/// the line and column of the defect, the record, and the record's raw text (the first 64 KiB).
///
/// Header decisions, made for a data steward: a duplicate or empty column name is reported once
/// (a `.duplicateHeader` / `.emptyHeader` issue with no record, at the name's position) and
/// reading carries on, with the names exactly as the file has them. The reader does not know
/// which columns matter: a duplicated column that nothing maps costs nothing, while the mapping
/// stage must refuse to map a name that occurs twice (``RawRecord``'s subscript returns the
/// first). A header that cannot be read at all (a stray quote, NUL, invalid UTF-8) is fatal.
///
/// Fatal (thrown, the last event): an unterminated quote at the end of the input (the issue names
/// the line and column where the quote opened), a defective header, and read errors.
public final class CSVReader: RecordReader {
    public let options: CSVOptions
    /// The column names: the header's, or `column_1`… without one; `nil` until the first call.
    public private(set) var names: [String]?

    private let source: any ByteSource
    private var parser: CSVParser
    private var pending: [ReadEvent] = []
    private var started = false
    private var finished = false

    /// Reads `source` with `options`. `bufferSize` is the chunk size (64 KiB minimum is sensible;
    /// smaller only for tests).
    public init(source: any ByteSource, options: CSVOptions = CSVOptions(), bufferSize: Int = 256 << 10) {
        self.source = source
        self.options = options
        parser = CSVParser(fileName: source.name, options: options, bufferSize: bufferSize)
        parser.countsRecords = !options.hasHeader
    }

    deinit { parser.deallocate() }

    public func next() throws(ReadIssue) -> ReadEvent? {
        if !pending.isEmpty { return pending.removeFirst() }
        if finished { return nil }
        do {
            if !started {
                started = true
                if options.hasHeader {
                    try readHeader()
                    if !pending.isEmpty { return pending.removeFirst() }
                    if finished { return nil }
                }
            }
            switch try parser.next(from: source) {
            case .end:
                finished = true
                return nil
            case .issue(var issue):
                // Name the column when the header gave it one: "field 3 (short_description) is …".
                if let index = issue.fieldIndex, let names, index < names.count, !names[index].isEmpty {
                    issue.field = names[index]
                    let prefix = "field \(index + 1) "
                    if issue.message.hasPrefix(prefix) {
                        issue.message = prefix + "(\(names[index])) " + issue.message.dropFirst(prefix.count)
                    }
                }
                return .issue(issue)
            case .record(let values, let line, let number):
                if names == nil { setNames(count: values.count) }
                return .record(RawRecord(
                    names: names!, packed: values,
                    provenance: Provenance(file: source.name, record: number, line: line)))
            }
        } catch {
            finished = true
            throw error
        }
    }

    private func setNames(count: Int) {
        names = (0..<count).map { "column_\($0 + 1)" }
        parser.expectedFields = count
    }

    private func readHeader() throws(ReadIssue) {
        parser.recordsFieldPositions = true
        defer {
            parser.recordsFieldPositions = false
            parser.countsRecords = true
        }
        switch try parser.next(from: source) {
        case .end:
            finished = true
        case .issue(var issue):
            issue.message = "the header cannot be read: " + issue.message
            throw issue
        case .record(let values, _, _):
            let header = (0..<values.count).map { values.string(at: $0) }
            names = header
            parser.expectedFields = header.count
            let headerText = header.joined(separator: String(UnicodeScalar(options.delimiter.byte)))
            var seen: [String: Int] = [:]
            for (index, name) in header.enumerated() {
                let position = parser.fieldPositions[index]
                if name.isEmpty {
                    pending.append(.issue(ReadIssue(
                        kind: .emptyHeader, file: source.name, line: position.line, column: position.column,
                        message: "column \(index + 1) has no name in the header", rawText: headerText)))
                } else if let first = seen[name] {
                    pending.append(.issue(ReadIssue(
                        kind: .duplicateHeader, file: source.name, line: position.line, column: position.column,
                        message: "column \(index + 1) is named \"\(name)\" like column \(first + 1); a mapping of \"\(name)\" would be ambiguous",
                        rawText: headerText)))
                } else {
                    seen[name] = index
                }
            }
        }
    }
}
