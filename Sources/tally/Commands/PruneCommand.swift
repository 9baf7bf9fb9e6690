import TallyKit

/// `tally prune`: drops kept inputs (and, with --force, audit) of runs outside the retention.
struct PruneCommand: Command {
    static let spec = CommandSpec(
        name: "prune",
        abstract: "Drop the kept inputs of runs outside the retention, so they can no longer be rerun.",
        discussion: "Give --keep-days N or --keep-runs N. The audit trail, which a rollback needs, is kept unless --force is given: then the audit of the pruned runs is dropped too and they can no longer be rolled back. Input copies no run refers to any more are removed.",
        options: [
            OptionSpec(name: "keep-days", valueName: "N", help: "Keep what runs of the last N days need."),
            OptionSpec(name: "keep-runs", valueName: "N", help: "Keep what the newest N runs need."),
            .flag("force", help: "Also drop the pruned runs' audit trail (they can no longer be rolled back)."),
            .database, .wait, .dryRun, .json,
        ]
    )

    var retention: Pruning.Retention
    var force: Bool
    var dryRun: Bool
    var store: StoreWriter
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        let days = try arguments.integer("keep-days", command: Self.spec.name)
        let runs = try arguments.integer("keep-runs", command: Self.spec.name)
        switch (days, runs) {
        case (let days?, nil) where days >= 0: retention = .days(days)
        case (nil, let runs?) where runs >= 0: retention = .runs(runs)
        default: throw UsageError(message: "give one of --keep-days N or --keep-runs N (N ≥ 0)", command: Self.spec.name)
        }
        force = arguments.has("force")
        dryRun = arguments.has("dry-run")
        store = try StoreWriter(arguments, command: Self.spec.name)
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let result = try store.write(console) { database in
            try Pruning(database: database).prune(keeping: retention, force: force, dryRun: dryRun)
        }
        if json {
            console.line(Pruned(dryRun: dryRun, result).json)
            return .success
        }
        let verb = dryRun ? "Would prune" : "Pruned"
        console.line("\(verb) \(result.runs.count) run(s): \(result.filesRemoved) kept input(s) removed (\(result.bytesFreed) bytes)"
            + (force ? ", \(result.auditRowsRemoved) audit row(s) dropped" : "; audit kept, so they can still be rolled back"))
        return .success
    }
}

/// `prune --json`: which runs lost their kept inputs, and what that freed.
private struct Pruned: JSONOutput {
    var dryRun: Bool
    var runs: [Int64]
    var inputsRemoved: Int
    var bytesFreed: Int64
    var auditRowsRemoved: Int

    init(dryRun: Bool, _ result: Pruning.Result) {
        (self.dryRun, runs, inputsRemoved, bytesFreed, auditRowsRemoved) = (dryRun, result.runs, result.filesRemoved, result.bytesFreed, result.auditRowsRemoved)
    }

    enum CodingKeys: String, CodingKey {
        case dryRun = "dry_run", runs, inputsRemoved = "inputs_removed", bytesFreed = "bytes_freed", auditRowsRemoved = "audit_rows_removed"
    }
}
