import Foundation
import Testing
import TallyKit
import TallyFormats

@Suite("RecordMapper")
struct RecordMapperTests {
    let incident = EntityRegistry.standard.entity(named: "incident")!

    private func record(_ names: [String], _ values: [String?], line: Int = 2) -> RawRecord {
        RawRecord(names: names, values: values, provenance: Provenance(file: "in.csv", record: line - 1, line: line))
    }

    private func mapOne(
        _ map: TransformMap, _ names: [String], _ values: [String?]
    ) throws -> MappedRecord {
        try RecordMapper(map: map, header: names).map(record(names, values))
    }

    private func value(_ mapped: MappedRecord, _ field: String) -> FieldValue? {
        mapped.value(of: field, in: incident)
    }

    @Test("a plain export maps by field names and display labels, with no map file")
    func defaultMapByNameAndLabel() throws {
        let names = ["Number", "state", "PRIORITY", "Updated", "Active", "Updates", "Caller", "Made SLA"]
        let mapped = try mapOne(TransformMap.default(for: incident), names,
                                ["INC0010001", "In Progress", "2 - High", "2026-01-02 03:04:05", "true", "4",
                                 "Jo Bloggs", "no"])
        #expect(mapped.findings == [])
        #expect(mapped.extra == [])
        #expect(value(mapped, "number") == .text("INC0010001"))
        #expect(value(mapped, "state") == .integer(2))
        #expect(value(mapped, "priority") == .integer(2))
        #expect(value(mapped, "sys_updated_on") == .datetime("2026-01-02 03:04:05"))
        #expect(value(mapped, "active") == .boolean(true))
        #expect(value(mapped, "sys_mod_count") == .integer(4))
        // A name, not a sys_id: the display value, beside the reference (which stays unset).
        #expect(value(mapped, "caller_id") == nil)
        #expect(value(mapped, "caller_id_display") == .text("Jo Bloggs"))
        #expect(value(mapped, "made_sla") == .boolean(false))
        #expect(mapped.values.count == incident.fields.count)
        #expect(mapped.values.compactMap { $0 }.count == names.count)
        #expect(mapped.entity == "incident")
        #expect(mapped.provenance.line == 2)
    }

    @Test("a reference to a table Tally does not load keeps the sys_id; a display value goes beside it")
    func externalReferenceDisplayValues() throws {
        let sysID = "5137153cc611227c000bbd1bd8cd2005"
        let names = ["number", "caller_id", "assigned_to", "assignment_group", "opened_by", "opened_by.display_value"]
        let mapper = try RecordMapper(map: TransformMap(entity: "incident"), header: names)
        // A list view's name, a sys_id alone, an empty reference, and a {"display_value", "value"} pair.
        let mapped = mapper.map(record(names, ["INC0000001", "David Miller", sysID, "", sysID, "Ann Lee"]))
        #expect(mapped.findings == [])
        #expect(value(mapped, "caller_id") == nil)  // never overwrites a stored sys_id
        #expect(value(mapped, "caller_id_display") == .text("David Miller"))
        #expect(value(mapped, "assigned_to") == .text(sysID))
        #expect(value(mapped, "assigned_to_display") == nil)
        #expect(value(mapped, "assignment_group") == .null)
        #expect(value(mapped, "assignment_group_display") == .null)
        #expect(value(mapped, "opened_by") == .text(sysID))
        #expect(value(mapped, "opened_by_display") == .text("Ann Lee"))
        // Every entity's external references get a display field, from the registry.
        for entity in EntityRegistry.standard.entities {
            for field in entity.fields where field.externalTable != nil {
                #expect(entity.field(named: field.name + "_display")?.type == .text, "\(entity.name).\(field.name)")
            }
        }
        #expect(EntityRegistry.standard.entity(named: "ci")?.field(named: "owned_by")?.displayField == "owned_by_display")
    }

    @Test("a column absent from the input is nil (leave alone); present but empty is null")
    func absentVersusEmpty() throws {
        let mapped = try mapOne(TransformMap(entity: "incident"), ["number", "short_description", "priority"],
                                ["INC0010001", "", ""])
        #expect(value(mapped, "short_description") == .null)
        #expect(value(mapped, "priority") == .null)
        #expect(value(mapped, "description") == nil)
        #expect(value(mapped, "assigned_to") == nil)
    }

