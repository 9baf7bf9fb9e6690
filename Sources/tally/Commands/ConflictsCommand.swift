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
        var condition = "1"
        var values: [SQLValue] = []
        if let run { condition = "run = ?"; values.append(.integer(run)) }
        console.flush()
        let sink = FileOutputSink(descriptor: 1, name: "stdout")
        let writer = try TableWriter(columns: Self.columns, format: format, sink: sink)
        let rows = try database.connection.rows(
            "SELECT \(Self.columns.map(\.name).joined(separator: ", ")) FROM conflicts WHERE \(condition) ORDER BY id", values)
        for row in rows { try writer.write(row.map(\.text)) }
        try writer.flush()
        return .success
    }
}
