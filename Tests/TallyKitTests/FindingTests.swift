import Foundation
import Testing
import TallyKit
import TallyFormats

@Suite("Finding")
struct FindingTests {
    let finding = Finding(
        severity: .error, rule: .typeInteger, field: "reopen_count",
        message: "reopen_count 'x' is not a whole number; fix the row", value: "x",
        provenance: Provenance(file: "data/in.csv", record: 7, line: 9))

    @Test("description: FILE:LINE: severity[rule] message")
    func description() {
        #expect(finding.description == "data/in.csv:9: error[type.integer] reopen_count 'x' is not a whole number; fix the row")
    }

    @Test("round-trips through JSON with the rule as a plain string")
    func codable() throws {
        let data = try JSONEncoder().encode(finding)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""rule":"type.integer""#))
        #expect(try JSONDecoder().decode(Finding.self, from: data) == finding)
    }

    @Test("rule ids are the stable names stored with rejects")
    func ruleIDs() {
        let ids: [RuleID] = [.required, .typeInteger, .typeBoolean, .typeDatetime, .choice, .patternSysID,
                             .patternNumber, .temporalOrder, .missingKey, .dstGap, .dstAmbiguous]
        #expect(ids.map(\.rawValue) == ["required", "type.integer", "type.boolean", "type.datetime", "choice",
                                        "pattern.sys_id", "pattern.number", "temporal_order", "missing_key",
                                        "dst_gap", "dst_ambiguous"])
        #expect(Finding.Severity.warning < .error)
    }
}