    @Test("empty: keep treats empty values as absent; a format null is still null")
    func emptyKeep() throws {
        var map = TransformMap(entity: "incident", empty: .keep)
        map.columns["Notes"] = .init(field: "close_notes", empty: .null)
        let mapped = try mapOne(map, ["number", "short_description", "Notes", "description"],
                                ["INC0010001", "  ", "", nil])
        #expect(value(mapped, "short_description") == nil)
        #expect(value(mapped, "close_notes") == .null)
        #expect(value(mapped, "description") == .null)
    }

    @Test("text stays verbatim: leading zeros, long numbers and spaces survive")
    func textVerbatim() throws {
        let mapped = try mapOne(TransformMap(entity: "incident"), ["number", "short_description", "category"],
                                ["INC0010001", " 007 ", "123456789012345678901234567890"])
        #expect(value(mapped, "short_description") == .text(" 007 "))
        #expect(value(mapped, "category") == .text("123456789012345678901234567890"))
    }

    @Test("booleans: true/false, 1/0, yes/no in any case", arguments: [
        ("true", true), ("FALSE", false), ("1", true), ("0", false), ("Yes", true), ("no", false), (" TRUE ", true),
    ])
    func booleans(text: String, flag: Bool) throws {
        let mapped = try mapOne(TransformMap(entity: "incident"), ["active"], [text])
        #expect(value(mapped, "active") == .boolean(flag))
        #expect(mapped.findings.isEmpty)
    }

