import Foundation
import TallyKit

/// `tally report --html FILE`: the steward report, one self-contained HTML page.
struct ReportCommand: Command {
    static let spec = CommandSpec(
        name: "report",
        abstract: "Write the steward report: one self-contained HTML page of what happened and what needs a person.",
        discussion: """
            The page shows the store's status and the counts that need a person (outstanding rejected rows, conflicts, dangling references, \
            resolution-code violations); runs over time; rejects by rule and conflicts by field with examples; CMDB health \
            per CI class against targets; the service picture (incident backlog, time to resolve, cases by resolution code, \
            changes that caused incidents or cases); SLA breaches by priority and per week, and the case chains still open; \
            and the commands to run next. Its numbers come from the extract \
            catalogue's reports. It carries its CSS and SVG charts inline and fetches nothing. The file is written \
            atomically; the same store gives the same page apart from its generated-at time. --run and --job narrow the \
            run-based sections (runs, rejects, conflicts, next steps): --run to one run, --job to the job's runs of the --days before \
            its newest run, those of its newest job run marked new.
            """,
        options: [
            OptionSpec(name: "html", valueName: "FILE", help: "The HTML file to write (required)."),
            OptionSpec(name: "days", valueName: "N", help: "Runs over time covers the N days (1 to 366) before the newest run (default: 30)."),
            OptionSpec(name: "run", valueName: "N", help: "Only this run in the run-based sections."),
            OptionSpec(name: "job", valueName: "NAME", help: "Only job NAME's runs in the run-based sections (those of its newest job run marked new)."),
            .staleDays,
            .database,
            .flag("json", help: "Print what was written as one JSON object on stdout (file, bytes, status, counts)."),
        ]
    )

    var out: String
    var options: StewardReportOptions
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        func fail(_ message: String) -> UsageError { UsageError(message: message, command: Self.spec.name) }
        guard let out = arguments.value("html") else { throw fail("missing --html FILE") }
        guard !out.isEmpty, out != "-" else { throw fail("'--html' needs a file path") }
        self.out = out
        let days = try arguments.integer("days", command: Self.spec.name) ?? 30
        guard (1...366).contains(days) else { throw fail("'--days' must be from 1 to 366; got \(days)") }
        let stale = try arguments.staleDays(command: Self.spec.name)
        var scope = StewardReportOptions.Scope.all
        let run = try arguments.integer("run", command: Self.spec.name)
        let job = arguments.value("job")
        switch (run, job) {
        case (.some, .some): throw fail("give --run or --job, not both")
        case (.some(let run), nil): scope = .run(Int64(run))
        case (nil, .some(let job)):
            guard !job.isEmpty else { throw fail("'--job' needs a name") }
            scope = .job(job)
        case (nil, nil): break
        }
        options = StewardReportOptions(days: days, scope: scope, staleDays: stale.staleDays, staleDaysByClass: stale.staleDaysByClass)
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        if case .run(let run) = options.scope { try database.requireRun(run) }
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure.noInput("no folder \(folder) to write \(out) into")
        }
        do {
            let summary = try StewardReport(database: database, options: options).write(to: out)
            if json {
                console.line(summary.json)
            }
            console.error("wrote \(out): \(summary.bytes) bytes; status \(summary.status); \(summary.rejects) outstanding rejects, "
                + "\(summary.conflicts) conflicts, \(summary.danglingReferences) dangling references, "
                + "\(summary.resolutionViolations) resolution-code violations")
            return .success
        } catch let error as StewardReportError {
            // The scope names a run, job or job run the store does not hold: a usage error, as "no such run" is everywhere.
            throw CommandFailure(exitCode: .usage, message: error.message)
        }
    }
}
