import TallyKit

/// `tally history`: every change to one record, newest first, with run and source.
struct HistoryCommand: Command {
    static let spec = CommandSpec(
        name: "history",
        abstract: "Show a record's changes, newest first, with the run and source of each.",
        discussion: "KEY is a sys_id, or the record's number (tasks) or name (CIs). The last lines say which source and run last set each attribute.",
        arguments: [
            ArgumentSpec(name: "entity", help: "The entity (incident, ci, case, ...)."),
            ArgumentSpec(name: "key", help: "The record's sys_id, number or name."),
        ],
        options: [.database, .json]
    )

    var entity: EntityDefinition
    var key: String
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        let name = arguments.positional("entity") ?? ""
        guard let entity = EntityRegistry.standard.entity(named: name) else {
            throw UsageError(message: "unknown entity '\(name)'; known entities: \(EntityRegistry.standard.names.joined(separator: ", "))", command: Self.spec.name)
        }
        self.entity = entity
        key = arguments.positional("key") ?? ""
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        let history = RecordHistory(database)
        let records = try history.find(entity: entity, key: key)
        guard !records.isEmpty else {
            throw CommandFailure.failed("no \(entity.name) with sys_id, \(entity.displayField ?? "number") or key '\(key)' in \(databasePath)")
        }
        guard records.count == 1 else {
            throw CommandFailure.failed("'\(key)' names \(records.count) \(entity.name) records; give a sys_id")
        }
        let changes = try history.changes(entity: entity, record: records[0])
        if json {
            for change in changes { console.line(change.json) }
            return .success
        }
        console.line("\(entity.name) \(key): \(changes.count) change(s), newest first")
        for change in changes {
            if change.field == "*" {
                console.line("  run \(change.run) [\(change.source ?? "?")] inserted")
            } else {
                console.line("  run \(change.run) [\(change.source ?? "?")] \(change.field): \(change.old ?? "∅") → \(change.new ?? "∅")")
            }
        }
        let setters = try history.lastSetters(entity: entity, record: records[0])
        if !setters.isEmpty {
            console.line("Last set by:")
            for setter in setters { console.line("  \(setter.field): source \(setter.source ?? "?"), run \(setter.run)") }
        }
        return .success
    }
}
