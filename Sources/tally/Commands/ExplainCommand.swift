import Foundation
import TallyKit

/// `tally explain`: why each field of a record holds its value, and which candidates lost.
struct ExplainCommand: Command {
    static let spec = CommandSpec(
        name: "explain",
        abstract: "Say why a record's fields hold their values: who set each, the rule that decided, what lost.",
        discussion: """
            KEY is a sys_id, or the record's number (tasks) or name (CIs); FIELD limits it to one field. For each field: \
            the value (a choice's label beside its code), the run, source and input row that set it, the rule that decided \
            (first_load, newest_version, precedence.owner, precedence.write_if_empty, same_version, derived_major_case, \
            rollback, snapshot_retired, snapshot_restored, deleted, restored; a rerun is named), and every candidate that lost: its value, source, run and row, and why \
            (stale, lower_precedence, write_if_empty, same_version_tie, cardinality, rolled_back). \
            With --json, one object with a "fields" array.
            """,
        arguments: [
            .entity,
            .recordKey,
            ArgumentSpec(name: "field", help: "Only this field.", isOptional: true),
        ],
        options: [.database, .json]
    )

    var entity: EntityDefinition
    var key: String
    var field: String?
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        entity = try arguments.entity(named: arguments.positional("entity") ?? "", command: Self.spec.name)
        key = arguments.positional("key") ?? ""
        field = arguments.positional("field")
        if let field, entity.field(named: field) == nil {
            throw UsageError(message: "\(entity.name) has no field '\(field)'; its fields: \(entity.fields.map(\.name).joined(separator: ", "))", command: Self.spec.name)
        }
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        let record = try RecordHistory(database).record(of: entity, key: key, storePath: databasePath)
        let fields = try Explainer(database).explain(entity: entity, record: record, field: field)
        guard !fields.isEmpty else {
            throw CommandFailure(exitCode: .usage, message: "\(entity.name) '\(key)' has no version that stands (its insert was rolled back); see 'tally history \(entity.name) \(key)'")
        }
        if json {
            console.line(RecordExplanation(entity: entity.name, key: key, record: record, fields: fields).json)
            return .success
        }
        console.line("\(entity.name) \(key)")
        // Empty fields nobody disputed say nothing a person asked about: counted, not listed (unless named).
        let quiet = field == nil ? fields.filter { $0.value == nil && $0.losers.isEmpty && $0.rule == "first_load" } : []
        for field in fields where !quiet.contains(field) {
            let label = field.label.map { " (\($0))" } ?? ""
            console.line("  \(field.field): \(field.value.map(HistoryCommand.shown) ?? "∅")\(label)")
            let by = field.run.map { "run \($0) [\(field.source ?? "?")]" } ?? "no audited run"
            console.line("    set by \(by)\(field.place.map { " from \($0.text)" } ?? "")")
            console.line("    rule: \(field.rule) — \(field.reason)")
            for loser in field.losers {
                console.line("    lost: \(loser.value.map(HistoryCommand.shown) ?? "∅") from run \(loser.run) [\(loser.source ?? "?")]"
                             + "\(loser.place.map { " \($0.text)" } ?? "") — \(loser.why): \(loser.message)")
            }
        }
        if !quiet.isEmpty { console.line("  (\(quiet.count) empty field(s) since the first load not shown; name one to see it)") }
        return .success
    }
}
