import TallyKit

/// `tally init`: creates the store, or brings an older one up to date. Harmless to repeat.
struct InitCommand: Command {
    static let spec = CommandSpec(
        name: "init",
        abstract: "Create the store (or migrate an existing one); running it again is harmless.",
        options: [.database, .json]
    )

    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    func run(_ console: Console) throws -> ExitCode {
        let store = try TallyDatabase.open(path: databasePath, access: .create)
        if json {
            console.line(#"{"store": \#(JSON.quote(databasePath)), "schema_version": \#(store.schemaVersion), "migrated": \#(store.appliedMigrations)}"#)
        } else if store.appliedMigrations.isEmpty {
            console.line("Store \(databasePath) is ready (schema version \(store.schemaVersion)); nothing to do.")
        } else {
            console.line("Store \(databasePath) is ready (schema version \(store.schemaVersion)).")
        }
        return .success
    }
}
