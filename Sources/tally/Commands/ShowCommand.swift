import TallyKit

/// `tally show`: one run in full — inputs, counts, rejects by rule, conflicts by field, timings, family.
struct ShowCommand: Command {
    static let spec = CommandSpec(
        name: "show",
        abstract: "Show one run: inputs, counts, rejects by rule and conflicts by field (with first rows), stage timings, parent and derived runs.",
        arguments: [ArgumentSpec(name: "run", help: "The run id (see 'tally runs').")],
        options: [.database, .json]
    )

    var run: Int64
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        run = try arguments.runID(command: Self.spec.name)
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        guard let details = try RunDetails.load(run: run, database: database) else {
            throw CommandFailure.noSuchRun(run, in: databasePath)
        }
        if json {
            console.line(details.json)
            return .success
        }
        let record = details.run
        console.line("Run \(record.id): \(record.kind) of \(record.entity ?? "-") from source '\(record.source ?? "-")' — \(record.status.rawValue)")
        console.line("  started \(record.startedAt), finished \(record.finishedAt ?? "-")")
        console.line("  command: \(record.command)")
        if let message = record.message { console.line("  note: \(message)") }
        if let parent = record.parentRun { console.line("  parent run: \(parent)") }
        if !details.derived.isEmpty { console.line("  derived runs: \(details.derived.map { "\($0.id) (\($0.kind), \($0.status.rawValue))" }.joined(separator: ", "))") }
        let c = record.counts
        let parts = RunCounts.Field.rows.dropFirst().map { c.text([$0]) }.joined(separator: " + ")
        let others = RunCounts.Field.allCases.filter { !RunCounts.Field.rows.contains($0) }
        console.line("Counts: \(c.text([.read])) = \(parts); \(c.text(others))")
        if !details.inputs.isEmpty {
            console.line("Inputs:")
            for input in details.inputs {
                console.line("  \(input.position). \(input.path) (\(input.format ?? "?"), \(input.size.map { "\($0) bytes" } ?? "? bytes"), sha256 \(input.sha256 ?? "?")): \(input.counts.read) rows" + (input.storedPath == nil ? ", not kept" : ""))
            }
        }
        if !details.timings.isEmpty {
            console.line("Stage timings: " + details.timings.map { "\($0.0) \($0.1)s" }.joined(separator: ", "))
        }
        for group in details.rejectsByRule {
            console.line("Rejects [\(group.name)]: \(group.count)")
            for example in group.examples { console.line("  \(example)") }
        }
        for group in details.warningsByRule {
            console.line("Warnings [\(group.name)]: \(group.count)")
            for example in group.examples { console.line("  \(example)") }
        }
        for group in details.conflictsByField {
            console.line("Conflicts on \(group.name): \(group.count)")
            for example in group.examples { console.line("  \(example)") }
        }
        return .success
    }
}
