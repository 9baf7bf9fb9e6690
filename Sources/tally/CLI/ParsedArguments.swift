import TallyKit

/// A usage error: the command line is wrong. Exit 64, with the command's usage line.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var command: String?
    var description: String { message }
}

/// The command line, checked against a ``CommandSpec``.
struct ParsedArguments {
    private(set) var positionals: [String: [String]] = [:]
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []

    /// Parses `arguments` (after the command name) against `spec`. `--` ends the options;
    /// a lone `-` is a positional (standard input).
    init(_ arguments: [String], spec: CommandSpec) throws(UsageError) {
        var rest: [String] = []
        var index = 0
        var optionsEnded = false
        func fail(_ message: String) -> UsageError { UsageError(message: message, command: spec.name) }

        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                rest.append(argument)
                continue
            }
            if argument == "--" { optionsEnded = true; continue }

            var name: String
            var inlineValue: String?
            if argument.hasPrefix("--") {
                name = String(argument.dropFirst(2))
                if let equals = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
            } else {
                guard argument.count == 2, let option = spec.allOptions.first(where: { $0.short == argument.last }) else {
                    throw fail("unknown option '\(argument)'")
                }
                name = option.name
            }
            guard let option = spec.allOptions.first(where: { $0.name == name }) else {
                let suggestion = Self.closest(to: name, in: spec.allOptions.map(\.name))
                throw fail("unknown option '--\(name)'" + (suggestion.map { "; did you mean '--\($0)'?" } ?? ""))
            }
            if !option.takesValue {
                if inlineValue != nil { throw fail("'--\(name)' does not take a value") }
                flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw fail("'--\(name)' needs a value (\(option.valueName))") }
                value = arguments[index]
                index += 1
            }
            if !option.choices.isEmpty && !option.choices.contains(value) {
                throw fail("'--\(name)' must be one of \(option.choices.joined(separator: ", ")); got '\(value)'")
            }
            if values[name] != nil && !option.isRepeatable {
                throw fail("'--\(name)' is given more than once")
            }
            values[name, default: []].append(value)
        }

        if flags.contains("help") { return }
        for argument in spec.arguments {
            if argument.isRepeating {
                if rest.isEmpty && !argument.isOptional { throw fail("missing \(argument.name)") }
                positionals[argument.name] = rest
                rest = []
            } else if !rest.isEmpty {
                positionals[argument.name] = [rest.removeFirst()]
            } else if !argument.isOptional {
                throw fail("missing \(argument.name)")
            }
        }
        if let extra = rest.first { throw fail("unexpected argument '\(extra)'") }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func allValues(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }
    func positional(_ name: String) -> String? { positionals[name]?.first }
    func positionalList(_ name: String) -> [String] { positionals[name] ?? [] }

    /// An integer option, checked.
    func integer(_ name: String, command: String) throws(UsageError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else {
            throw UsageError(message: "'--\(name)' must be a whole number; got '\(text)'", command: command)
        }
        return number
    }

    /// The candidate within edit distance 2 of `word`, if any: for "did you mean" hints.
    static func closest(to word: String, in candidates: [String]) -> String? {
        Suggestion.closest(to: word, in: candidates)
    }
}
