import Foundation
import Testing
import TallyKit
import TestSupport
import TallyFormats

/// The shipped UCI map against every row of the real event-log sample.
@Suite("UCI incident map on real data")
struct UCIIncidentMapTests {
    /// Splits the sample, which has no quoting, on commas; the real CSV reader lives elsewhere.
    private func rows() throws -> (header: [String], records: [RawRecord]) {
        let path = Paths.testData("uci-incident-event-log/incident_event_log_sample.csv")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var records: [RawRecord] = []
        for (offset, line) in lines.dropFirst().enumerated() {
            let values = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0) as String? }
            records.append(RawRecord(names: header, values: values,
                                     provenance: Provenance(file: path, record: offset + 1, line: offset + 2)))
        }
        return (header, records)
    }

    @Test("every row maps; findings by rule are the ones the data explains")
    func mapEveryRow() throws {
        let map = try TransformMap.load(path: Paths.packageRoot.appendingPathComponent("jobs/maps/uci-incident.json").path)
        let (header, records) = try rows()
        let mapper = try RecordMapper(map: map, header: header)
        let validator = Validator(entity: mapper.entity, map: map)

        #expect(mapper.unknownColumns == ["u_symptom", "knowledge", "u_priority_confirmation", "vendor"])
        #expect(mapper.ignoredColumns == ["notify"])
        #expect(mapper.duplicateColumns == [])

        var byRule: [String: Int] = [:]
        var rejected = 0
        var states: [FieldValue?: Int] = [:]
        var nulls: [String: Int] = [:]
        var firstChoiceFinding: Finding?
        let entity = mapper.entity
        for record in records {
            let mapped = mapper.map(record)
            let findings = validator.validate(mapped)
            for finding in findings { byRule["\(finding.severity.rawValue) \(finding.rule.rawValue)", default: 0] += 1 }
            if findings.rejects { rejected += 1 }
            if firstChoiceFinding == nil { firstChoiceFinding = findings.first { $0.rule == .choice } }
            states[mapped.value(of: "state", in: entity), default: 0] += 1
            for (index, value) in mapped.values.enumerated() where value == .null {
                nulls[entity.fields[index].name, default: 0] += 1
            }
            #expect(mapped.extra.map(\.name) == ["u_symptom", "knowledge", "u_priority_confirmation", "vendor"])
        }

        // 10,869 event rows (SOURCE.txt says 10,868; the file holds 10,869 lines after the header).
        #expect(records.count == 10_869)
        // The only findings: the five rows whose incident_state is '-100', which is no state at
        // all; the map says unknown: reject, so they are rejected under `choice`. Every date
        // parses as d/M/yyyy H:mm, every impact/urgency/priority is an "N - Label" form, every
        // active/made_sla is true/false, every row has a number and a sys_updated_at, and no
        // row has opened_at > resolved_at > closed_at out of order (checked independently).
        #expect(byRule == ["error choice": 5])
        #expect(rejected == 5)
        #expect(firstChoiceFinding?.message == "state '-100' is not one of incident's states (New, In Progress, On Hold, Resolved, Closed, Canceled); add it to the map's choices or fix the row")
        // States: New 2,966; Active → In Progress 2,883; Awaiting User Info 1,675 + Awaiting
        // Problem 118 + Awaiting Vendor 26 + Awaiting Evidence 3 → On Hold 1,822; Resolved 1,647;
        // Closed 1,546; the 5 rejected rows leave state unset.
        #expect(states == [.integer(1): 2_966, .integer(2): 2_883, .integer(3): 1_822, .integer(6): 1_647,
                           .integer(7): 1_546, nil: 5])
        // '?' becomes null: e.g. cmdb_ci in 10,704 rows, resolved_at in 79, sys_created_on in 2,948.
        #expect(nulls["cmdb_ci"] == 10_704)
        #expect(nulls["resolved_at"] == 79)
        #expect(nulls["sys_created_on"] == 2_948)
        #expect(nulls["close_code"] == 82)
        #expect(nulls["number"] == nil)

        let first = mapper.map(records[0])
        #expect(first.value(of: "opened_at", in: entity) == .datetime("2016-02-29 01:16:00"))
        #expect(first.value(of: "closed_at", in: entity) == .datetime("2016-03-05 12:00:00"))
        #expect(first.value(of: "impact", in: entity) == .integer(2))
        #expect(first.value(of: "priority", in: entity) == .integer(3))
        #expect(first.value(of: "close_code", in: entity) == .text("code 5"))
        #expect(first.value(of: "opened_by_display", in: entity) == .text("Opened by  8"))  // a name, not a sys_id
    }
}
