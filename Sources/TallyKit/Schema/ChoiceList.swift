/// The accepted values of a choice field: codes with their display labels, in display order.
///
/// Lookups accept a code (`"2"`), a label (`"High"`, case-insensitive, trimmed) or the
/// `"N - Label"` form exports use (`"2 - High"` → `2`, when `N` is one of the codes). Any dash
/// (`-`, `–`, `—`) matches any other, as spreadsheets and list views swap them.
package struct ChoiceList: Sendable, Hashable {
    /// Whether the stored codes are integers (`state = 2`) or text (`type = normal`).
    package enum CodeKind: String, Sendable, Hashable, Codable {
        case integer
        case text
    }

    /// One accepted value. `code` is the stored value's canonical text (`"-5"`, `"normal"`).
    package struct Choice: Sendable, Hashable {
        package var code: String
        package var label: String
        /// Other labels exports use for it (a list view's `Pending Approval` for `requested`).
        package var aliases: [String]

        package init(code: String, label: String, aliases: [String] = []) {
            self.code = code
            self.label = label
            self.aliases = aliases
        }
    }

    package let kind: CodeKind
    package let choices: [Choice]
    /// A list each instance extends (the CMDB's classes): a value that is none of its codes or
    /// labels is kept as it came, with no finding, so the store holds what the platform holds.
    package let isOpen: Bool
    private let byCode: [String: Int]
    private let byFoldedText: [String: Int]

    /// Integer-coded choices, e.g. `[(1, "New"), (2, "In Progress")]`.
    package init(_ pairs: [(Int, String)], aliases: [Int: [String]] = [:]) {
        self.init(kind: .integer, choices: pairs.map { Choice(code: String($0.0), label: $0.1, aliases: aliases[$0.0] ?? []) })
    }

    /// Text-coded choices, e.g. `[("normal", "Normal")]`.
    package init(text pairs: [(String, String)], aliases: [String: [String]] = [:], open: Bool = false) {
        self.init(kind: .text, choices: pairs.map { Choice(code: $0.0, label: $0.1, aliases: aliases[$0.0] ?? []) }, open: open)
    }

    package init(kind: CodeKind, choices: [Choice], open: Bool = false) {
        self.kind = kind
        self.choices = choices
        self.isOpen = open
        var byCode: [String: Int] = [:]
        var byFolded: [String: Int] = [:]
        for (index, choice) in choices.enumerated() {
            precondition(kind == .text || Int64(choice.code) != nil, "integer choice code '\(choice.code)'")
            precondition(byCode[choice.code] == nil, "duplicate choice code '\(choice.code)'")
            byCode[choice.code] = index
            if byFolded[ChoiceList.fold(choice.code)] == nil { byFolded[ChoiceList.fold(choice.code)] = index }
        }
        for (index, choice) in choices.enumerated() where byFolded[ChoiceList.fold(choice.label)] == nil {
            byFolded[ChoiceList.fold(choice.label)] = index
        }
        for (index, choice) in choices.enumerated() {
            for alias in choice.aliases where byFolded[ChoiceList.fold(alias)] == nil { byFolded[ChoiceList.fold(alias)] = index }
        }
        self.byCode = byCode
        self.byFoldedText = byFolded
    }

    /// The choice whose code or label is `text`, or whose code is `N` in `"N - Label"`; `nil` if none.
    ///
    /// Codes win over labels, so a label that spells another choice's code cannot shadow it.
    package func choice(matching text: String) -> Choice? {
        if let index = byCode[text] { return choices[index] }
        let folded = ChoiceList.fold(text)
        if let index = byFoldedText[folded] { return choices[index] }
        // "2 - High": the part before " - " must be a code.
        if let dash = folded.firstRange(of: " - ") {
            let head = String(folded[..<dash.lowerBound]).trimmingSpaces()
            if let index = byCode[head] { return choices[index] }
        }
        return nil
    }

    /// The choice with exactly this code.
    package func choice(code: String) -> Choice? {
        byCode[code].map { choices[$0] }
    }

    /// The labels in display order, for messages: `New, In Progress, On Hold, …`.
    package var labelSummary: String {
        choices.map(\.label).joined(separator: ", ")
    }

    /// Lowercased and trimmed, en and em dashes read as `-`: the key for lookups that ignore case.
    static func fold(_ text: String) -> String {
        let folded = text.trimmingSpaces().lowercased()
        guard folded.utf8.contains(0xE2) else { return folded }  // the lead byte of U+2013 and U+2014
        let utf8 = Array(folded.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            if utf8[index] == 0xE2, index + 2 < utf8.count, utf8[index + 1] == 0x80, utf8[index + 2] == 0x93 || utf8[index + 2] == 0x94 {
                bytes.append(UInt8(ascii: "-"))
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    package static func == (lhs: ChoiceList, rhs: ChoiceList) -> Bool {
        lhs.kind == rhs.kind && lhs.choices == rhs.choices && lhs.isOpen == rhs.isOpen
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(choices)
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs, carriage returns and newlines.
    func trimmingSpaces() -> String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return self }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        if !isSpace(first) && !isSpace(last) { return self }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(self[start..<end])
    }
}
