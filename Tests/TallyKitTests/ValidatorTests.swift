import Testing
import TallyKit
import TallyFormats

@Suite("Validator")
struct ValidatorTests {
    let registry = EntityRegistry.standard
    let sysID = "0123456789abcdef0123456789abcdef"

    private func validate(
        _ entityName: String, _ names: [String], _ values: [String?], map: TransformMap? = nil
    ) throws -> [Finding] {
        let entity = try #require(registry.entity(named: entityName))
        let map = map ?? TransformMap(entity: entityName)
        let raw = RawRecord(names: names, values: values, provenance: Provenance(file: "x.csv", record: 4, line: 5))
        let mapped = try RecordMapper(map: map, entity: entity, header: names).map(raw)
        return Validator(entity: entity, map: map).validate(mapped)
    }

    @Test("a complete, consistent record has no findings")
    func clean() throws {
        let findings = try validate(
            "incident", ["sys_id", "number", "sys_updated_on", "opened_at", "resolved_at", "closed_at"],
            [sysID, "INC0010001", "2026-01-03 00:00:00", "2026-01-01 00:00:00", "2026-01-02 00:00:00", "2026-01-02 00:00:00"])
        #expect(findings == [])
    }

    @Test("the declared rules read like dbt's")
    func declaredRules() throws {
        let incident = try #require(registry.entity(named: "incident"))
        let rules = Validator(entity: incident).rules.map(\.description)
        #expect(rules.contains("not_null(number)"))
        #expect(rules.contains("not_null(sys_updated_on)"))
        #expect(rules.contains("accepted_values(state)"))
        #expect(rules.contains("pattern(sys_id, sysID)"))
        #expect(rules.contains("temporal_order(opened_at <= resolved_at <= closed_at)"))
        #expect(rules.last == "identifiable(sys_id | number)")
    }