    @Test("typing errors are findings with a sentence, and leave the field unset", arguments: [
        ("reopen_count", "three", RuleID.typeInteger, "reopen_count 'three' is not a whole number; fix the row, or add the token to the map's null_tokens"),
        ("reopen_count", "99999999999999999999", RuleID.typeInteger, "reopen_count '99999999999999999999' is not a whole number; fix the row, or add the token to the map's null_tokens"),
        ("active", "maybe", RuleID.typeBoolean, "active 'maybe' is not a boolean (true/false, 1/0, yes/no); fix the row"),
        ("opened_at", "yesterday", RuleID.typeDatetime, "opened_at 'yesterday' is not a date in any of the formats yyyy-MM-dd HH:mm:ss, yyyy-MM-dd'T'HH:mm:ss'Z', yyyy-MM-dd; fix the row or the map's date formats"),
        ("opened_at", "2026-02-30 10:00:00", RuleID.typeDatetime, "opened_at '2026-02-30 10:00:00' has day 30, but February 2026 has 28 days; fix the row or the map's date formats"),
        ("state", "Sleeping", RuleID.choice, "state 'Sleeping' is not one of incident's states (New, In Progress, On Hold, Resolved, Closed, Canceled); add it to the map's choices or fix the row"),
        ("priority", "9 - Urgent", RuleID.choice, "priority '9 - Urgent' is not one of incident's priority values (Critical, High, Moderate, Low, Planning); add it to the map's choices or fix the row"),
    ])
    func typingErrors(field: String, text: String, rule: RuleID, message: String) throws {
        let mapped = try mapOne(TransformMap(entity: "incident"), ["number", field], ["INC0010001", text])
        #expect(mapped.findings == [Finding(severity: .error, rule: rule, field: field, message: message, value: text,
                                            provenance: Provenance(file: "in.csv", record: 1, line: 2))])
        #expect(value(mapped, field) == nil)
    }

    /// A legacy source: day-first dates in London time, `?` for null, its own state words.
    private func legacyMap(unknown: TransformMap.UnknownChoice) -> TransformMap {
        TransformMap(
            entity: "incident", source: "legacy", nullTokens: ["?"], timezone: "Europe/London",
            dateFormats: ["d/M/yyyy HH:mm"],
            columns: [
                "Ref": .init(field: "number"),
                "Status": .init(field: "state", choices: ["Open": .integer(1), "Working": .integer(2), "Parked": .null],
                                unknown: unknown),
                "Logged": .init(field: "opened_at"),
                "Fixed": .init(field: "resolved_at", formats: ["yyyy-MM-dd HH:mm"], timezone: "UTC"),
            ],
            constants: ["contact_type": .string("phone"), "reopen_count": .integer(0)])
    }

    private let legacyHeader = ["Ref", "Status", "Logged", "Fixed", "Caller"]

    @Test("a custom map: day-first dates in a zone, per-column formats, ? as null, choices, constants")
    func customMap() throws {
        let mapper = try RecordMapper(map: legacyMap(unknown: .reject), header: legacyHeader)
        let summer = mapper.map(record(legacyHeader, ["INC0000001", "working", "5/7/2026 09:30", "2026-07-05 10:00", "?"]))
        #expect(summer.findings == [])
        #expect(value(summer, "number") == .text("INC0000001"))
        #expect(value(summer, "state") == .integer(2))
        #expect(value(summer, "opened_at") == .datetime("2026-07-05 08:30:00"))
        #expect(value(summer, "resolved_at") == .datetime("2026-07-05 10:00:00"))
        #expect(value(summer, "caller_id") == .null)
        #expect(value(summer, "contact_type") == .text("phone"))
        #expect(value(summer, "reopen_count") == .integer(0))

        let winter = mapper.map(record(legacyHeader, ["INC0000002", "Parked", "05/01/2026 09:30", "?", "Ann"]))
        #expect(winter.findings == [])
        #expect(value(winter, "state") == .null)
        #expect(value(winter, "opened_at") == .datetime("2026-01-05 09:30:00"))
        #expect(value(winter, "resolved_at") == .null)

        // The field's own codes and labels still work beside the map's words.
        let coded = mapper.map(record(legacyHeader, ["INC0000003", "6", "1/1/2026 00:00", "?", "?"]))
        #expect(value(coded, "state") == .integer(6))
        let labelled = mapper.map(record(legacyHeader, ["INC0000004", "On Hold", "1/1/2026 00:00", "?", "?"]))
        #expect(value(labelled, "state") == .integer(3))
    }

    @Test("unknown choices: reject is an error, keep and null are warnings")
    func unknownChoices() throws {
        let row = ["INC0000001", "Sleeping", "5/7/2026 09:30", "?", "?"]
        let rejected = try RecordMapper(map: legacyMap(unknown: .reject), header: legacyHeader).map(record(legacyHeader, row))
        #expect(rejected.findings.map(\.severity) == [.error])
        #expect(rejected.findings.first?.rule == .choice)
        #expect(value(rejected, "state") == nil)

        let kept = try RecordMapper(map: legacyMap(unknown: .keep), header: legacyHeader).map(record(legacyHeader, row))
        #expect(kept.findings.map(\.severity) == [.warning])
        #expect(kept.findings.first?.message == "state 'Sleeping' is not one of incident's states (New, In Progress, On Hold, Resolved, Closed, Canceled); kept as it came because the map says unknown: keep")
        #expect(value(kept, "state") == .text("Sleeping"))

        let nulled = try RecordMapper(map: legacyMap(unknown: .null), header: legacyHeader).map(record(legacyHeader, row))
        #expect(nulled.findings.map(\.severity) == [.warning])
        #expect(nulled.findings.first?.message.hasSuffix("set to null because the map says unknown: null") == true)
        #expect(value(nulled, "state") == .null)
    }

    @Test("local times at London's 2026 clock changes are rejected, not guessed")
    func dstInMapping() throws {
        let mapper = try RecordMapper(map: legacyMap(unknown: .reject), header: legacyHeader)
        let gap = mapper.map(record(legacyHeader, ["INC0000001", "Open", "29/3/2026 01:30", "?", "?"]))
        #expect(gap.findings.map(\.rule) == [.dstGap])
        #expect(gap.findings.first?.message == "opened_at '29/3/2026 01:30' does not exist in Europe/London: the clocks went forward at that time (a daylight-saving change); correct the time, or the map's timezone if the export is not in Europe/London")
        let overlap = mapper.map(record(legacyHeader, ["INC0000001", "Open", "25/10/2026 01:30", "?", "?"]))
        #expect(overlap.findings.map(\.rule) == [.dstAmbiguous])
        #expect(value(overlap, "opened_at") == nil)
    }

    @Test("unknown columns are kept as extra in source order and listed once per file")
    func unknownColumns() throws {
        let names = ["u_symptom", "number", "vendor", "notify", "Junk"]
        var map = TransformMap(entity: "incident")
        map.ignore = ["notify", "junk"]
        let mapper = try RecordMapper(map: map, header: names)
        #expect(mapper.unknownColumns == ["u_symptom", "vendor"])
        #expect(mapper.ignoredColumns == ["notify", "Junk"])
        let first = mapper.map(record(names, ["Symptom 1", "INC0000001", nil, "Do Not Notify", "x"]))
        let second = mapper.map(record(names, ["Symptom 2", "INC0000002", "Vendor 3", "Do Not Notify", "y"], line: 3))
        #expect(first.extra == [ExtraField(name: "u_symptom", value: "Symptom 1"), ExtraField(name: "vendor", value: nil)])
        #expect(second.extra == [ExtraField(name: "u_symptom", value: "Symptom 2"), ExtraField(name: "vendor", value: "Vendor 3")])
        #expect(first.findings.isEmpty && second.findings.isEmpty)
    }

    @Test("FIELD.display_value is kept aside, FIELD.value is the field, FIELD.link is dropped")
    func referenceDisplayValues() throws {
        let names = ["number", "cmdb_ci.display_value", "cmdb_ci.link", "assigned_to.value", "Caller.display_value"]
        let mapper = try RecordMapper(map: TransformMap(entity: "incident"), header: names)
        #expect(mapper.unknownColumns == [])
        let sysID = "62826bf03710200044e0bfc8bcbe5df1"
        let mapped = mapper.map(record(names, ["INC0000001", "web-01", "https://x/cmdb_ci/1", sysID, "Jo"]))
        #expect(mapped.displayValues == [DisplayValue(field: "cmdb_ci", value: "web-01"),
                                         DisplayValue(field: "caller_id", value: "Jo")])
        #expect(value(mapped, "assigned_to") == .text(sysID))
        #expect(value(mapped, "assigned_to_display") == nil)  // no display value given: left as stored
        #expect(value(mapped, "caller_id") == nil)
        #expect(value(mapped, "caller_id_display") == .text("Jo"))
        #expect(value(mapped, "cmdb_ci") == nil)
        #expect(mapped.extra == [])
    }

    @Test("a second column for the same field is kept as extra, not merged")
    func duplicateColumns() throws {
        let names = ["number", "Number", "contact_type"]
        var map = TransformMap(entity: "incident")
        map.constants = ["contact_type": .string("email")]
        let mapper = try RecordMapper(map: map, header: names)
        #expect(mapper.duplicateColumns == ["Number", "contact_type"])
        let mapped = mapper.map(record(names, ["INC0000001", "INC0000009", "phone"]))
        #expect(value(mapped, "number") == .text("INC0000001"))
        #expect(value(mapped, "contact_type") == .text("email"))
        #expect(mapped.extra.map(\.name) == ["Number", "contact_type"])
    }

    @Test("records whose names differ from the header (JSON) get their own plan")
    func heterogeneousRecords() throws {
        let mapper = try RecordMapper(map: TransformMap(entity: "incident"), header: ["number"])
        let mapped = mapper.map(record(["state", "number", "extra"], ["7", "INC0000001", "x"]))
        #expect(value(mapped, "state") == .integer(7))
        #expect(value(mapped, "number") == .text("INC0000001"))
        #expect(mapped.extra == [ExtraField(name: "extra", value: "x")])
    }

    @Test("without defaults only listed columns map")
    func noDefaults() throws {
        let map = TransformMap(entity: "incident", columns: ["Ref": .init(field: "number")], defaults: false)
        let mapper = try RecordMapper(map: map, header: ["Ref", "state"])
        #expect(mapper.unknownColumns == ["state"])
    }

    @Test("map mistakes stop before any row", arguments: [
        (TransformMap(entity: "timecard"), "the map's entity 'timecard' is not known (known: case, incident, problem, change, request, ci, ci_relationship, task_sla, work_order, work_task, knowledge, kb_citation)"),
        (TransformMap(entity: "incident", columns: ["x": .init(field: "nope")]), "column 'x' names 'nope', which is not a field of incident"),
        (TransformMap(entity: "incident", columns: ["x": .init(field: "number", formats: ["yyyy"])]), "column 'x' gives date formats or a timezone, but incident.number is text, not a datetime"),
        (TransformMap(entity: "incident", columns: ["x": .init(field: "caller_id", choices: ["a": .integer(1)])]), "column 'x' gives choices, but incident.caller_id is text, not a choice"),
        (TransformMap(entity: "incident", columns: ["x": .init(field: "state", choices: ["Active": .integer(5)])]), "column 'x' maps 'Active' to 5, which is not one of incident.state's codes (1, 2, 3, 6, 7, 8)"),
        (TransformMap(entity: "incident", timezone: "Mars/Base"), "field opened_at: 'Mars/Base' is not a known time zone (use an IANA name such as Europe/London)"),
        (TransformMap(entity: "incident", constants: ["reopen_count": .string("many")]), "constant reopen_count 'many' is not a whole number; fix the row, or add the token to the map's null_tokens"),
        (TransformMap(entity: "incident", keys: [["serial_number"]]), "keys names 'serial_number', which is not a field of incident"),
        (TransformMap(entity: "incident", columns: ["a": .init(field: "number")], ignore: ["a"]), "column 'a' is both mapped and ignored"),
    ])
    func invalidMaps(map: TransformMap, message: String) {
        #expect(throws: RecordMapper.Invalid(message)) { try RecordMapper(map: map, header: []) }
    }
}
