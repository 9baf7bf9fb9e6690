import Foundation
import TallyKit

/// `tally history`: every change to one record, newest first, with run and source.
struct HistoryCommand: Command {
    static let spec = CommandSpec(
        name: "history",
        abstract: "Show a record's changes, newest first, with the run and source of each.",
        discussion: "KEY is a sys_id, or the record's number (tasks) or name (CIs). An insert or a removal lists the record's values; a change whose run a rollback undid says which run undid it. The last lines say which source and run set each value the record holds (rows of rolled-back runs do not count; a rollback puts back the earlier run's value), or which run removed the record. With --json, an insert or removal line carries a \"values\" object.",
        arguments: [
            .entity,
            .recordKey,
        ],
        options: [.database, .json]
    )

    var entity: EntityDefinition
    var key: String
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        entity = try arguments.entity(named: arguments.positional("entity") ?? "", command: Self.spec.name)
        key = arguments.positional("key") ?? ""
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let database = try TallyDatabase.open(path: databasePath, access: .read)
        let history = RecordHistory(database)
        let record = try history.record(of: entity, key: key, storePath: databasePath)
        let entries = try history.entries(entity: entity, record: record)
        if json {
            for entry in entries { console.line(entry.json) }
            return .success
        }
        console.line("\(entity.name) \(key): \(entries.count) change(s), newest first")
        for entry in entries {
            let change = entry.change
            let undone = entry.undoneBy.map { "   (undone by run \($0))" } ?? ""
            let head = "  run \(change.run) [\(change.source ?? "?")]"
            switch change.kind {
            case .inserted, .removed:
                let what = change.kind.rawValue
                guard let values = entry.values else {
                    console.line("\(head) \(what) (its values cannot be worked back from the record and its audit; 'tally check' says why)\(undone)")
                    continue
                }
                console.line("\(head) \(what):\(undone)")
                for value in values { console.line("      \(value.field): \(Self.shown(value.value))") }
            case .updated:
                console.line("\(head) \(change.field): \(change.old.map(Self.shown) ?? "∅") → \(change.new.map(Self.shown) ?? "∅")\(undone)")
            }
        }
        let standing = try history.standing(entity: entity, record: record)
        if let removal = standing.removal {
            console.line("Last set by: nothing; run \(removal.run) [\(removal.source ?? "?")] removed the record.")
        } else if !standing.setters.isEmpty {
            console.line("Last set by (the runs whose values the record holds; undone runs are skipped):")
            for setter in standing.setters { console.line("  \(setter.field): source \(setter.source ?? "?"), run \(setter.run)") }
        }
        return .success
    }

    /// A value on one line: line breaks shown as `\n`.
    static func shown(_ value: String) -> String {
        value.replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
    }
}
