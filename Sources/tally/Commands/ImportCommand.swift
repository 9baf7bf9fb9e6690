import TallyKit

/// `tally import`: one run per invocation, committed whole or not at all.
struct ImportCommand: Command {
    static let spec = CommandSpec(
        name: "import",
        abstract: "Import exports of one entity into the store as one run, committed whole or not at all.",
        discussion: "Each row is mapped, validated and reconciled; rejected rows are kept with a reason (see 'tally rejects'). A file whose SHA-256 was already committed for the entity and source is skipped unless --force is given. --dry-run prints what would change, record by record, and why rows would be rejected (the count per rule with the first rows; with --json, one NDJSON line per change and per rejected row with its reasons, then the summary, always last). A reject export from 'tally rejects --format csv' can be fed back: its _reject_* columns are not imported, the run is linked to the rejects' run and the rows it accepts are counted as recovered. --deletes reads an export of sys_audit_delete (tablename, documentkey, sys_created_on): each record a row names is kept, marked deleted at that time (and retired), audited and counted updated and retired; already deleted: unchanged; deleted before its stored version: skipped_stale; not in the store: unchanged with a warning; no documentkey or an unknown table: rejected. Exit 0: committed clean; 65: committed with rejects or conflicts, or an input changed while it was read (nothing committed); 1: failed, nothing committed; 64: a bad command line, map or store; 66: an input or the store is missing; 75: another process holds the store.",
        arguments: [ArgumentSpec(name: "file", help: "Exports to import ('-' reads standard input).", isRepeating: true)],
        options: [
            OptionSpec(name: "entity", short: "e", valueName: "ENTITY",
                       help: "The entity: case, incident, problem, change, request, ci, ci_relationship (or a platform table name)."),
            OptionSpec(name: "source", valueName: "NAME", help: "The source's name (default: the map's, else 'default')."),
            OptionSpec(name: "map", valueName: "FILE", help: "A transform map (JSON); default: the built-in map for the entity."),
            OptionSpec(name: "format", valueName: "FORMAT", help: "The input format (default: detected from the content).",
                       choices: ["auto", "csv", "tsv", "json", "ndjson", "xml"]),
            OptionSpec(name: "encoding", valueName: "NAME", help: "The input's encoding (default: the map's, else UTF-8).",
                       choices: ["utf-8", "utf-16", "latin-1", "windows-1252"]),
            OptionSpec(name: "precedence", valueName: "FILE", help: "A precedence file (JSON): which source may change which attribute."),
            OptionSpec(name: "as-of", valueName: "TIME",
                       help: "When the exports were taken (UTC, e.g. 2026-12-01 06:00:00): the version of rows with no sys_updated_on, such as a list view's (default: each file's modification time)."),
            .flag("deletes", help: "The inputs are exports of sys_audit_delete: mark each record a row names deleted at its sys_created_on (its entity from the row's tablename, or --entity)."),
            .flag("snapshot", help: "The inputs are a full snapshot: retire the source's records they no longer contain."),
            OptionSpec(name: "max-retire", valueName: "FRACTION", help: "With --snapshot: abort if more than this share would be retired (default 0.10)."),
            OptionSpec(name: "expect-rows", valueName: "N", help: "With --snapshot: abort if the inputs hold fewer rows than N."),
            .database, .dryRun,
            .flag("force", help: "Import files even when their SHA-256 was already committed; override the snapshot guards."),
            .flag("follow-symlinks", help: "Read an input path that is a symbolic link through it (default: refused)."),
            .json,
            .wait,
        ]
    )

