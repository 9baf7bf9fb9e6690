import Foundation

/// How CI identity values are brought to one spelling before they are compared, so that
/// `ABC-123` and `abc 123`, `00:11:22:AA:BB:CC` and `0011.22aa.bbcc`, `web01` and
/// `WEB01.corp.example.com` meet under one key. Each function returns nil for a value that
/// cannot identify anything (empty, or not of its kind).
package enum CIIdentityNormalizer {
    /// A serial number: upper case, without spaces, dashes, dots, underscores or slashes, and
    /// without leading zeros (`0ABC-0123` → `ABC0123`); nil when nothing is left.
    package static func serial(_ value: String?) -> String? {
        guard let value else { return nil }
        var kept: [Character] = []
        for character in value.uppercased() where !" \t-_./:".contains(character) { kept.append(character) }
        let trimmed = kept.drop { $0 == "0" }
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    /// A MAC address in any notation (`00:11:22:aa:bb:cc`, `00-11-22-AA-BB-CC`, `0011.22aa.bbcc`,
    /// `001122aabbcc`): twelve lower-case hex digits; nil when it is not one MAC address.
    package static func mac(_ value: String?) -> String? {
        guard let value else { return nil }
        var digits: [Character] = []
        for character in value.lowercased() {
            if ":-. \t".contains(character) { continue }
            guard character.isHexDigit else { return nil }
            digits.append(character)
        }
        return digits.count == 12 ? String(digits) : nil
    }

    /// The host a CI name or FQDN names: its first label, lower case (`WEB01.corp.example.com`
    /// → `web01`); nil for an empty value. An IPv4 address is no host name.
    package static func host(_ value: String?) -> String? {
        guard let value else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty, ipv4(text) == nil else { return nil }
        let label = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        return label.isEmpty ? nil : label
    }

    /// An FQDN, whole: lower case, without a trailing dot; nil unless it has at least two labels.
    package static func fqdn(_ value: String?) -> String? {
        guard let value else { return nil }
        var text = value.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        guard text.contains("."), ipv4(text) == nil else { return nil }
        return text
    }

    /// An IP address: IPv4 without leading zeros in its octets (`010.001.002.003` → `10.1.2.3`),
    /// IPv6 in lower case; nil for anything else.
    package static func ip(_ value: String?) -> String? {
        guard let value else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces)
        if let v4 = ipv4(text) { return v4 }
        let lower = text.lowercased()
        guard lower.contains(":"), lower.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        return lower
    }

    private static func ipv4(_ text: String) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [String] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let number = Int(part), (0...255).contains(number) else { return nil }
            octets.append(String(number))
        }
        return octets.joined(separator: ".")
    }
}
