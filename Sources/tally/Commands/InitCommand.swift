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
            console.line(Initialized(store: databasePath, schemaVersion: store.schemaVersion, migrated: store.appliedMigrations).json)
        } else if store.appliedMigrations.isEmpty {
            console.line("Store \(databasePath) is ready (schema version \(store.schemaVersion)); nothing to do.")
        } else {
            console.line("Store \(databasePath) is ready (schema version \(store.schemaVersion)).")
        }
        return .success
    }
}

/// `init --json`: the store, its schema version and the migrations this call applied.
private struct Initialized: JSONOutput {
    var store: String
    var schemaVersion: Int
    var migrated: [Int]

    enum CodingKeys: String, CodingKey { case store, schemaVersion = "schema_version", migrated }
}
