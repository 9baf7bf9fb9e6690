import TallyKit

/// `tally settings`: reads and writes store-wide settings.
struct SettingsCommand: Command {
    static let spec = CommandSpec(
        name: "settings",
        abstract: "Show or change store settings (sync_enabled, case_fields_to_sync, ...).",
        discussion: "'tally settings' lists every setting; 'tally settings get KEY' prints one; 'tally settings set KEY VALUE' changes one; 'tally settings unset KEY' removes one. Known keys: " + StoreSettings.known.map { "\($0.key) — \($0.help)" }.joined(separator: "; ") + ".",
        arguments: [
            ArgumentSpec(name: "action", help: "list (default), get, set or unset.", isOptional: true),
            ArgumentSpec(name: "key", help: "The setting's key.", isOptional: true),
            ArgumentSpec(name: "value", help: "The new value (for set).", isOptional: true),
        ],
        options: [.database, .json]
    )

    enum Action { case list, get(String), set(String, String), unset(String) }

    var action: Action
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        let key = arguments.positional("key")
        let value = arguments.positional("value")
        func need(_ what: String) -> UsageError { UsageError(message: "missing \(what)", command: Self.spec.name) }
        switch arguments.positional("action") ?? "list" {
        case "list": action = .list
        case "get":
            guard let key else { throw need("key") }
            action = .get(key)
        case "set":
            guard let key else { throw need("key") }
            guard let value else { throw need("value") }
            guard StoreSettings.known.contains(where: { $0.key == key }) else {
                throw UsageError(message: "unknown setting '\(key)'; known: \(StoreSettings.known.map(\.key).joined(separator: ", "))", command: Self.spec.name)
            }
            if key == StoreSettings.syncEnabled && !["true", "false"].contains(value) {
                throw UsageError(message: "sync_enabled must be true or false; got '\(value)'", command: Self.spec.name)
            }
            if key == StoreSettings.caseFieldsToSync, let problem = StoreSettings.caseFieldsProblem(value) {
                throw UsageError(message: problem, command: Self.spec.name)
            }
            if key == CIJunkValues.limitSetting, let problem = CIJunkValues.limitProblem(value) {
                throw UsageError(message: problem, command: Self.spec.name)
            }
            action = .set(key, value)
        case "unset":
            guard let key else { throw need("key") }
            action = .unset(key)
        case let other:
            throw UsageError(message: "unknown action '\(other)'; use list, get, set or unset", command: Self.spec.name)
        }
        databasePath = arguments.databasePath
        json = arguments.has("json")
    }

    /// `key=value`, or with --json `{"key": …, "value": …}` (value null once unset).
    private func line(_ key: String, _ value: String?) -> String {
        json ? Setting(key: key, value: value).json : "\(key)=\(value ?? "")"
    }

    func run(_ console: Console) throws -> ExitCode {
        // Reads never create a store; a setting may be set before the first import. Writes take
        // the store's lock like every writer.
        func read() throws -> StoreSettings { StoreSettings(try TallyDatabase.open(path: databasePath, access: .read)) }
        func write(_ key: String, _ value: String?, access: StoreAccess) throws {
            try StoreWriter(databasePath: databasePath, wait: nil, access: access).write(console) {
                try StoreSettings($0).update(key, to: value)
            }
        }
        switch action {
        case .list:
            let all = try read().all().filter { $0.0 != StoreSettings.maskSalt }
            for (key, value) in all { console.line(line(key, value)) }
            if all.isEmpty && !json {
                console.line("No settings are set in \(databasePath); each has its default. Known: "
                    + StoreSettings.known.map(\.key).joined(separator: ", ") + " (set one with: tally settings set KEY VALUE).")
            }
        case .get(let key):
            guard let value = try read().value(key) else { throw CommandFailure.failed("setting '\(key)' is not set") }
            console.line(json ? line(key, value) : value)
        case .set(let key, let value):
            try write(key, value, access: .create)
            console.line(line(key, value))
        case .unset(let key):
            try write(key, nil, access: .write)
            if json { console.line(line(key, nil)) }
        }
        return .success
    }
}

private struct Setting: JSONOutput {
    var key: String
    var value: String?
}
