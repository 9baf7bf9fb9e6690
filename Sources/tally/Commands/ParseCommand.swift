import TallyKit

/// `tally parse`: reads an export and prints its records as NDJSON, exactly as the file holds them.
struct ParseCommand: Command {
    static let spec = CommandSpec(
        name: "parse",
        abstract: "Print an export's records as NDJSON, one per line, values exactly as in the file.",
        discussion: "Reads CSV, TSV, JSON (Table API, JSONv2, bare array), NDJSON or an XML unload, detected from the content. '-' reads standard input. Malformed records are reported on stderr as FILE:LINE:COLUMN: message and the command exits 65; the good records are still printed. A missing or unreadable file exits 66.",
        arguments: [ArgumentSpec(name: "file", help: "The export to read, or - for standard input.")],
        options: [
            OptionSpec(name: "format", valueName: "FORMAT", help: "The input format (default: auto, detected from the content).",
                       choices: ["auto", "csv", "tsv", "json", "ndjson", "xml"]),
            OptionSpec(name: "delimiter", valueName: "C", help: "The CSV delimiter: ',' ';' '|' or 'tab' (default: detected from the header)."),
            OptionSpec(name: "encoding", valueName: "NAME", help: "The input's encoding (default: UTF-8; UTF-16 is detected by its BOM).",
                       choices: ["utf-8", "utf-16", "utf-16le", "utf-16be", "latin-1", "windows-1252"]),
            .flag("provenance", help: "Add \"_file\", \"_record\" and \"_line\" to each record."),
            .flag("count", help: "Print only the numbers of records and issues, not the records."),
            .flag("json", help: "Print JSON (the default already: NDJSON records, or with --count one object)."),
        ]
    )

    var file: String
    var format: InputFormat?
    var delimiter: CSVOptions.Delimiter?
    var encoding: TranscodingByteSource.Encoding?
    var provenance: Bool
    var countOnly: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        file = arguments.positional("file") ?? "-"
        format = arguments.value("format").flatMap { $0 == "auto" ? nil : InputFormat(rawValue: $0) }
        if let text = arguments.value("delimiter") {
            switch text {
            case ",": delimiter = .comma
            case ";": delimiter = .semicolon
            case "|": delimiter = .pipe
            case "tab", "\t", "\\t": delimiter = .tab
            default: throw UsageError(message: "'--delimiter' must be one of , ; | tab; got '\(text)'", command: Self.spec.name)
            }
        }
        encoding = arguments.value("encoding").flatMap(TranscodingByteSource.Encoding.init(label:))
        provenance = arguments.has("provenance")
        countOnly = arguments.has("count")
    }

    func run(_ console: Console) throws -> ExitCode {
        let opened: OpenedInput
        do {
            opened = try InputOpener.open(path: file, format: format, encoding: encoding, delimiter: delimiter, hashing: false)
        } catch {
            throw CommandFailure.noInput("\(file): \(error.message)")
        }
        let sink = FileOutputSink(descriptor: 1, name: "stdout")
        let writer = NDJSONWriter(sink: sink)
        var records = 0, issues = 0
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
                case .issue(let issue):
                    issues += 1
                    try writer.flush()
                    console.error(issue.description)
                }
            }
        } catch let issue as ReadIssue {
            issues += 1
            try? writer.flush()
            console.error(issue.description)
        }
        try writer.flush()
        if countOnly {
            console.line(#"{"records": \#(records), "issues": \#(issues), "format": "\#(opened.format.rawValue)"}"#)
        }
        if issues > 0 {
            console.error("\(file): \(records) records read, \(issues) malformed (see above)")
            return .dataIssues
        }
        return .success
    }
}
