/// Finds where JSON text stops being valid, by line and column: Foundation's decoder says only
/// "The given data was not valid JSON", and a person editing a map or job file needs the place.
package enum JSONSyntax {
    /// The first syntax error: 1-based line and column (in characters), and what was wrong.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package var line: Int
        package var column: Int
        package var message: String
        package var description: String { "line \(line), column \(column): \(message)" }
    }

    /// The first syntax error in `bytes`, or nil when they are one valid JSON value.
    package static func firstProblem(in bytes: [UInt8]) -> Problem? {
        var scanner = Scanner(bytes: bytes)
        do throws(Problem) {
            scanner.skipSpace()
            try scanner.value(depth: 0)
            scanner.skipSpace()
            if scanner.index < bytes.count { throw scanner.problem("unexpected \(scanner.shown) after the end of the JSON value") }
            return nil
        } catch {
            return error
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark is not JSON, but editors write it; the decoder accepts it too.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        /// The current character as a person would name it.
        var shown: String {
            guard let byte = current else { return "end of file" }
            if byte < 0x20 { return "control character 0x\(String(byte, radix: 16))" }
            if byte >= 0x80 { return "character" }
            if byte == UInt8(ascii: "'") { return "\"'\"" }
            return "'\(Character(Unicode.Scalar(byte)))'"
        }

        /// A problem at the current position.
        func problem(_ message: String) -> Problem {
            var line = 1, column = 1
            for byte in bytes[..<min(index, bytes.count)] {
                if byte == UInt8(ascii: "\n") { line += 1; column = 1 }
                else if byte & 0xC0 != 0x80 { column += 1 }  // count characters, not continuation bytes
            }
            return Problem(line: line, column: column, message: message)
        }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        /// `true`, `false` or `null`; a misspelling is placed at its start.
        mutating func expect(_ literal: String) throws(Problem) {
            let start = index
            for byte in literal.utf8 {
                guard current == byte else {
                    index = start
                    throw problem("expected '\(literal)'")
                }
                index += 1
            }
        }

        mutating func value(depth: Int) throws(Problem) {
            guard depth < 512 else { throw problem("nested too deeply") }
            switch current {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try expect("true")
            case UInt8(ascii: "f"): try expect("false")
            case UInt8(ascii: "n"): try expect("null")
            case .some(let byte) where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
                try number()
            case nil: throw problem("the file ends where a value was expected")
            default:
                let hint = current == UInt8(ascii: "'") ? " (JSON strings take double quotes)" : ""
                throw problem("unexpected \(shown) where a value was expected\(hint)")
            }
        }

        mutating func object(depth: Int) throws(Problem) {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "}") { index += 1; return }
            while true {
                guard current == UInt8(ascii: "\"") else {
                    throw problem(current == nil ? "the file ends inside an object" : "expected a key in double quotes, found \(shown)")
                }
                try string()
                skipSpace()
                guard current == UInt8(ascii: ":") else { throw problem("expected ':' after the key, found \(shown)") }
                index += 1
                skipSpace()
                try value(depth: depth + 1)
                if try endOfItem(closedBy: "}", inside: "an object") { return }
            }
        }

        mutating func array(depth: Int) throws(Problem) {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                if try endOfItem(closedBy: "]", inside: "a list") { return }
            }
        }

        /// After an object's member or a list's element: true when `close` ended the container
        /// (right away or after a trailing comma, which Foundation's decoder takes), false after a comma.
        mutating func endOfItem(closedBy close: Unicode.Scalar, inside container: String) throws(Problem) -> Bool {
            skipSpace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipSpace()
                guard current == UInt8(ascii: close) else { return false }
                index += 1
                return true
            case UInt8(ascii: close):
                index += 1
                return true
            case nil: throw problem("the file ends inside \(container) (a '\(close)' is missing)")
            default: throw problem("expected ',' or '\(close)' after a value, found \(shown)")
            }
        }

        mutating func string() throws(Problem) {
            let start = index
            index += 1
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { break }
                    if escaped == UInt8(ascii: "u") {
                        for _ in 0..<4 {
                            index += 1
                            guard let hex = current, (hex >= 0x30 && hex <= 0x39) || (hex | 0x20 >= 0x61 && hex | 0x20 <= 0x66) else {
                                throw problem("'\\u' needs four hexadecimal digits")
                            }
                        }
                    } else if !Array(#""\/bfnrt"#.utf8).contains(escaped) {
                        throw problem("unknown escape '\\\(Character(Unicode.Scalar(escaped)))' in a string")
                    }
                    index += 1
                case 0x00..<0x20:
                    throw problem(byte == 0x0A ? "a line break inside a string (is a closing '\"' missing?)" : "a control character inside a string")
                default:
                    index += 1
                }
            }
            index = start
            throw problem("a string that is never closed (a '\"' is missing)")
        }

        mutating func number() throws(Problem) {
            func digits() -> Int {
                var count = 0
                while let byte = current, byte >= 0x30 && byte <= 0x39 { index += 1; count += 1 }
                return count
            }
            if current == UInt8(ascii: "-") { index += 1 }
            if current == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw problem("a number needs digits") }
            if current == UInt8(ascii: ".") {
                index += 1
                if digits() == 0 { throw problem("a number needs digits after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                if digits() == 0 { throw problem("a number needs digits in its exponent") }
            }
        }
    }
}
