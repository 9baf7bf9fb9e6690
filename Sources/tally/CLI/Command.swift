import TallyKit

/// A `tally` subcommand: its interface as data, validation before work, then the work.
protocol Command: SendableMetatype {
    static var spec: CommandSpec { get }
    /// Checks the arguments (values, combinations) before any work starts.
    init(_ arguments: ParsedArguments) throws(UsageError)
    /// Does the work; returns the exit code. Throws ``CommandFailure`` to stop with a message.
    func run(_ console: Console) throws -> ExitCode
}

/// A failure that ends a command with a message and a specific exit code.
struct CommandFailure: Error, CustomStringConvertible {
    var exitCode: ExitCode
    var message: String
    var description: String { message }

    static func noInput(_ message: String) -> CommandFailure { CommandFailure(exitCode: .noInput, message: message) }
    static func failed(_ message: String) -> CommandFailure { CommandFailure(exitCode: .failure, message: message) }
    /// Another process is writing to the store (SQLite's lock, held past the busy timeout).
    static func locked(_ message: String) -> CommandFailure {
        CommandFailure(exitCode: .locked, message: "another process is writing to the store; nothing was written, try again when it finishes (\(message))")
    }
    /// A run id the store does not hold: the same usage error (64) for every command.
    static func noSuchRun(_ run: Int64, in path: String) -> CommandFailure {
        CommandFailure(exitCode: .usage, message: "there is no run \(run) in \(path); see 'tally runs'")
    }
}

extension CommandFailure {
    /// A store that cannot be used: missing (66), not a store this build can use (64), held by
    /// another writer (75), or failed (1).
    init(_ failure: StoreFailure) {
        switch failure.code {
        case .missing: self.init(exitCode: .noInput, message: failure.message)
        case .notATallyStore, .newerSchema: self.init(exitCode: .usage, message: failure.message)
        case .busy: self = .locked(failure.description)
        case .corrupt, .readOnly, .failed: self.init(exitCode: .failure, message: failure.description)
        }
    }
}

extension TallyDatabase {
    /// Throws ``CommandFailure/noSuchRun(_:in:)`` unless the store holds `run`.
    func requireRun(_ run: Int64) throws {
        if try RunLedger(self).run(run) == nil { throw CommandFailure.noSuchRun(run, in: path) }
    }
}

/// Every subcommand, in the order help lists them.
let allCommands: [any Command.Type] = [
    InitCommand.self,
    ParseCommand.self,
    ImportCommand.self,
    RunCommand.self,
    RejectsCommand.self,
    ConflictsCommand.self,
    HistoryCommand.self,
    ExplainCommand.self,
    SettingsCommand.self,
    ExtractCommand.self,
    RunsCommand.self,
    ShowCommand.self,
    RerunCommand.self,
    RollbackCommand.self,
    DedupeCommand.self,
    PruneCommand.self,
    ReportCommand.self,
    CheckCommand.self,
]

/// The command line as typed (`tally rerun 42 --map m.json`), for the run ledger and the lock file.
let typedCommandLine = (["tally"] + CommandLine.arguments.dropFirst()).joined(separator: " ")

extension ParsedArguments {
    /// The registry's entity called `name`, else a usage error listing the known ones.
    func entity(named name: String, command: String) throws(UsageError) -> EntityDefinition {
        guard let entity = EntityRegistry.standard.entity(named: name) else {
            throw UsageError(message: "unknown entity '\(name)'; known entities: \(EntityRegistry.standard.names.joined(separator: ", "))", command: command)
        }
        return entity
    }

    /// The `run` positional as a run id.
    func runID(command: String) throws(UsageError) -> Int64 {
        guard let text = positional("run"), let run = Int64(text) else {
            throw UsageError(message: "the run must be a number (see 'tally runs')", command: command)
        }
        return run
    }

    /// `--stale-days N[,CLASS=N…]`: the report parameters it gives, 60 days when not given.
    func staleDays(command: String) throws(UsageError) -> ReportParameters {
        let (parameters, problem) = ReportParameters.staleDays(value("stale-days") ?? "60")
        guard let parameters else { throw UsageError(message: problem ?? "'--stale-days' is not valid", command: command) }
        return parameters
    }

    /// The format of a command that lists rows (`rejects`, `conflicts`): `--format`, where `--json`
    /// means NDJSON and refuses `--format csv`.
    func listFormat(command: String) throws(UsageError) -> ExtractFormat {
        let format = value("format").flatMap(ExtractFormat.init(rawValue:))
        if has("json"), let format, format != .ndjson {
            throw UsageError(message: "--json prints NDJSON; it cannot go with --format \(format.rawValue)", command: command)
        }
        return format ?? .ndjson
    }

    /// The store path: `--db`, else `$TALLY_DB`, else `./tally.db`.
    var databasePath: String { StoreLocation.path(option: value("db")) }
}

extension RecordHistory {
    /// The one stored record `key` names (sys_id, number or name) for `history` and `explain`:
    /// like "no such run", naming none or several is a usage failure (64).
    func record(of entity: EntityDefinition, key: String, storePath: String) throws -> Int64 {
        let records = try find(entity: entity, key: key)
        guard !records.isEmpty else {
            throw CommandFailure(exitCode: .usage, message: "no \(entity.name) with sys_id, \(entity.displayField ?? "number") or key '\(key)' in \(storePath); see 'tally extract \(entity.name) --out -'")
        }
        guard records.count == 1 else {
            throw CommandFailure(exitCode: .usage, message: "'\(key)' names \(records.count) \(entity.name) records; give a sys_id")
        }
        return records[0]
    }
}
