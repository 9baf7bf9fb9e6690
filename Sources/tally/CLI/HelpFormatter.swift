/// Renders help text from a ``CommandSpec``, in the manner of swift-argument-parser.
enum HelpFormatter {
    static func usage(_ spec: CommandSpec) -> String {
        var parts = ["tally", spec.name]
        for argument in spec.arguments {
            var text = "<\(argument.name)>" + (argument.isRepeating ? " ..." : "")
            if argument.isOptional { text = "[\(text)]" }
            parts.append(text)
        }
        if !spec.options.isEmpty { parts.append("[options]") }
        return "usage: " + parts.joined(separator: " ")
    }

    static func help(_ spec: CommandSpec) -> String {
        var lines = ["OVERVIEW: \(spec.abstract)", ""]
        if !spec.discussion.isEmpty { lines += [wrap(spec.discussion, width: 100), ""] }
        lines += [usage(spec).replacingPrefix("usage: ", with: "USAGE: "), ""]
        if !spec.arguments.isEmpty {
            lines.append("ARGUMENTS:")
            for argument in spec.arguments { lines.append(row("<\(argument.name)>", argument.help)) }
            lines.append("")
        }
        lines.append("OPTIONS:")
        for option in spec.allOptions {
            var left = "--\(option.name)"
            if let short = option.short { left = "-\(short), " + left }
            if option.takesValue { left += " <\(option.valueName)>" }
            var help = option.help
            if !option.choices.isEmpty { help += " (values: \(option.choices.joined(separator: ", ")))" }
            lines.append(row(left, help))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` broken into lines of at most `width` characters, at spaces.
    static func wrap(_ text: String, width: Int) -> String {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = String(word)
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n")
    }

    static func row(_ left: String, _ right: String) -> String {
        let column = 26
        let padded = "  " + left
        if padded.count < column - 1 {
            return padded + String(repeating: " ", count: column - padded.count) + right
        }
        return padded + "\n" + String(repeating: " ", count: column) + right
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
