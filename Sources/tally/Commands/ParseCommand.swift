import TallyKit

/// `tally parse`: reads an export and prints its records as NDJSON, exactly as the file holds them.
struct ParseCommand: Command {
    static let spec = CommandSpec(
        name: "parse",
        abstract: "Print an export's records as NDJSON, one per line, values exactly as in the file.",
        discussion: "Reads CSV, TSV, JSON (Table API, JSONv2, bare array), NDJSON or an XML unload, detected from the content. '-' reads standard input. Malformed records are reported on stderr as FILE:LINE:COLUMN: message and the command exits 65; the good records are still printed.",
        arguments: [ArgumentSpec(name: "file", help: "The export to read, or - for standard input.")],
        options: [
            OptionSpec(name: "format", valueName: "FORMAT", help: "The input format (default: auto, detected from the content).",
                       choices: ["auto", "csv", "tsv", "json", "ndjson", "xml"]),
            OptionSpec(name: "delimiter", valueName: "C", help: "The CSV delimiter: , ; | or tab (default: detected from the header)."),
            OptionSpec(name: "encoding", valueName: "NAME", help: "The input's encoding (default: utf-8; UTF-16 is detected by its BOM).",
                       choices: ["utf-8", "utf-16", "utf-16le", "utf-16be", "latin-1", "windows-1252"]),
            .flag("provenance", help: "Add \"_file\", \"_record\" and \"_line\" to each record."),
            .flag("count", help: "Print only the number of records and issues, not the records."),
        ]
    )

    var file: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        file = arguments.positional("file") ?? "-"
    }

    func run(_ console: Console) throws -> ExitCode {
        throw CommandFailure.failed("parse is not wired yet")
    }
}
