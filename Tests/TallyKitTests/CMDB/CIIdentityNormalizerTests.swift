import Testing
import TestSupport
@testable import TallyKit

/// Each spelling a real CMDB holds, one case at a time, against the key it must meet under.
@Suite("CI identity normalisation")
struct CIIdentityNormalizerTests {
    @Test(arguments: [
        ("ABC-123", "ABC123"), ("abc 123", "ABC123"), ("  abc-123 ", "ABC123"), ("000ABC123", "ABC123"),
        ("J3-02F-4DB", "J302F4DB"), ("dl_4x7.q2", "DL4X7Q2"), ("a/b:c", "ABC"), ("0", nil), ("0000", nil),
        ("", nil), ("- -", nil), ("10203", "10203"), ("00010203", "10203"),
    ] as [(String, String?)])
    func serial(_ raw: String, _ key: String?) {
        #expect(CIIdentityNormalizer.serial(raw) == key)
    }

    @Test(arguments: [
        ("00:11:22:AA:BB:CC", "001122aabbcc"), ("00-11-22-aa-bb-cc", "001122aabbcc"), ("0011.22aa.bbcc", "001122aabbcc"),
        ("001122AABBCC", "001122aabbcc"), (" 00 11 22 aa bb cc ", "001122aabbcc"), ("3C5282-00AA17", "3c528200aa17"),
        ("00:11:22:aa:bb", nil), ("00:11:22:aa:bb:cc:dd", nil), ("00:11:22:aa:bb:zz", nil), ("", nil),
    ] as [(String, String?)])
    func mac(_ raw: String, _ key: String?) {
        #expect(CIIdentityNormalizer.mac(raw) == key)
    }

    @Test(arguments: [
        ("web01", "web01"), ("WEB01.corp.example.com", "web01"), (" Web01 ", "web01"), ("web01.", "web01"),
        ("10.1.2.3", nil), ("", nil), (".corp", nil),
    ] as [(String, String?)])
    func host(_ raw: String, _ key: String?) {
        #expect(CIIdentityNormalizer.host(raw) == key)
    }

    @Test(arguments: [
        ("WEB01.Corp.Example.com", "web01.corp.example.com"), ("web01.corp.example.com.", "web01.corp.example.com"),
        ("web01", nil), ("10.1.2.3", nil), ("", nil),
    ] as [(String, String?)])
    func fqdn(_ raw: String, _ key: String?) {
        #expect(CIIdentityNormalizer.fqdn(raw) == key)
    }

    @Test(arguments: [
        ("10.20.3.4", "10.20.3.4"), ("010.020.003.004", "10.20.3.4"), (" 10.0.0.1 ", "10.0.0.1"),
        ("FE80::1", "fe80::1"), ("256.1.1.1", nil), ("10.1.1", nil), ("10.1.1.1.1", nil), ("web01", nil), ("", nil),
    ] as [(String, String?)])
    func ip(_ raw: String, _ key: String?) {
        #expect(CIIdentityNormalizer.ip(raw) == key)
    }

    /// An ASCII value is read byte by byte; it must give what the Character-by-Character reading
    /// (kept for other values) gives. Random values over the characters that matter: digits, hex
    /// letters in both cases, the separators, spaces, tabs, line ends, signs and other letters.
    @Test func theASCIIPathGivesWhatTheUnicodePathGives() {
        var generator = SeededGenerator(seed: 28)
        let alphabet = Array("0123456789abcdefABCDEFxyzXYZ:-._/ \t\r\n+,")
        let shapes: [[Character]] = [alphabet, Array("0123456789."), Array("0123456789abcdefABCDEF:.- "), Array("abcWEB01.-")]
        for round in 0..<20_000 {
            let pool = shapes[round % shapes.count]
            let value = String((0..<Int.random(in: 0...20, using: &generator)).map { _ in pool.randomElement(using: &generator)! })
            #expect(CIIdentityNormalizer.serial(value) == CIIdentityNormalizer.serialUnicode(value), "serial \(value.debugDescription)")
            #expect(CIIdentityNormalizer.mac(value) == CIIdentityNormalizer.macUnicode(value), "mac \(value.debugDescription)")
            #expect(CIIdentityNormalizer.host(value) == CIIdentityNormalizer.hostUnicode(value), "host \(value.debugDescription)")
            #expect(CIIdentityNormalizer.fqdn(value) == CIIdentityNormalizer.fqdnUnicode(value), "fqdn \(value.debugDescription)")
            #expect(CIIdentityNormalizer.ip(value) == CIIdentityNormalizer.ipUnicode(value), "ip \(value.debugDescription)")
        }
        // A value with another character takes the Unicode path: `ÿ` upper-cases to `Ÿ`.
        #expect(CIIdentityNormalizer.serial("ab-ÿ") == "ABŸ")
    }
}
