import TallyKit

/// `tally rollback`: undoes a committed run from its audit trail, as a run of its own.
struct RollbackCommand: Command {
    static let spec = CommandSpec(
        name: "rollback",
        abstract: "Undo a committed run: restore every field it changed, remove what it inserted, reinstate what it retired.",
        discussion: "If a later run changed the same field or record, the rollback refuses, lists them and changes nothing; --force restores the run's own changes anyway and reports what it overrode. The rollback is a run of its own (with its own audit), so it can itself be rolled back; the original run is marked rolled_back. --dry-run prints what would change, record by record.",
        arguments: [ArgumentSpec(name: "run", help: "The run to undo (see 'tally runs').")],
        options: [.database, .wait, .dryRun, .flag("force", help: "Restore the run's changes even where a later run changed them again."), .json]
    )

    var run: Int64
    var dryRun: Bool
    var force: Bool
    var json: Bool
    var store: StoreWriter

    init(_ arguments: ParsedArguments) throws(UsageError) {
        run = try arguments.runID(command: Self.spec.name)
        dryRun = arguments.has("dry-run")
        force = arguments.has("force")
        json = arguments.has("json")
        store = try StoreWriter(arguments, command: Self.spec.name)
    }

    func run(_ console: Console) throws -> ExitCode {
        let result: Rollback.Result
        do {
            // Changes are printed as they are read back, so a large rollback's list is never held.
            let json = json
            result = try store.write(console) { database in
                try database.requireRun(run)
                return try Rollback(database: database).run(run, force: force, dryRun: dryRun, command: typedCommandLine) { change in
                    console.line(json ? change.json : "  " + change.line)
                }
            }
        } catch let refusal as Rollback.Refusal {
            // A forced rollback prints every change it makes; a refused one points to the dry run that would.
            list(refusal.blockers, of: refusal.blockerCount, as: "blocked",
                 hint: "; 'tally rollback \(run) --dry-run --force' prints every change, record by record", console)
            if json {
                console.line(RollbackOutcome(refused: refusal, target: run).json)
            }
            throw CommandFailure.failed(refusal.message)
        }
        if json {
            console.line(RollbackOutcome(result).json)
        } else {
            list(result.overridden, of: result.overriddenCount, as: "overridden", console)
            let head = result.run.map { "Run \($0) committed" } ?? "Dry run (nothing written)"
            console.line("\(head): \(result.message).")
        }
        return result.overriddenCount == 0 ? .success : .dataIssues
    }

    /// Prints the listed blockers, then how many more there are than the plan keeps to list.
    private func list(_ blockers: [RollbackPlan.Blocker], of count: Int, as label: String, hint: String = "", _ console: Console) {
        let more = count - blockers.count
        if json {
            for blocker in blockers { console.line(JSON.object(label, blocker.line)) }
            if more > 0 { console.line(JSON.object(label + "_not_listed", more)) }
        } else {
            for blocker in blockers { console.line("  \(label): " + blocker.line) }
            if more > 0 { console.line("  … and \(more) more \(label) (the first \(blockers.count) are listed\(hint))") }
        }
    }
}
