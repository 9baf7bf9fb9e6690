import Foundation

/// A piece of HTML markup in which every interpolated `String` is escaped.
///
/// Literal text written in code is markup; a `String` interpolated into it (`"<td>\(value)</td>"`)
/// is data and comes out escaped, so a value such as `<script>alert(1)</script>` shows as text.
/// Only another ``HTML`` value is inserted as markup, so forgetting to escape takes an explicit
/// ``init(trusted:)``.
struct HTML: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    private(set) var markup: String

    /// Markup built by code (never data).
    init(trusted markup: String) { self.markup = markup }

    init(stringLiteral value: String) { markup = value }

    init(stringInterpolation: StringInterpolation) { markup = stringInterpolation.markup }

    static let empty = HTML(trusted: "")

    var description: String { markup }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(trusted: lhs.markup + rhs.markup) }

    static func += (lhs: inout HTML, rhs: HTML) { lhs.markup += rhs.markup }

    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, safe in element
    /// content and in double- or single-quoted attribute values. Control characters other than
    /// tab and newline become U+FFFD, which HTML would otherwise refuse.
    static func escape(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result.unicodeScalars.append("\u{FFFD}")
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) { markup += literal }

        /// Data: escaped.
        mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }

        /// Data that may be missing: escaped, and empty when nil.
        mutating func appendInterpolation(_ text: String?) { markup += HTML.escape(text ?? "") }

        mutating func appendInterpolation(_ html: HTML) { markup += html.markup }

        mutating func appendInterpolation(_ parts: [HTML]) {
            for part in parts { markup += part.markup }
        }

        mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) { markup += String(number) }

        /// A coordinate or length for SVG, with at most one decimal (stable text for stable pages).
        mutating func appendInterpolation(_ number: Double) { markup += HTML.number(number) }
    }

    /// `number` with one decimal, trailing `.0` dropped: `12`, `12.5`.
    static func number(_ number: Double) -> String {
        let tenths = (number * 10).rounded()
        guard tenths.isFinite else { return "0" }
        let whole = Int(tenths) / 10, fraction = abs(Int(tenths)) % 10
        let sign = tenths < 0 && whole == 0 ? "-" : ""
        return fraction == 0 ? sign + String(whole) : sign + String(whole) + "." + String(fraction)
    }
}

extension Array where Element == HTML {
    func joined(separator: HTML = .empty) -> HTML {
        var result = HTML.empty
        for (index, part) in enumerated() {
            if index > 0 { result += separator }
            result += part
        }
        return result
    }
}

extension DefaultStringInterpolation {
    /// Interpolating ``HTML`` into a plain `String` would lose track of what is markup (the
    /// string is escaped again wherever it lands), so it does not compile: build ``HTML`` instead.
    @available(*, unavailable, message: "interpolate HTML into HTML, not into a String")
    mutating func appendInterpolation(_ html: HTML) {}
}
