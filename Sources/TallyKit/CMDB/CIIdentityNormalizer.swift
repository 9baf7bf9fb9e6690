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
        return ASCIIBytes(value).map(serial) ?? serialUnicode(value)
    }

    static func serialUnicode(_ value: String) -> String? {
        var kept: [Character] = []
        for character in value.uppercased() where !" \t-_./:".contains(character) { kept.append(character) }
        let trimmed = kept.drop { $0 == "0" }
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    /// A MAC address in any notation (`00:11:22:aa:bb:cc`, `00-11-22-AA-BB-CC`, `0011.22aa.bbcc`,
    /// `001122aabbcc`): twelve lower-case hex digits; nil when it is not one MAC address.
    package static func mac(_ value: String?) -> String? {
        guard let value else { return nil }
        return ASCIIBytes(value).map(mac) ?? macUnicode(value)
    }

    static func macUnicode(_ value: String) -> String? {
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
        return ASCIIBytes(value).map(host) ?? hostUnicode(value)
    }

    static func hostUnicode(_ value: String) -> String? {
        let text = value.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty, ipv4(text) == nil else { return nil }
        let label = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        return label.isEmpty ? nil : label
    }

    /// An FQDN, whole: lower case, without a trailing dot; nil unless it has at least two labels.
    package static func fqdn(_ value: String?) -> String? {
        guard let value else { return nil }
        return ASCIIBytes(value).map(fqdn) ?? fqdnUnicode(value)
    }

    static func fqdnUnicode(_ value: String) -> String? {
        var text = value.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        guard text.contains("."), ipv4(text) == nil else { return nil }
        return text
    }

    /// An IP address: IPv4 without leading zeros in its octets (`010.001.002.003` → `10.1.2.3`),
    /// IPv6 in lower case; nil for anything else.
    package static func ip(_ value: String?) -> String? {
        guard let value else { return nil }
        return ASCIIBytes(value).map(ip) ?? ipUnicode(value)
    }

    static func ipUnicode(_ value: String) -> String? {
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

    // MARK: - ASCII values, byte by byte
    //
    // Almost every serial, MAC, name and address is ASCII: read as bytes it needs no Character,
    // no case mapping tables and no Foundation. Each gives what the function above gives
    // (`CIIdentityNormalizerTests` compares them on random values); other values take the above.

    /// The bytes of an ASCII value; nil when the value has any other character.
    struct ASCIIBytes {
        let bytes: [UInt8]
        init?(_ value: String) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(value.utf8.count)
            for byte in value.utf8 {
                guard byte < 0x80 else { return nil }
                bytes.append(byte)
            }
            self.bytes = bytes
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
    private static func upper(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte & ~0x20 : byte }
    private static func isHex(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte) }
    private static func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Without the spaces and tabs at either end, as `trimmingCharacters(in: .whitespaces)`.
    private static func trimmed(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
        return slice
    }

    private static func serial(_ value: ASCIIBytes) -> String? {
        let skipped: Set<UInt8> = [0x20, 0x09, 0x2D, 0x5F, 0x2E, 0x2F, 0x3A]  // " \t-_./:"
        let kept = value.bytes.lazy.filter { !skipped.contains($0) }.map(upper).drop { $0 == 0x30 }
        return kept.isEmpty ? nil : text(kept)
    }

    private static func mac(_ value: ASCIIBytes) -> String? {
        var digits: [UInt8] = []
        for byte in value.bytes {
            if byte == 0x3A || byte == 0x2D || byte == 0x2E || byte == 0x20 || byte == 0x09 { continue }
            guard isHex(byte) else { return nil }
            digits.append(lower(byte))
        }
        return digits.count == 12 ? text(digits) : nil
    }

    private static func host(_ value: ASCIIBytes) -> String? {
        let lowered = trimmed(value.bytes).map(lower)
        guard !lowered.isEmpty, ipv4(lowered[...]) == nil else { return nil }
        let label = lowered.prefix { $0 != 0x2E }
        return label.isEmpty ? nil : text(label)
    }

    private static func fqdn(_ value: ASCIIBytes) -> String? {
        var lowered = trimmed(value.bytes).map(lower)
        if lowered.last == 0x2E { lowered.removeLast() }
        guard lowered.contains(0x2E), ipv4(lowered[...]) == nil else { return nil }
        return text(lowered)
    }

    private static func ip(_ value: ASCIIBytes) -> String? {
        let stripped = trimmed(value.bytes)
        if let v4 = ipv4(stripped) { return v4 }
        let lowered = stripped.map(lower)
        guard lowered.contains(0x3A), lowered.allSatisfy({ isHex($0) || $0 == 0x3A || $0 == 0x2E }) else { return nil }
        return text(lowered)
    }

    private static func ipv4(_ bytes: ArraySlice<UInt8>) -> String? {
        let parts = bytes.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [String] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let number = Int(text(part)), (0...255).contains(number) else { return nil }
            octets.append(String(number))
        }
        return octets.joined(separator: ".")
    }
}
