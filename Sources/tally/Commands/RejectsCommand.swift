import TallyKit

/// `tally rejects`: the rejected rows, with every reason and the row as read.
struct RejectsCommand: Command {
    static let spec = CommandSpec(
        name: "rejects",
        abstract: "List rejected rows with run, file, line, field, rule, message and the row as read.",
        discussion: "By default only the outstanding rows: those no later run has taken up. A row is recovered when a later run accepts it (a rerun of its run, or the fixed reject export fed back to 'tally import'), and rejected again when that run rejects it too (the later run's reject is then the outstanding one); --all lists every rejected row with its status. The CSV carries the original columns first, then _reject_* columns with the reasons, so a steward can fix the rows and feed the file back to 'tally import' (the _reject_* columns are not imported: _reject_run, _reject_file and _reject_record tie each row to the reject it settles). Cells a spreadsheet would run as formulas (starting with =, +, -, @, tab or CR) get a leading ' that the import removes again. NDJSON gives one object per rejected row.",
        options: [
            OptionSpec(name: "run", valueName: "N", help: "Only this run's rejects (default: every run)."),
            .flag("all", help: "Every rejected row, with its status (outstanding, recovered, rejected_again, rolled_back), not only the outstanding ones."),
            OptionSpec(name: "format", valueName: "FORMAT", help: "Output format (default: ndjson).", choices: ["csv", "ndjson"]),
            OptionSpec(name: "out", short: "o", valueName: "FILE", help: "Write to FILE atomically (default: stdout)."),
            .database, .json,
        ]
    )

    static let metadataColumns = ["_reject_run", "_reject_file", "_reject_line", "_reject_record", "_reject_field", "_reject_rule", "_reject_message"]

    var run: Int64?
    var all: Bool
    var csv: Bool
    var out: String?
    var databasePath: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        run = try arguments.integer("run", command: Self.spec.name).map(Int64.init)
        all = arguments.has("all")
        csv = try arguments.listFormat(command: Self.spec.name) == .csv
        out = arguments.value("out")
        databasePath = arguments.databasePath
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        if let run { try database.requireRun(run) }
        let store = RejectStore(database)
        let rejects = try store.rejects(run: run, all: all)
        let output = try out.map(CommandOutput.init(path:)) ?? CommandOutput()
        if csv {
            try writeCSV(rejects, to: output)
        } else {
            try writeNDJSON(rejects, to: output)
        }
        try output.commit()
        let what = all ? "rejected rows" : "outstanding rejected rows"
        if let out { console.error("wrote \(out): \(rejects.count) \(what)") }
        if !all {
            let counts = try store.counts(run: run)
            let hidden = counts.filter { $0.key != .outstanding }.values.reduce(0, +)
            if hidden > 0 {
                let settled = RejectStatus.settled.compactMap { status in
                    counts[status].map { "\($0) \(status.label)" }
                }
                console.error("\(rejects.count) outstanding rejected row(s) listed; \(hidden) settled by later runs are not "
                              + "(\(settled.joined(separator: ", "))): --all lists every one")
            }
        }
        return .success
    }

    private func writeCSV(_ rejects: [RejectedRecord], to output: CommandOutput) throws {
        var columns: [String] = []
        var seen = Set<String>()
        for reject in rejects {
            // A row rejected again from a fed-back export carries the old _reject_* columns: the new ones replace them.
            for (name, _) in reject.columns where !name.hasPrefix("_reject_") && seen.insert(name).inserted { columns.append(name) }
        }
        let hasRawText = rejects.contains { $0.rawText != nil }
        try output.writeCSVRow((columns.map(FormulaGuard.reversiblyNeutralised) + Self.metadataColumns + (all ? ["_reject_status"] : []) + (hasRawText ? ["_reject_raw_text"] : [])).map(Optional.some))
        for reject in rejects {
            var byName: [String: String?] = [:]
            for (name, value) in reject.columns where byName[name] == nil { byName[name] = value }
            var row: [String?] = columns.map { byName[$0] ?? nil }
            row += [String(reject.run), reject.file, reject.line.map(String.init), reject.record.map(String.init),
                    reject.reasons.compactMap(\.field).joined(separator: "; "),
                    reject.reasons.map(\.rule).joined(separator: "; "),
                    reject.reasons.map(\.message).joined(separator: "; ")]
            if all { row.append(reject.status.rawValue + (reject.followedUpIn.map { " in run \($0)" } ?? "")) }
            if hasRawText { row.append(reject.rawText) }
            // Opened in a spreadsheet: formula-looking cells are guarded; 'tally import' removes the guard.
            try output.writeCSVRow(row.map { $0.map(FormulaGuard.reversiblyNeutralised) })
        }
    }

    private func writeNDJSON(_ rejects: [RejectedRecord], to output: CommandOutput) throws {
        for reject in rejects { try output.write(reject.json + "\n") }
    }
}
