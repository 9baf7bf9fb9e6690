/// Neutralises CSV cells a spreadsheet would run as formulas (OWASP's CSV-injection advice): a
/// cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`. A plain
/// number such as `-5`, `+3.5` or `-1e3` is data, not a formula, and is left alone.
package enum FormulaGuard {
    package static func neutralised(_ cell: String) -> String {
        guard let first = cell.utf8.first else { return cell }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "@"), 0x09, 0x0D:
            return "'" + cell
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            return isPlainNumber(cell) ? cell : "'" + cell
        default:
            return cell
        }
    }

    /// For a file that comes back (`tally rejects --format csv`, fed to `tally import`): guarded
    /// like ``neutralised(_:)``, and so is a cell whose leading `'`s hide a guarded start
    /// (`'=x` becomes `''=x`), so that ``unguarded(_:)`` gives every cell back exactly.
    package static func reversiblyNeutralised(_ cell: String) -> String {
        needsReversibleGuard(Substring(cell)) ? "'" + cell : cell
    }

    /// The cell ``reversiblyNeutralised(_:)`` was given.
    package static func unguarded(_ cell: String) -> String {
        cell.hasPrefix("'") && needsReversibleGuard(cell.dropFirst()) ? String(cell.dropFirst()) : cell
    }

    private static func needsReversibleGuard(_ cell: Substring) -> Bool {
        let rest = String(cell.drop { $0 == "'" })
        return neutralised(rest) != rest
    }

    /// Whether ``neutralised(_:)`` prefixes the cell whose UTF-8 is `bytes`.
    package static func needsGuard(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "@"), 0x09, 0x0D: return true
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return !isPlainNumber(bytes)
        default: return false
        }
    }

    /// `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`, nothing else.
    static func isPlainNumber(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isPlainNumber($0) }
    }

    static func isPlainNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var mantissa = digits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