    var request: ImportRequest
    var store: StoreWriter
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        // `--entity sys_audit_delete` is the platform's table of deletes: the same as `--deletes`.
        let deletes = arguments.has("deletes") || arguments.value("entity") == ImportRequest.deletesTable
        let named = arguments.value("entity").flatMap { $0 == ImportRequest.deletesTable ? nil : $0 }
        guard let entity = named ?? (deletes ? "" : nil) else {
            throw UsageError(message: "missing --entity (one of: \(EntityRegistry.standard.names.joined(separator: ", ")))", command: Self.spec.name)
        }
        if !entity.isEmpty { _ = try arguments.entity(named: entity, command: Self.spec.name) }
        let format = ReadChoices.format(named: arguments.value("format"))
        let encoding = arguments.value("encoding").flatMap(TransformMap.Encoding.init(rawValue:))
        request = ImportRequest(
            paths: arguments.positionalList("file"), entity: entity, source: arguments.value("source"),
            mapPath: arguments.value("map"), format: format, encoding: encoding,
            dryRun: arguments.has("dry-run"), force: arguments.has("force"),
            command: typedCommandLine)
        if deletes {
            request.settings.deletes = true
            for option in ["snapshot", "map", "precedence", "as-of"] where arguments.has(option) || arguments.value(option) != nil {
                throw UsageError(message: "'--\(option)' does not go with --deletes: a deletes export is read as sys_audit_delete rows (tablename, documentkey, sys_created_on)", command: Self.spec.name)
            }
        }
        if arguments.has("snapshot") {
            var snapshot = SnapshotOptions()
            if let text = arguments.value("max-retire") {
                guard let fraction = Double(text), fraction >= 0, fraction <= 1 else {
                    throw UsageError(message: "'--max-retire' must be a fraction from 0 to 1 (e.g. 0.10); got '\(text)'", command: Self.spec.name)
                }
                snapshot.maxRetire = fraction
            }
            snapshot.expectRows = try arguments.integer("expect-rows", command: Self.spec.name)
            request.settings.snapshot = snapshot
        } else if arguments.value("max-retire") != nil || arguments.value("expect-rows") != nil {
            throw UsageError(message: "'--max-retire' and '--expect-rows' go with --snapshot", command: Self.spec.name)
        }
        request.settings.precedencePath = arguments.value("precedence")
        if let text = arguments.value("as-of") {
            guard let parser = try? DateTimeParser(), case .success(let time) = parser.parse(text) else {
                throw UsageError(message: "'--as-of' must be a date and time such as 2026-12-01 06:00:00 (UTC) or 2026-12-01T06:00:00+01:00; got '\(text)'", command: Self.spec.name)
            }
            request.settings.asOf = time
        }
        request.followSymlinks = arguments.has("follow-symlinks")
        store = try StoreWriter(arguments, command: Self.spec.name, access: .create)
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        var request = request
        if console.isErrorTerminal { request.progress = ProgressLine().callback }  // a terminal only, never under cron
        let output = ImportOutput(console: console, json: json)
        return try output.guarding {
            try store.write(console, command: request.command) { database in
                try output.report { () throws(ImportFailure) -> ImportResult in
                    try Importer(database: database).run(request)
                }
            }
        }
    }
}

/// The human summary of an import.
enum ImportSummary {
    static func text(_ result: ImportResult) -> String {
        var lines: [String] = []
        let runText = result.run.map { "Run \($0)" } ?? "Dry run"
        switch result.status {
        case .skipped:
            lines.append("\(runText): skipped — \(result.message ?? "nothing new to import").")
            return lines.joined(separator: "\n") + "\n"
        case .dryRun:
            lines.append("Dry run of \(result.entity) from source '\(result.source)': nothing was written.")
        default:
            lines.append("\(runText) \(result.status.rawValue): \(result.entity) from source '\(result.source)'.")
        }
        for input in result.inputs {
            let c = input.counts
            lines.append("  \(input.path) (\(input.format ?? "?")): \(c.text(RunCounts.Field.rows))")
            if !input.unknownColumns.isEmpty {
                lines.append("    columns not in the map, kept as extra: \(input.unknownColumns.joined(separator: ", "))")
            }
            if input.unchangedBeforeMapping > 0 {
                lines.append("    \(input.unchangedBeforeMapping) of the unchanged rows were recognised by their input hash, without mapping them again")
            }
        }
        let c = result.counts
        lines.append("Total: \(c.text())")
        if c.retired > 0 { lines.append("Retired: \(c.retired) record(s) (a snapshot no longer held them, or the platform deleted them).") }
        if let message = result.message { lines.append("Note: \(message)") }
        if c.recovered > 0, let parent = result.parentRun {
            lines.append("Recovered \(c.recovered) row(s) that run \(parent) rejected.")
        }
        if c.rejected > 0, let run = result.run {
            lines.append("See the rejected rows with: tally rejects --run \(run)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
