import Foundation
import TallyKit

/// `tally dedupe`: settles duplicate CIs, one decision from the command line or a file of them, as one run.
struct DedupeCommand: Command {
    static let spec = CommandSpec(
        name: "dedupe",
        abstract: "Settle duplicate CIs: merge two into one, or declare them distinct; one run, undone by 'tally rollback'.",
        discussion: "'tally dedupe merge KEEP DROP' retires DROP (install_status 7), points every reference to it (tasks' cmdb_ci, relationships' parent and child) at KEEP, and fills KEEP's empty fields from DROP (with --precedence, a field whose owner rule ranks DROP's source above KEEP's takes DROP's value). 'tally dedupe distinct A B' keeps the pair out of later 'tally extract ci_duplicates'. A CI is named by its sys_id or name. '--file decisions.csv' reads the ci_duplicates extract with its decision column filled: keep_a, keep_b, distinct, or empty (not decided yet); rows it cannot use are listed with their line and the rest go ahead (exit 65). Every change is audited: 'tally history ci KEY' shows it, 'tally rollback RUN' undoes the run (its distinct decisions too). --dry-run prints what would change, record by record.",
        arguments: [
            ArgumentSpec(name: "action", help: "merge or distinct (not with --file).", isOptional: true),
            ArgumentSpec(name: "a", help: "KEEP for merge, or the first CI: a sys_id or name.", isOptional: true),
            ArgumentSpec(name: "b", help: "DROP for merge, or the second CI.", isOptional: true),
        ],
        options: [
            .database, .wait, .dryRun,
            OptionSpec(name: "file", valueName: "FILE", help: "A ci_duplicates extract (CSV) with its decision column filled."),
            OptionSpec(name: "precedence", valueName: "FILE", help: "The precedence file whose owner rules a merge respects."),
            .json,
        ]
    )

    var decision: CIDedupeDecision?
    var file: String?
    var precedencePath: String?
    var dryRun: Bool
    var json: Bool
    var store: StoreWriter

    init(_ arguments: ParsedArguments) throws(UsageError) {
        let command = Self.spec.name
        file = arguments.value("file")
        precedencePath = arguments.value("precedence")
        dryRun = arguments.has("dry-run")
        json = arguments.has("json")
        store = try StoreWriter(arguments, command: command)
        let action = arguments.positional("action")
        if file != nil {
            guard action == nil else { throw UsageError(message: "give either --file or an action with two CIs, not both", command: command) }
            return
        }
        guard let action else { throw UsageError(message: "say what to do: merge KEEP DROP, distinct A B, or --file decisions.csv", command: command) }
        guard let kind = CIDedupeDecision.Action(rawValue: action) else {
            throw UsageError(message: "unknown action '\(action)'; use merge KEEP DROP or distinct A B", command: command)
        }
        guard let a = arguments.positional("a"), let b = arguments.positional("b") else {
            throw UsageError(message: "\(action) takes two CIs (sys_id or name): tally dedupe \(action) \(kind == .merge ? "KEEP DROP" : "A B")", command: command)
        }
        decision = CIDedupeDecision(kind, a, b)
    }

    func run(_ console: Console) throws -> ExitCode {
        var contents = CIDedupeDecisionFile.Contents()
        if let file {
            guard FileManager.default.fileExists(atPath: file) else { throw CommandFailure.noInput("no decisions file at \(file)") }
            do { contents = try CIDedupeDecisionFile.read(path: file) } catch let unusable as CIDedupeDecisionFile.Unusable {
                throw CommandFailure(exitCode: .usage, message: unusable.message)
            }
        } else if let decision {
            contents.decisions = [decision]
        }
        let precedence: PrecedenceRules
        do {
            precedence = try precedencePath.map { try PrecedenceRules.load(path: $0, registry: .standard) } ?? .none
        } catch {
            throw CommandFailure(exitCode: .usage, message: "the precedence file \(precedencePath ?? "") is not valid: \(ErrorText.describe(error))")
        }
        let json = json
        let result: CIDedupe.Result = try store.write(console) { database in
            let dedupe = CIDedupe(database: database, precedence: precedence)
            if let decision {
                // One decision from the command line: a bad one is a usage error and starts no run.
                do { try dedupe.check(decision) } catch let rejection as CIDedupe.Rejection {
                    throw CommandFailure(exitCode: .usage, message: "\(rejection.message) (in \(database.path))")
                }
            }
            return try dedupe.run(contents.decisions, unread: contents.rejections, dryRun: dryRun, command: typedCommandLine) { change in
                console.line(json ? change.json : "  " + change.line)
            }
        }
        for rejection in result.rejections {
            if json {
                console.line(#"{"change": "rejected", "place": \#(rejection.place.map(JSON.quote) ?? "null"), "message": \#(JSON.quote(rejection.message))}"#)
            } else {
                console.error("rejected: \(rejection)")
            }
        }
        let undecided = contents.undecided > 0 ? "; \(contents.undecided) row(s) without a decision left for later" : ""
        if json {
            let counts = RunCounts.Field.summary.map { "\"\($0.name)\": \(result.counts[$0])" }.joined(separator: ", ")
            console.line(#"{"run": \#(result.run.map(String.init) ?? "null"), "status": \#(JSON.quote(result.status.rawValue)), "merged": \#(result.merged), "distinct": \#(result.distinct), "undecided": \#(contents.undecided), "counts": {\#(counts)}, "message": \#(JSON.quote(result.message))}"#)
        } else {
            let head = result.run.map { "Run \($0) committed" } ?? "Dry run (nothing written)"
            console.line("\(head): \(result.message)\(undecided).")
        }
        return result.counts.rejected == 0 ? .success : .dataIssues
    }
}
