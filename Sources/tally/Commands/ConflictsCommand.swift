import TallyKit

/// `tally conflicts`: writes a rule refused, with both sides.
struct ConflictsCommand: Command {
    static let spec = CommandSpec(
        name: "conflicts",
        abstract: "List conflicts: writes refused by precedence or the case rules, and same-version ties.",
        options: [
            OptionSpec(name: "run", valueName: "N", help: "Only this run's conflicts (default: every run)."),
            OptionSpec(name: "format", valueName: "FORMAT", help: "Output format (default: ndjson).", choices: ["csv", "ndjson"]),
            .database, .json,
        ]
    )

    static let columns = [ReportColumn("run", .integer)]
        + ["entity", "key", "field", "stored", "stored_source", "incoming", "source", "rule", "message"].map { ReportColumn($0) }

    var run: Int64?
    var format: ExtractFormat
    var databasePath: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        run = try arguments.integer("run", command: Self.spec.name).map(Int64.init)
        format = try arguments.listFormat(command: Self.spec.name)
        databasePath = arguments.databasePath
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        if let run { try database.requireRun(run) }
        let conflicts = try ConflictLog.list(run: run, in: database)
        console.flush()
        let writer = try CommandOutput().table(columns: Self.columns, format: format)
        for c in conflicts {
            try writer.write([String(c.run), c.entity, c.key, c.field, c.stored, c.storedSource, c.incoming, c.source, c.rule, c.message])
        }
        try writer.flush()
        return .success
    }
}
