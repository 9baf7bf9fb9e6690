import Foundation
import Testing
import TallyFormats
import TestSupport

/// JSONTestSuite (nst/JSONTestSuite, test_parsing): each document wrapped as a field value,
/// `[{"f": DOCUMENT}]`. `y_` must give one record, `n_` an issue (never a crash or a hang),
/// `i_` what ``JSONRecordReader`` documents.
@Suite("JSONTestSuite conformance")
struct JSONTestSuiteConformanceTests {
    static let folder = Paths.testData("conformance/JSONTestSuite/test_parsing")

    static func documents(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    /// The implementation-defined cases this reader accepts; every other `i_` case is rejected.
    /// Accepted: numbers of any size or exponent (kept as their literal text, never converted) and
    /// 500 nested arrays (within `maxDepth` 512). Rejected: lone or inverted surrogates in `\u`
    /// escapes (a Swift String cannot hold them, and replacing them would change the data),
    /// invalid or overlong UTF-8, UTF-16 and Latin-1 text, and a byte order mark anywhere but the
    /// start of the input.
    static let acceptedImplementationDefined: Set<String> = [
        "i_number_double_huge_neg_exp.json", "i_number_huge_exp.json", "i_number_neg_int_huge_exp.json",
        "i_number_pos_double_huge_exp.json", "i_number_real_neg_overflow.json",
        "i_number_real_pos_overflow.json", "i_number_real_underflow.json", "i_number_too_big_neg_int.json",
        "i_number_too_big_pos_int.json", "i_number_very_big_negative_int.json",
        "i_structure_500_nested_arrays.json",
    ]

    static func accepts(_ name: String) throws -> Bool {
        let document = try #require(FileManager.default.contents(atPath: folder + "/" + name))
        let wrapped = Array(#"[{"f": "#.utf8) + Array(document) + Array("}]".utf8)
        let events = JSONRecordReader(source: MemoryByteSource(wrapped, name: name)).readAll()
        let records = events.filter { if case .record = $0 { true } else { false } }
        return records.count == 1 && events.count == 1
    }

    @Test func suiteIsPresent() {
        #expect(Self.documents("y_").count == 95)
        #expect(Self.documents("n_").count == 188)
        #expect(Self.documents("i_").count == 35)
    }

    @Test(arguments: documents("y_"))
    func acceptsValid(_ name: String) throws {
        #expect(try Self.accepts(name), "\(name) must be accepted")
    }

    @Test(arguments: documents("n_"))
    func rejectsInvalid(_ name: String) throws {
        #expect(try !Self.accepts(name), "\(name) must be rejected")
    }

    @Test(arguments: documents("i_"))
    func implementationDefined(_ name: String) throws {
        #expect(try Self.accepts(name) == Self.acceptedImplementationDefined.contains(name), "\(name)")
    }

    @Test func numbersKeepTheirLiteralText() throws {
        let events = JSONRecordReader(source: MemoryByteSource(#"[{"f": 123123e100000, "g": -1e+9999}]"#)).readAll()
        guard case .record(let record) = try #require(events.first) else { Issue.record("no record"); return }
        #expect(record["f"] == "123123e100000")
        #expect(record["g"] == "-1e+9999")
    }
}
