import TallyFormats

/// How to read an export, as named on the command line (`--format`, `--delimiter`, `--encoding`);
/// nil (or `auto`) leaves each to detection.
package struct ReadChoices: Sendable {
    var format: InputFormat?
    var delimiter: CSVOptions.Delimiter?
    var encoding: TranscodingByteSource.Encoding?

    /// Nil when `delimiter` is not one of `,` `;` `|` `tab`; an unknown format or encoding name is
    /// left to detection (the command line's choices refuse them first).
    package init?(format: String?, delimiter: String? = nil, encoding: String? = nil) {
        self.format = Self.format(named: format)
        if let delimiter {
            switch delimiter {
            case ",": self.delimiter = .comma
            case ";": self.delimiter = .semicolon
            case "|": self.delimiter = .pipe
            case "tab", "\t", "\\t": self.delimiter = .tab
            default: return nil
            }
        }
        self.encoding = encoding.flatMap(TranscodingByteSource.Encoding.init(label:))
    }

    /// The input format named `name`; nil for `auto`, nil or an unknown name.
    package static func format(named name: String?) -> InputFormat? {
        name.flatMap { $0 == "auto" ? nil : InputFormat(rawValue: $0) }
    }
}

/// An export that cannot be opened: missing, unreadable, or of no format Tally reads.
package struct InputUnreadable: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var cause: ReadIssue
    package var description: String { message }
}

/// `tally parse`'s work: an export's records as NDJSON, values exactly as in the file; each
/// malformed record is counted and told to `issue` (after the records before it are written).
package struct RecordDump {
    package var records = 0
    package var issues = 0
    /// The format the export was read as (`csv`, `json`, …).
    package var format = ""

    package init() {}

    package mutating func run(path: String, choices: ReadChoices, provenance: Bool, countOnly: Bool,
                              to output: CommandOutput, issue: (String) -> Void) throws {
        let opened: OpenedInput
        do throws(ReadIssue) {
            opened = try InputOpener.open(path: path, format: choices.format, encoding: choices.encoding,
                                          delimiter: choices.delimiter, hashing: false)
        } catch {
            throw InputUnreadable(message: error.message, cause: error)
        }
        format = opened.format.rawValue
        let writer = NDJSONWriter(sink: output.sink)
        var fields: [(String, String?)] = []
        do {
            while let event = try opened.reader.next() {
                switch event {
                case .record(let record):
                    records += 1
                    if countOnly { continue }
                    fields.removeAll(keepingCapacity: true)
                    fields.append(contentsOf: record.fields.map { ($0.0, $0.1) })
                    if provenance {
                        fields.append(("_file", record.provenance.file))
                        fields.append(("_record", String(record.provenance.record)))
                        fields.append(("_line", String(record.provenance.line)))
                    }
                    try writer.write(fields)
                case .issue(let found):
                    issues += 1
                    try writer.flush()
                    issue(found.description)
                }
            }
        } catch let found as ReadIssue {
            issues += 1
            try? writer.flush()
            issue(found.description)
        }
        try writer.flush()
    }
}
