import TallyKit

/// `tally runs`: the run ledger, newest first.
struct RunsCommand: Command {
    static let spec = CommandSpec(
        name: "runs",
        abstract: "List runs, newest first: id, time, kind, entity, source, status, counts and parent run.",
        options: [
            OptionSpec(name: "limit", short: "n", valueName: "N", help: "Show at most N runs (default 20)."),
            OptionSpec(name: "status", valueName: "STATUS", help: "Only runs with this status.",
                       choices: RunStatus.allCases.filter { $0 != .dryRun }.map(\.rawValue)),
            OptionSpec(name: "job", valueName: "NAME", help: "Only the runs of this job."),
            .database, .json,
        ]
    )

    var limit: Int
    var status: RunStatus?
    var job: String?
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        limit = try arguments.integer("limit", command: Self.spec.name) ?? 20
        guard limit > 0 else { throw UsageError(message: "'--limit' must be at least 1", command: Self.spec.name) }
        status = arguments.value("status").flatMap(RunStatus.init(rawValue:))
        job = arguments.value("job")
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        let runs = try RunLedger(database).runs(status: status, job: job, limit: limit)
        if json {
            for run in runs { console.line(run.json) }
            return .success
        }
        if runs.isEmpty {
            console.line("No runs yet.")
            return .success
        }
        console.line(RunTable.header)
        for run in runs { console.line(RunTable.row(run)) }
        return .success
    }
}

/// The one-line-per-run table shared by `runs` and `show`.
enum RunTable {
    static let header = pad(["RUN", "STARTED", "KIND", "ENTITY", "SOURCE", "STATUS", "READ", "INS", "UPD", "SAME", "STALE", "REJ", "CONFL", "PARENT"])

    static func row(_ run: RunRecord) -> String {
        let c = run.counts
        return pad([String(run.id), run.startedAt, run.kind.rawValue, run.entity ?? "-", run.source ?? "-", run.status.rawValue,
                    String(c.read), String(c.inserted), String(c.updated), String(c.unchanged), String(c.skippedStale),
                    String(c.rejected), String(c.conflicts), run.parentRun.map(String.init) ?? "-"])
    }

    static let widths = [5, 21, 9, 16, 12, 12, 8, 7, 7, 7, 7, 6, 6, 6]

    static func pad(_ cells: [String]) -> String {
        zip(cells, widths).map { cell, width in cell.count >= width ? cell + " " : cell + String(repeating: " ", count: width - cell.count) }
            .joined().trimmingTrailingSpaces()
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
