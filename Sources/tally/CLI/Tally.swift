import TallyKit

/// The `tally` entry point: routes to a subcommand, prints help, maps failures to exit codes.
enum Tally {
    static let rootHelp: String = {
        var lines = [
            "OVERVIEW: Tally imports and reconciles service-management exports into one trustworthy store.",
            "",
            "USAGE: tally <command> [options]",
            "",
            "COMMANDS:",
        ]
        for command in allCommands { lines.append(HelpFormatter.row(command.spec.name, command.spec.abstract)) }
        lines += [
            "",
            "OPTIONS:",
            HelpFormatter.row("-h, --help", "Show help. 'tally help <command>' shows a command's help."),
            HelpFormatter.row("--version", "Show the version."),
            "",
            "EXIT CODES: 0 committed and clean; 65 committed with rejects or conflicts; 1 failed, nothing",
            "committed; 64 usage error (also: a file that is not a Tally store, a newer store, no such run);",
            "66 input or store missing or unreadable (only init, import, run and settings set create a",
            "store); 75 another run holds the store's lock.",
            "",
            "--json: every command prints JSON objects on stdout, one per line; a list's items, then the",
            "outcome (an import's summary) last.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }()

    static func main(_ arguments: [String]) -> ExitCode {
        let console = Console()
        defer { console.flush() }
        guard let first = arguments.first else {
            console.error("error: no command given\n\n" + rootHelp)
            return .usage
        }
        switch first {
        case "--help", "-h":
            console.out(rootHelp)
            return .success
        case "--version":
            console.line("tally \(TallyVersion.current)")
            return .success
        case "help":
            guard let name = arguments.dropFirst().first else {
                console.out(rootHelp)
                return .success
            }
            guard let command = command(named: name) else { return unknownCommand(name, console) }
            console.out(HelpFormatter.help(command.spec))
            return .success
        default:
            guard let command = command(named: first) else { return unknownCommand(first, console) }
            return run(command, Array(arguments.dropFirst()), console)
        }
    }

    static func command(named name: String) -> (any Command.Type)? {
        allCommands.first { $0.spec.name == name }
    }

    static func run(_ type: any Command.Type, _ arguments: [String], _ console: Console) -> ExitCode {
        do {
            let parsed = try ParsedArguments(arguments, spec: type.spec)
            if parsed.has("help") {
                console.out(HelpFormatter.help(type.spec))
                return .success
            }
            let command = try type.init(parsed)
            return try command.run(console)
        } catch let error as UsageError {
            console.error("error: \(error.message)\n\(HelpFormatter.usage(type.spec))\nSee 'tally help \(type.spec.name)'.")
            return .usage
        } catch let failure as CommandFailure {
            console.error("error: \(failure.message)")
            return failure.exitCode
        } catch {
            if let store = StoreFailure.from(error) {
                let failure = CommandFailure(store)
                console.error("error: \(failure.message)")
                return failure.exitCode
            }
            console.error("error: \(ErrorText.describe(error))")
            return .failure
        }
    }

    static func unknownCommand(_ name: String, _ console: Console) -> ExitCode {
        var message = "error: unknown command '\(name)'"
        if let suggestion = ParsedArguments.closest(to: name, in: allCommands.map { $0.spec.name }) {
            message += "; did you mean '\(suggestion)'?"
        }
        console.error(message + "\nSee 'tally --help'.")
        return .usage
    }
}