    @Test("required: null is an error")
    func requiredNull() throws {
        let findings = try validate("incident", ["number", "sys_updated_on"], ["", "2026-01-01 00:00:00"])
        #expect(findings.map(\.rule) == [.required, .missingKey])
        #expect(findings.first?.message == "number is required but empty; fill it in the export (or map the column that holds it)")
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.provenance == Provenance(file: "x.csv", record: 4, line: 5))
    }

    @Test("required: an absent column is an error unless the record has a sys_id (a partial update)")
    func requiredAbsent() throws {
        let withoutSysID = try validate("incident", ["number"], ["INC0010001"])
        #expect(withoutSysID.map(\.rule) == [.required])
        #expect(withoutSysID.first?.field == "sys_updated_on")
        #expect(withoutSysID.first?.message == "sys_updated_on is required but the input has no column for it; add the column to the export or map the column that holds it")
        let partial = try validate("incident", ["sys_id", "short_description"], [sysID, "printer on fire"])
        #expect(partial == [])
    }

    @Test("the map can require more fields")
    func mapRequired() throws {
        let map = TransformMap(entity: "incident", required: ["caller_id"])
        let findings = try validate("incident", ["number", "sys_updated_on", "caller_id"],
                                    ["INC0010001", "2026-01-01 00:00:00", "?"], map: TransformMap(
                                        entity: "incident", nullTokens: ["?"], required: map.required))
        #expect(findings.map(\.rule) == [.required])
        #expect(findings.first?.field == "caller_id")
    }

    @Test("pattern: sys_id is 32 lowercase hex", arguments: [
        "0123456789ABCDEF0123456789abcdef", "0123456789abcdef", "0123456789abcdef0123456789abcdeg",
    ])
    func sysIDPattern(text: String) throws {
        let findings = try validate("incident", ["sys_id", "sys_updated_on"], [text, "2026-01-01 00:00:00"])
        #expect(findings.map(\.rule) == [.patternSysID])
        #expect(findings.first?.message == "sys_id '\(text)' is not a sys_id (32 lowercase hexadecimal characters); fix the row or leave the column out")
    }

    @Test("pattern: numbers carry the entity's prefix and 7 digits", arguments: [
        ("incident", "INC12345", "incident 'INC12345'", "an incident number (INC"),
        ("incident", "PRB0010001", "incident 'PRB0010001'", "an incident number (INC"),
        ("case", "CS00100O1", "case 'CS00100O1'", "a case number (CS"),
        ("change", "chg0010001", "change 'chg0010001'", "a change number (CHG"),
    ])
    func numberPattern(entity: String, number: String, _: String, phrase: String) throws {
        let findings = try validate(entity, ["number", "sys_updated_on"], [number, "2026-01-01 00:00:00"])
        #expect(findings.map(\.rule) == [.patternNumber])
        #expect(findings.first?.message.contains(phrase) == true)
        #expect(findings.first?.value == number)
    }

    @Test("good numbers pass", arguments: [("incident", "INC0010001"), ("request", "REQ0000001"),
                                           ("problem", "PRB12345678"), ("case", "CS0000001")])
    func goodNumbers(entity: String, number: String) throws {
        #expect(try validate(entity, ["number", "sys_updated_on"], [number, "2026-01-01 00:00:00"]) == [])
    }

    @Test("temporal order: opened ≤ resolved ≤ closed, checked across gaps")
    func temporalOrder() throws {
        let names = ["number", "sys_updated_on", "opened_at", "resolved_at", "closed_at"]
        let early = try validate("incident", names,
                                 ["INC0010001", "2026-01-09 00:00:00", "2026-01-05 00:00:00", "2026-01-04 00:00:00", ""])
        #expect(early.map(\.rule) == [.temporalOrder])
        #expect(early.first?.field == "resolved_at")
        #expect(early.first?.severity == .warning)  // the platform does not enforce it: the row lands
        #expect(early.first?.message == "resolved_at 2026-01-04 00:00:00 is before opened_at 2026-01-05 00:00:00, against the order opened_at ≤ resolved_at ≤ closed_at; check the dates at the source (or the map's timezone)")
        let skipping = try validate("incident", names,
                                    ["INC0010001", "2026-01-09 00:00:00", "2026-01-05 00:00:00", "", "2026-01-01 00:00:00"])
        #expect(skipping.map(\.field) == ["closed_at"])
        let equal = try validate("incident", names,
                                 ["INC0010001", "2026-01-09 00:00:00", "2026-01-05 00:00:00", "2026-01-05 00:00:00",
                                  "2026-01-05 00:00:00"])
        #expect(equal == [])
    }

    @Test("missing key: no sys_id and no business key rejects the record")
    func missingKey() throws {
        let task = try validate("problem", ["short_description", "sys_updated_on"], ["x", "2026-01-01 00:00:00"])
        #expect(task.map(\.rule) == [.required, .missingKey])
        #expect(task.last?.message == "the record cannot be identified: it has no sys_id or number; fill a key in the export or set the map's keys")
        #expect(task.last?.field == nil)

        let ci = try validate("ci", ["name", "sys_updated_on", "ip_address"], ["web-01", "2026-01-01 00:00:00", "10.0.0.1"])
        #expect(ci.map(\.rule) == [.required, .missingKey])
        #expect(ci.last?.message == "the record cannot be identified: it has no sys_id, serial_number + sys_class_name, name + sys_class_name or mac_address + sys_class_name; fill a key in the export or set the map's keys")

        let byMAC = try validate("ci", ["sys_id", "mac_address", "sys_updated_on"], ["", "00:11:22:33:44:55", "2026-01-01 00:00:00"])
        // name and sys_class_name, no sys_id to update by; and a MAC address identifies a CI only within its class.
        #expect(byMAC.map(\.rule) == [.required, .required, .missingKey])

        let rel = try validate("ci_relationship", ["parent", "child", "sys_updated_on"], ["a", "b", "2026-01-01 00:00:00"])
        #expect(rel.map(\.rule) == [.missingKey])
    }

    @Test("the map's keys replace the entity's identification rules")
    func mapKeys() throws {
        let map = TransformMap(entity: "ci", keys: [["asset_tag"]])
        let findings = try validate("ci", ["name", "sys_class_name", "sys_updated_on"],
                                    ["web-01", "cmdb_ci_server", "2026-01-01 00:00:00"], map: map)
        #expect(findings.map(\.rule) == [.missingKey])
        #expect(findings.first?.message.contains("it has no asset_tag;") == true)
    }

    @Test("typing findings come first, and a field that failed typing is not judged again")
    func typingFirst() throws {
        let findings = try validate("incident", ["number", "sys_updated_on", "opened_at"],
                                    ["INC0010001", "soon", "2026-01-01 00:00:00"])
        #expect(findings.map(\.rule) == [.typeDatetime])
        #expect(findings.first?.field == "sys_updated_on")
    }

    @Test("accepted_values catches a choice code that did not come through mapping")
    func acceptedValues() throws {
        let incident = try #require(registry.entity(named: "incident"))
        var values = [FieldValue?](repeating: nil, count: incident.fields.count)
        values[incident.index(ofField: "number")!] = .text("INC0010001")
        values[incident.index(ofField: "sys_updated_on")!] = .datetime("2026-01-01 00:00:00")
        values[incident.index(ofField: "state")!] = .integer(5)
        let raw = RawRecord(names: [], values: [], provenance: Provenance(file: "x", record: 1, line: 1))
        let record = MappedRecord(entity: "incident", values: values, provenance: raw.provenance, raw: raw)
        let findings = Validator(entity: incident).validate(record)
        #expect(findings.map(\.rule) == [.choice])
        #expect(findings.first?.message == "state '5' is not one of incident's state codes (1, 2, 3, 6, 7, 8); fix the row")
    }

    @Test("warnings do not reject; errors do")
    func severities() throws {
        let map = TransformMap(entity: "incident", unknown: .keep)
        let warned = try validate("incident", ["number", "sys_updated_on", "state"],
                                  ["INC0010001", "2026-01-01 00:00:00", "Sleeping"], map: map)
        #expect(warned.map(\.severity) == [.warning])
        #expect(!warned.rejects)
        let failed = try validate("incident", ["number", "sys_updated_on", "state"],
                                  ["INC0010001", "2026-01-01 00:00:00", "Sleeping"])
        #expect(failed.rejects)
    }

    @Test("a map changes a rule's severity: temporal order made an error rejects, a type error made a warning lands")
    func severityOverrides() throws {
        let names = ["number", "sys_updated_on", "opened_at", "resolved_at", "reopen_count"]
        let values: [String?] = ["INC0010001", "2026-01-09 00:00:00", "2026-01-05 00:00:00", "2026-01-04 00:00:00", "x"]
        let plain = try validate("incident", names, values)
        #expect(plain.map(\.severity) == [.error, .warning])  // type.integer, temporal_order
        var strict = TransformMap(entity: "incident")
        strict.severity = ["temporal_order": .error, "type": .warning]
        let changed = try validate("incident", names, values, map: strict)
        #expect(changed.map(\.rule) == [.typeInteger, .temporalOrder])
        #expect(changed.map(\.severity) == [.warning, .error])
    }

    @Test("a family made a warning leaves its rules that must stay errors: pattern.sys_id still rejects under \"pattern\": \"warning\"")
    func familyOverrideKeepsAlwaysErrors() throws {
        var map = TransformMap(entity: "incident")
        map.severity = ["pattern": .warning]
        let findings = try validate("incident", ["sys_id", "number", "sys_updated_on"],
                                    ["NOT-A-SYS-ID", "X-1", "2026-01-01 00:00:00"], map: map)
        let severities = Dictionary(findings.map { ($0.rule, $0.severity) }, uniquingKeysWith: { first, _ in first })
        #expect(severities[.patternNumber] == .warning)
        #expect(severities[.patternSysID] == .error)
        #expect(findings.rejects)
    }

    @Test("only a write rule made an error undoes writes row by row; naming a rule that is an error anyway does not")
    func escalation() throws {
        #expect(try SeverityPolicy(overrides: ["resolution": .error]).escalatesWriteRules)
        #expect(try !SeverityPolicy(overrides: ["ambiguous_match": .error, "sys_id_conflict": .error, "temporal_order": .error]).escalatesWriteRules)
    }

    @Test("severities a map cannot have stop the run before any row", arguments: [
        (["missing_key": Finding.Severity.warning], "severity: missing_key cannot be a warning"),
        (["identity.collision": .error], "severity: identity.collision cannot be an error"),
        (["temporal_ordr": .error], "severity: 'temporal_ordr' is not a rule"),
    ])
    func invalidSeverities(severity: [String: Finding.Severity], message: String) throws {
        var map = TransformMap(entity: "incident")
        map.severity = severity
        #expect { try RecordMapper(map: map, header: ["number"]) } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }
}
