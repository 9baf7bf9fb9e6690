/// A compiled date-time format such as `d/M/yyyy H:mm` or `yyyy-MM-dd'T'HH:mm:ss'Z'`.
///
/// Tokens: `yyyy` (4-digit year), `yy` (2000 + 2 digits), `M`/`d`/`H`/`h` (1 or 2 digits),
/// `MM`/`dd`/`HH`/`hh`/`mm`/`ss` (exactly 2 digits), `SSS` (fraction of a second, 1–9 digits,
/// truncated), `a` (AM/PM, any case, needs `h`/`hh`). Text in single quotes is literal (`''` is a
/// quote); any other non-letter character is literal. A pattern ending in a literal `Z` is read
/// as UTC whatever the map's time zone says.
package struct DateTimePattern: Sendable, Hashable, CustomStringConvertible {
    enum Component: Sendable, Hashable {
        case year, year2, month, day, hour24, hour12, minute, second, fraction
    }

    enum Token: Sendable, Hashable {
        case number(Component, minDigits: Int, maxDigits: Int)
        case ampm
        case literal([UInt8])
    }

    /// Each token's letters and what they read, in the order an error lists them: `M`/`d`/`H`/`h`
    /// take 1 or 2 digits, doubled exactly 2.
    private static let tokenTable: [(letters: String, token: Token)] = {
        var table: [(letters: String, token: Token)] = [("yyyy", .number(.year, minDigits: 4, maxDigits: 4)), ("yy", .number(.year2, minDigits: 2, maxDigits: 2))]
        for (letter, component) in [("M", Component.month), ("d", .day), ("H", .hour24), ("h", .hour12)] {
            table += [(letter, .number(component, minDigits: 1, maxDigits: 2)), (letter + letter, .number(component, minDigits: 2, maxDigits: 2))]
        }
        return table + [("mm", .number(.minute, minDigits: 2, maxDigits: 2)), ("ss", .number(.second, minDigits: 2, maxDigits: 2)),
                        ("SSS", .number(.fraction, minDigits: 1, maxDigits: 9)), ("a", .ampm)]
    }()

    /// The pattern as written.
    package let text: String
    let tokens: [Token]
    /// Whether the pattern's text says the time is UTC (a trailing literal `Z`).
    package let isUTC: Bool
    /// Whether the pattern has a time of day (a date-only pattern means midnight local time).
    package let hasTime: Bool

    /// The error a malformed pattern throws, with a sentence naming the problem.
    package struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        package var pattern: String
        package var reason: String
        package var description: String { "date format '\(pattern)' is not valid: \(reason)" }
    }

    package init(_ text: String) throws(Invalid) {
        var tokens: [Token] = []
        var literal: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func flushLiteral() {
            if !literal.isEmpty { tokens.append(.literal(literal)); literal = [] }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "'") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") {
                    literal.append(byte)
                    index += 2
                    continue
                }
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "'") { end += 1 }
                guard end < bytes.count else { throw Invalid(pattern: text, reason: "a quote is not closed") }
                literal.append(contentsOf: bytes[(index + 1)..<end])
                index = end + 1
                continue
            }
            let isLetter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            guard isLetter else {
                literal.append(byte)
                index += 1
                continue
            }
            var run = 1
            while index + run < bytes.count, bytes[index + run] == byte { run += 1 }
            let letters = String(decoding: bytes[index..<(index + run)], as: UTF8.self)
            guard let token = Self.tokenTable.first(where: { $0.letters == letters })?.token else {
                throw Invalid(pattern: text, reason: "'\(letters)' is not a token (use \(Self.tokenTable.map(\.letters).joined(separator: ", ")); "
                    + "put literal letters in single quotes)")
            }
            flushLiteral()
            tokens.append(token)
            index += run
        }
        flushLiteral()

        func has(_ component: Component) -> Bool {
            tokens.contains { if case .number(component, _, _) = $0 { true } else { false } }
        }
        guard has(.year) || has(.year2), has(.month), has(.day) else {
            throw Invalid(pattern: text, reason: "it needs a year, a month and a day")
        }
        let hasAMPM = tokens.contains(.ampm)
        if has(.hour12) != hasAMPM {
            throw Invalid(pattern: text, reason: "h/hh (12-hour clock) and a (AM/PM) go together")
        }
        if has(.hour24) && has(.hour12) {
            throw Invalid(pattern: text, reason: "it has both a 24-hour and a 12-hour hour")
        }
        if (has(.second) || has(.minute)) && !(has(.hour24) || has(.hour12)) {
            throw Invalid(pattern: text, reason: "minutes or seconds without an hour")
        }
        self.text = text
        self.tokens = tokens
        if case .literal(let last)? = tokens.last, last.last == UInt8(ascii: "Z") {
            isUTC = true
        } else {
            isUTC = false
        }
        hasTime = has(.hour24) || has(.hour12)
    }

    package var description: String { text }
}
