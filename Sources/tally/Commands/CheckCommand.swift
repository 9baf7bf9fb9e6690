import Foundation
import TallyKit

/// `tally check`: does the store hold? Exit 0 if it does, 65 listing what is wrong if not.
struct CheckCommand: Command {
    static let spec = CommandSpec(
        name: "check",
        abstract: "Check the store's integrity: SQLite, run counts, the audit trail, pending references, abandoned runs.",
        discussion: """
            Checks, in order: PRAGMA integrity_check and foreign_key_check; the run ledger (a run left running by a \
            process that no longer exists is marked abandoned — the one write this command makes, in a transaction of \
            its own — and a run that did not commit must own no data); conservation (read = inserted + updated + \
            unchanged + skipped_stale + rejected for every run and every input, and a run's counts are the sum of its \
            inputs'); the audit trail (for up to --sample records per entity, chosen evenly by store key, replaying the \
            record's audit rows in order must give its stored values; records whose audit was pruned are skipped); \
            pending references (counted; one whose record is gone is an error, one whose target now exists a warning). \
            Exit 0: the store holds (warnings may be listed); 65: it does not, and each problem is listed.
            """,
        options: [
            OptionSpec(name: "sample", valueName: "N", help: "Records per entity whose audit trail is replayed (default 1000)."),
            .flag("no-repair", help: "Do not mark dead runs abandoned; only report them."),
            .database, .json,
        ]
    )

    var databasePath: String
    var json: Bool
    var sample: Int
    var repair: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        sample = try arguments.integer("sample", command: Self.spec.name) ?? 1_000
        guard sample >= 0 else { throw UsageError(message: "'--sample' must be 0 or more; got \(sample)", command: Self.spec.name) }
        databasePath = arguments.databasePath
        json = arguments.has("json")
        repair = !arguments.has("no-repair")
    }

    func run(_ console: Console) throws -> ExitCode {
        let report: StoreCheckReport
        do {
            let database = try TallyDatabase.open(path: databasePath, access: repair ? .write : .read)
            report = try StoreCheck(database: database, sampleSize: sample).run(repair: repair)
        } catch {
            switch StoreFailure.from(error) {
            case let failure? where [.missing, .notATallyStore, .newerSchema].contains(failure.code):
                throw CommandFailure(failure)
            case let failure? where failure.code == .corrupt:
                report = .unreadable(store: databasePath, reason: "\(failure)")
            case let failure? where failure.code == .readOnly && repair:
                throw CommandFailure.failed("\(failure.message); 'tally check --no-repair' checks it without writing")
            default:
                throw CommandFailure.failed("cannot open the store at \(databasePath): \(ErrorText.describe(error))")
            }
        }
        if json {
            console.line(report.json)
        } else {
            for line in report.lines { console.line(line) }
        }
        let errors = report.problems.filter { $0.severity == .error }.count
        if report.holds {
            console.error("tally check: \(databasePath) holds" + (report.problems.isEmpty ? "" : " (\(report.problems.count) warning(s))"))
            return .success
        }
        console.error("tally check: \(databasePath) does not hold: \(errors) problem(s)")
        return .dataIssues
    }
}
