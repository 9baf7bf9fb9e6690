import TallyKit

/// `tally rerun`: re-maps, re-validates and re-reconciles a run's inputs with today's maps and rules.
struct RerunCommand: Command {
    static let spec = CommandSpec(
        name: "rerun",
        abstract: "Re-do a run's import with today's maps, rules and precedence, as a new run whose parent is RUN.",
        discussion: "The run's inputs are read from the copies it kept (checked by SHA-256); a run whose inputs were pruned cannot be rerun. Rows RUN rejected that this run accepts are counted as recovered. --dry-run prints what would change, record by record.",
        arguments: [ArgumentSpec(name: "run", help: "The run to re-do (see 'tally runs').")],
        options: [
            OptionSpec(name: "map", valueName: "FILE", help: "A transform map to use instead of the run's own."),
            OptionSpec(name: "precedence", valueName: "FILE", help: "A precedence file to use instead of the run's own."),
            .database, .wait, .dryRun, .json,
        ]
    )

    var run: Int64
    var mapPath: String?
    var precedencePath: String?
    var dryRun: Bool
    var json: Bool
    var store: StoreWriter

    init(_ arguments: ParsedArguments) throws(UsageError) {
        run = try arguments.runID(command: Self.spec.name)
        mapPath = arguments.value("map")
        precedencePath = arguments.value("precedence")
        dryRun = arguments.has("dry-run")
        json = arguments.has("json")
        store = try StoreWriter(arguments, command: Self.spec.name)
    }

    func run(_ console: Console) throws -> ExitCode {
        let output = ImportOutput(console: console, json: json)
        return try output.guarding {
            try store.write(console) { database in
                try output.report { () throws(ImportFailure) -> ImportResult in
                    let request = try Rerun(database: database).request(for: run, mapPath: mapPath, precedencePath: precedencePath,
                                                                        dryRun: dryRun, command: typedCommandLine)
                    return try Importer(database: database).run(request)
                }
            }
        }
    }
}
