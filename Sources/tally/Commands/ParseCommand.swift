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
    var choices: ReadChoices
    var provenance: Bool
    var countOnly: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        file = arguments.positional("file") ?? "-"
        let delimiter = arguments.value("delimiter")
        guard let choices = ReadChoices(format: arguments.value("format"), delimiter: delimiter, encoding: arguments.value("encoding")) else {
            throw UsageError(message: "'--delimiter' must be one of , ; | tab; got '\(delimiter ?? "")'", command: Self.spec.name)
        }
        self.choices = choices
        provenance = arguments.has("provenance")
        countOnly = arguments.has("count")
    }

    func run(_ console: Console) throws -> ExitCode {
        let output = CommandOutput()
        var dump = RecordDump()
        do {
            try dump.run(path: file, choices: choices, provenance: provenance, countOnly: countOnly, to: output) { console.error($0) }
        } catch let error as InputUnreadable {
            throw CommandFailure.noInput("\(file): \(error.message)")
        }
        if countOnly {
            console.line(#"{"records": \#(dump.records), "issues": \#(dump.issues), "format": "\#(dump.format)"}"#)
        }
        if dump.issues > 0 {
            console.error("\(file): \(dump.records) records read, \(dump.issues) malformed (see above)")
            return .dataIssues
        }
        return .success
    }
}
