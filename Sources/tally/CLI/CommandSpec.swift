/// A command's interface, declared as data: its name, help and the arguments it takes.
///
/// The parser, the help text and the docs test all read this one description.
struct CommandSpec: Sendable {
    var name: String
    var abstract: String
    var discussion: String = ""
    var arguments: [ArgumentSpec] = []
    var options: [OptionSpec] = []

    /// Options every command accepts.
    static let commonOptions: [OptionSpec] = [
        OptionSpec(name: "help", short: "h", help: "Show help for this command.", takesValue: false),
    ]

    var allOptions: [OptionSpec] { options + Self.commonOptions }
}

/// A positional argument.
struct ArgumentSpec: Sendable {
    var name: String
    var help: String
    var isOptional = false
    /// Takes all remaining positionals (at least one unless optional).
    var isRepeating = false
}

extension ArgumentSpec {
    /// The entity a record command reads (`history`, `explain`); see ``ParsedArguments/entity(named:command:)``.
    static let entity = ArgumentSpec(name: "entity", help: "The entity (incident, ci, case, ...).")
    /// The record a record command reads, as the store can find it.
    static let recordKey = ArgumentSpec(name: "key", help: "The record's sys_id, number or name.")
}

/// A `--long` option or flag.
struct OptionSpec: Sendable {
    var name: String
    var short: Character? = nil
    var valueName: String = "VALUE"
    var help: String
    /// `false` for a flag (`--dry-run`), `true` for `--db PATH`.
    var takesValue = true
    /// May be given more than once (`--mask a --mask b`).
    var isRepeatable = false
    /// Accepted values, when the set is closed; checked before any work starts.
    var choices: [String] = []

    init(name: String, short: Character? = nil, valueName: String = "VALUE", help: String,
         takesValue: Bool = true, isRepeatable: Bool = false, choices: [String] = []) {
        self.name = name
        self.short = short
        self.valueName = valueName
        self.help = help
        self.takesValue = takesValue
        self.isRepeatable = isRepeatable
        self.choices = choices
    }

    /// A flag: an option without a value.
    static func flag(_ name: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(name: name, short: short, help: help, takesValue: false)
    }

    /// The shared `--db PATH` option.
    static let database = OptionSpec(
        name: "db", valueName: "PATH",
        help: "The store to use (default: $TALLY_DB, else ./tally.db).")
    /// The shared `--json` flag.
    static let json = flag("json", help: "Print JSON lines on stdout: one object per item, the outcome last.")
    /// The shared `--wait SECONDS` option of commands that write.
    static let wait = OptionSpec(
        name: "wait", valueName: "SECONDS",
        help: "If another process holds the store's lock, wait up to SECONDS for it (default: exit 75 at once).")
    /// The shared `--dry-run` flag.
    static let dryRun = flag("dry-run", help: "Do everything except commit; show what would change.")
    /// The `--stale-days N` option of the commands that judge CIs (`extract`, `report`); see ``ParsedArguments/staleDays(command:)``.
    static let staleDays = OptionSpec(
        name: "stale-days", valueName: "N",
        help: "Days without an update or discovery that make a CI stale (default: 60); CLASS=N for a class of its own, comma-separated (60,cmdb_ci_computer=30).")
}
