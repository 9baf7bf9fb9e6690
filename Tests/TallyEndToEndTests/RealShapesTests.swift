import Foundation
import Testing
import TallyStore
import TestSupport

/// The shapes real ServiceNow exports have (`fixtures/real-shapes/`), each imported with the
/// built-in maps: every row lands (rejected 0), with what the platform holds and what it does not
/// enforce reported as warnings.
@Suite("real export shapes")
struct RealShapesTests {
    static func realShape(_ name: String) -> String { Paths.fixture("real-shapes/" + name) }

    /// `tally import FILE --entity E --json` and its counts.
    static func importShape(_ name: String, _ entity: String, in folder: URL, _ extra: [String] = []) throws -> (ProcessOutput, [String: Int]) {
        let result = try TallyProcess.run(["import", realShape(name), "--entity", entity, "--json"] + extra, in: folder)
        return (result, counts((try? jsonObject(result.stdout)) ?? [:]))
    }

    static func warningsByRule(_ store: StoreProbe, run: Int) throws -> [String: String] {
        let rows = try store.rows("SELECT rule, count(*) FROM findings WHERE run = ? AND rejected = 0 GROUP BY rule", [.integer(Int64(run))])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", $0[1] ?? "") })
    }

    /// A reference's sys_id as a fixture holds it: `{"link": …, "value": sys_id}` of `field` in the record `number`.
    static func exported(_ file: String, _ number: String, _ field: String) throws -> String? {
        let data = try Data(contentsOf: URL(fileURLWithPath: realShape(file)))
        let records = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["result"] as? [[String: Any]] ?? []
        let record = records.first { $0["number"] as? String == number }
        return (record?[field] as? [String: Any])?["value"] as? String
    }

    @Test func aTableAPIExportOfAllNinetyTwoFieldsLandsWhole() throws {
        let folder = try Paths.makeTempDirectory()
        let (result, c) = try Self.importShape("incident-table-api.json", "incident", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(c["read"] == 20 && c["inserted"] == 20 && c["rejected"] == 0)
        #expect(c["updated"] == 0 && c["unchanged"] == 0 && c["skipped_stale"] == 0)
        #expect(c["warnings"] == 5)
        let store = try StoreProbe(folder)
        // closed_at before resolved_at: the platform holds such incidents, so they land, with a warning.
        #expect(try Self.warningsByRule(store, run: 1) == ["temporal_order": "5"])
        #expect(try store.count("findings", "severity = 'warning' AND field = 'closed_at'") == 5)
        #expect(try store.count("entity_incident") == 20)
        // An unpadded hour is read and stored padded.
        #expect(try store.text("SELECT opened_at FROM entity_incident WHERE number = 'INC0010003'") == "2026-03-05 03:01:29")
        // {"link", "value"}: the sys_id in the field; no display value was exported, so none is made up.
        #expect(try store.rows("SELECT caller_id, caller_id_display, assignment_group FROM entity_incident WHERE number = 'INC0010001'")
                == [[try Self.exported("incident-table-api.json", "INC0010001", "caller_id"), nil,
                    try Self.exported("incident-table-api.json", "INC0010001", "assignment_group")]])
        // Fields the registry has no column for are kept on the record.
        #expect(try store.text("SELECT json_extract(_extra, '$.upon_reject') FROM entity_incident WHERE number = 'INC0010001'") == "cancel")
    }

    @Test func aPartialExportOfTheSameRecordsRejectsNothingAndWipesNothing() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importShape("incident-table-api.json", "incident", in: folder)
        let store = try StoreProbe(folder)
        let before = try store.rows("SELECT number, caller_id, description, close_notes, opened_by, sys_mod_count FROM entity_incident ORDER BY number")
        let (result, c) = try Self.importShape("incident-table-api-partial.json", "incident", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(c["read"] == 20 && c["rejected"] == 0 && c["inserted"] == 0)
        // The same version (no sys_mod_count in the file: that part is not compared) with the same values.
        #expect(c["unchanged"] == 20 && c["updated"] == 0 && c["skipped_stale"] == 0)
        #expect(try store.count("entity_incident") == 20)
        // Columns the map does not know, kept from the full export, stay too.
        #expect(try store.text("SELECT json_extract(_extra, '$.upon_reject') FROM entity_incident WHERE number = 'INC0010001'") == "cancel")
        // The 74 fields the partial export lacks keep their values.
        #expect(try store.rows("SELECT number, caller_id, description, close_notes, opened_by, sys_mod_count FROM entity_incident ORDER BY number") == before)
        #expect(try store.count("entity_incident", "caller_id IS NULL OR description IS NULL") == 0)
    }

    @Test func aChangeRequestExportWithEveryRiskStateAndTypeLandsWhole() throws {
        let folder = try Paths.makeTempDirectory()
        let (result, c) = try Self.importShape("change-request-table-api.json", "change_request", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(c["read"] == 16 && c["inserted"] == 16 && c["rejected"] == 0 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.rows("SELECT DISTINCT risk FROM entity_change ORDER BY risk") == [["1"], ["2"], ["3"], ["4"]])  // 1 = Very High
        #expect(try store.rows("SELECT DISTINCT state FROM entity_change ORDER BY state")
                == [["-5"], ["-4"], ["-3"], ["-2"], ["-1"], ["0"], ["3"], ["4"]])
        #expect(try store.rows("SELECT DISTINCT type FROM entity_change ORDER BY type") == [["emergency"], ["normal"], ["standard"]])
        // 2026-03-15T22:00:00-04:00 is stored in UTC.
        #expect(try store.text("SELECT start_date FROM entity_change WHERE number = 'CHG0030004'") == "2026-03-16 02:00:00")
        #expect(try store.text("SELECT assignment_group FROM entity_change WHERE number = 'CHG0030001'") == (try Self.exported("change-request-table-api.json", "CHG0030001", "assignment_group")))
    }

    @Test func aListViewImportsWithNoMapVersionedByTheFilesTime() throws {
        let folder = try Paths.makeTempDirectory()
        let list = folder.appendingPathComponent("incidents.csv")
        try FileManager.default.copyItem(atPath: Self.realShape("incident-list-view.csv"), toPath: list.path)
        let taken = Date(timeIntervalSince1970: 1_796_112_000)  // 2026-12-01 08:00:00 UTC
        try FileManager.default.setAttributes([.modificationDate: taken], ofItemAtPath: list.path)
        let result = try TallyProcess.run(["import", "incidents.csv", "--entity", "incident", "--json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let c = counts(try jsonObject(result.stdout))
        #expect(c["read"] == 12 && c["inserted"] == 12 && c["rejected"] == 0 && c["warnings"] == 0)
        // One warning line says how the rows were versioned.
        let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        #expect(warnings == ["warning: incidents.csv has no sys_updated_on column: its rows are versioned by the time the export was taken, 2026-12-01 08:00:00 UTC (the file's modification time; give --as-of TIME if it was taken at another time)"])
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_incident", "sys_updated_on = '2026-12-01 08:00:00'") == 12)
        #expect(try store.count("entity_incident", "sys_id IS NULL AND caller_id IS NULL AND caller_id_display IS NOT NULL") == 12)
        // Labels ("4 - Low", "In Progress", an en dash in "3 – Moderate") are stored as codes; people by name beside the (empty) reference.
        #expect(try store.rows("SELECT priority, state, caller_id_display, assignment_group_display, assigned_to_display FROM entity_incident WHERE number = 'INC0010002'")
                == [["4", "2", "Jordan Reyes", "Network", "Casey Lindqvist"]])
        #expect(try store.text("SELECT priority FROM entity_incident WHERE number = 'INC0010006'") == "3")  // "3 – Moderate"

        // The same list taken again later: identified by number, nothing new, no duplicates.
        let again = try TallyProcess.run(["import", "incidents.csv", "--entity", "incident", "--json", "--force", "--as-of", "2026-12-02 08:00:00"], in: folder)
        #expect(again.status == 0, "\(again.stderr)")
        let a = counts(try jsonObject(again.stdout))
        #expect(a["read"] == 12 && a["inserted"] == 0 && a["unchanged"] == 12 && a["rejected"] == 0)
        #expect(again.stderr.contains("2026-12-02 08:00:00 UTC (--as-of)"))

        // A later list where one incident moved on: that one is updated, at the export's time.
        var text = try String(contentsOf: list, encoding: .utf8)
        text = text.replacingOccurrences(of: #""INC0010001","2026-03-01 09:53:04","Email not syncing on phone","Avery Stone","4 - Low","New""#,
                                         with: #""INC0010001","2026-03-01 09:53:04","Email not syncing on phone","Avery Stone","4 - Low","In Progress""#)
        // Another spelling of the same value is another row but no change: its version alone changes nothing.
        text = text.replacingOccurrences(of: "3 \u{2013} Moderate", with: "3 - Moderate")
        try text.write(to: folder.appendingPathComponent("later.csv"), atomically: true, encoding: .utf8)
        let later = try TallyProcess.run(["import", "later.csv", "--entity", "incident", "--json", "--as-of", "2026-12-03T09:00:00+01:00"], in: folder)
        #expect(later.status == 0, "\(later.stderr)")
        let l = counts(try jsonObject(later.stdout))
        #expect(l["read"] == 12 && l["inserted"] == 0 && l["updated"] == 1 && l["unchanged"] == 11 && l["rejected"] == 0)
        #expect(try store.count("entity_incident") == 12)
        #expect(try store.rows("SELECT state, sys_updated_on FROM entity_incident WHERE number = 'INC0010001'") == [["2", "2026-12-03 08:00:00"]])

        let bad = try TallyProcess.run(["import", "later.csv", "--entity", "incident", "--as-of", "yesterday"], in: folder)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("'--as-of' must be a date and time"))
    }

    @Test func aListViewAfterTheTableAPIExportFillsDisplayValuesAndKeepsTheSysIDs() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importShape("incident-table-api.json", "incident", in: folder)
        let (result, c) = try Self.importShape("incident-list-view.csv", "incident", in: folder, ["--as-of", "2026-12-01 06:00:00"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(c["read"] == 12 && c["inserted"] == 0 && c["rejected"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_incident") == 20)
        // "David Miller"-style names never replace a stored sys_id: they go beside it.
        #expect(try store.rows("SELECT caller_id, caller_id_display, assigned_to, assigned_to_display FROM entity_incident WHERE number = 'INC0010002'")
                == [[try Self.exported("incident-table-api.json", "INC0010002", "caller_id"), "Jordan Reyes",
                     try Self.exported("incident-table-api.json", "INC0010002", "assigned_to"), "Casey Lindqvist"]])
        #expect(try store.count("entity_incident", "caller_id IS NULL") == 0)
    }

    /// A `{"link", "value"}` export (no display values) that moves a reference to another record
    /// drops the old display value, which named the record it no longer points at; one that keeps
    /// the reference keeps the display value.
    @Test func aReferenceMovedWithoutItsDisplayValueDropsTheOldOne() throws {
        let folder = try Paths.makeTempDirectory()
        let (ann, bob, group) = ("5137153cc611227c000bbd1bd8cd2005", "6816f79cc0a8016401c5a33be04be441", "8a5055c9c61122780043563ef53438e3")
        func export(_ name: String, caller: String, updated: String) throws {
            let json = """
                {"result": [{"sys_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "number": "INC0020001", "state": "2",
                  "caller_id": {"display_value": "\(caller == ann ? "Ann Lee" : "Bob Roe")", "value": "\(caller)"},
                  "assignment_group": {"display_value": "Service Desk", "value": "\(group)"},
                  "sys_updated_on": "\(updated)"}]}
                """
            try json.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try export("all.json", caller: ann, updated: "2026-12-01 09:00:00")
        #expect(try TallyProcess.run(["import", "all.json", "--entity", "incident"], in: folder).status == 0)
        let linkOnly = """
            {"result": [{"sys_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "number": "INC0020001", "state": "2",
              "caller_id": {"link": "https://x/api/now/table/sys_user/\(bob)", "value": "\(bob)"},
              "assignment_group": {"link": "https://x/api/now/table/sys_user_group/\(group)", "value": "\(group)"},
              "sys_updated_on": "2026-12-02 09:00:00"}]}
            """
        try linkOnly.write(to: folder.appendingPathComponent("links.json"), atomically: true, encoding: .utf8)
        let result = try TallyProcess.run(["import", "links.json", "--entity", "incident"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try StoreProbe(folder).rows("SELECT caller_id, caller_id_display, assignment_group, assignment_group_display FROM entity_incident")
                == [[bob, nil, group, "Service Desk"]])
        #expect(try TallyProcess.run(["check"], in: folder).status == 0)
    }

    /// `sysparm_display_value=all`: every field is `{"display_value": …, "value": …}`.
    @Test func aTableAPIExportWithDisplayValuesForEveryFieldFillsBothHalves() throws {
        let folder = try Paths.makeTempDirectory()
        let caller = "5137153cc611227c000bbd1bd8cd2005"
        let json = """
            {"result": [{
              "sys_id": {"display_value": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "value": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"},
              "number": {"display_value": "INC0020001", "value": "INC0020001"},
              "state": {"display_value": "In Progress", "value": "2"},
              "priority": {"display_value": "4 - Low", "value": "4"},
              "opened_at": {"display_value": "12/01/2026 09:00:00 AM", "value": "2026-12-01 08:00:00"},
              "caller_id": {"display_value": "Ann Lee", "link": "https://x/api/now/table/sys_user/\(caller)", "value": "\(caller)"},
              "assigned_to": {"display_value": "", "value": ""},
              "sys_updated_on": {"display_value": "12/01/2026 10:00:00 AM", "value": "2026-12-01 09:00:00"}
            }]}
            """
        try json.write(to: folder.appendingPathComponent("all.json"), atomically: true, encoding: .utf8)
        let result = try TallyProcess.run(["import", "all.json", "--entity", "incident", "--json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(counts(try jsonObject(result.stdout))["inserted"] == 1)
        #expect(try StoreProbe(folder).rows("SELECT state, priority, opened_at, caller_id, caller_id_display, assigned_to, assigned_to_display FROM entity_incident")
                == [["2", "4", "2026-12-01 08:00:00", caller, "Ann Lee", nil, nil]])
    }

    @Test func aStoreMadeBeforeTheDisplayFieldsGainsThemWhenOpened() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importShape("incident-table-api.json", "incident", in: folder)
        do {  // the incident table as a store made before the display fields has it
            let old = try Connection(path: folder.appendingPathComponent("tally.db").path)
            for row in try old.rows("SELECT name FROM pragma_table_info('entity_incident') WHERE name LIKE '%\\_display' ESCAPE '\\'") {
                try old.execute("ALTER TABLE entity_incident DROP COLUMN \"\(row[0].text ?? "")\"")
            }
            #expect(try old.rows("SELECT name FROM pragma_table_info('entity_incident') WHERE name = 'caller_id_display'").isEmpty)
        }
        let (result, c) = try Self.importShape("incident-list-view.csv", "incident", in: folder, ["--as-of", "2026-12-01 06:00:00"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(c["read"] == 12 && c["rejected"] == 0 && c["inserted"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_incident", "caller_id_display IS NOT NULL AND caller_id IS NOT NULL") == 12)
    }

    @Test func aCMDBSpreadsheetExportLandsWithItsNumbersDatesBooleansAndClasses() throws {
        let folder = try Paths.makeTempDirectory()
        let (result, c) = try Self.importShape("cmdb-ci.csv", "ci", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(c["read"] == 22 && c["rejected"] == 0)
        // Four rows share the serial L3BB911 under four names: serial and class identify one CI (as
        // the platform's identification rules do), so they merge in file order, and that is said.
        #expect(c["inserted"] == 18 && c["updated"] == 4 && c["unchanged"] == 0 && c["skipped_stale"] == 0)
        #expect(c["warnings"] == 4)
        let store = try StoreProbe(folder)
        #expect(try Self.warningsByRule(store, run: 1) == ["identity.collision": "4"])
        let collision = try #require(try store.text("SELECT message FROM findings WHERE rule = 'identity.collision' AND line = 5"))
        #expect((2...5).allSatisfy { collision.contains("cmdb-ci.csv:\($0)") } && collision.hasPrefix("4 rows of this input"), "\(collision)")
        #expect(try store.rows("SELECT typeof(cost), cost FROM entity_ci WHERE name = 'win-file-01'") == [["real", "3665.0"]])  // "3,665"
        #expect(try store.text("SELECT cost FROM entity_ci WHERE name = 'win-file-02'") == "9999.99")                        // "9,999.99"
        #expect(try store.rows("SELECT sys_class_name FROM entity_ci WHERE name IN ('CLU-SQL', 'CLU-SQL-N1', 'PRN-FLOOR2', 'lnx-app-01') ORDER BY name")
                == [["cmdb_ci_win_cluster"], ["cmdb_ci_win_cluster_node"], ["cmdb_ci_printer"], ["cmdb_ci_linux_server"]])
        #expect(try store.count("entity_ci", "sys_class_name = 'cmdb_ci_computer'") >= 3)
        #expect(try store.rows("SELECT install_date, purchase_date, can_print, monitor, install_status, operational_status FROM entity_ci WHERE name = 'PRN-FLOOR2'")
                == [["2023-08-09 09:00:00", "2023-07-09 00:00:00", "1", "0", "1", "1"]])
        #expect(try store.text("SELECT sys_created_on FROM entity_ci WHERE name = 'win-file-01'") == "2026-03-07 01:42:17")  // written "1:42:17"
        #expect(try store.rows("SELECT manufacturer, manufacturer_display, location_display FROM entity_ci WHERE name = 'lnx-app-01'")
                == [[nil, "Dell Inc.", "Riverside DC"]])
        #expect(try store.count("entity_ci", "serial_number = 'L3BB911'") >= 1)
    }
}

/// Issue 30's entities in the same shapes: Table API exports with `{"link", "value"}` references to
/// the incidents above (and one to a case no file holds), list views with labels and numbers.
extension RealShapesTests {
    /// The records of a Table API fixture.
    static func records(_ file: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: realShape(file)))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["result"] as? [[String: Any]] ?? []
    }

    /// A field of record `index` of a Table API fixture: the sys_id of a reference object, else the string.
    static func value(_ file: String, _ index: Int, _ field: String) throws -> String? {
        let value = try records(file)[index][field]
        return (value as? [String: Any])?["value"] as? String ?? value as? String
    }

    /// An incident's sys_id, as the incident export holds it.
    static func incident(_ number: String) throws -> String? {
        try records("incident-table-api.json").first { $0["number"] as? String == number }?["sys_id"] as? String
    }

    /// The case no fixture holds, which the new entities point at: its sys_id as the exports give it.
    static let missingCase = "15a85232351d7085774dc9b7672324d2"  // md5("tally-real-shapes/sn_customerservice_case/CS0001042")

    /// Imports `name` and checks the run's counts add up and nothing was rejected; returns the counts.
    /// `status`: 0, or 65 for a run that committed with conflicts.
    static func importLanding(_ name: String, _ entity: String, in folder: URL, _ extra: [String] = [], status: Int32 = 0,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Int] {
        let (result, c) = try importShape(name, entity, in: folder, extra)
        #expect(result.status == status, "\(result.stderr)", sourceLocation: sourceLocation)
        let outcomes = ["inserted", "updated", "unchanged", "skipped_stale", "rejected"].map { c[$0] ?? -1 }.reduce(0, +)
        #expect(c["read"] == outcomes, "read = inserted + updated + unchanged + skipped_stale + rejected: \(c)", sourceLocation: sourceLocation)
        #expect(c["rejected"] == 0, "\(c)", sourceLocation: sourceLocation)
        return c
    }

    static func openPending(_ store: StoreProbe, _ entity: String) throws -> [[String?]] {
        try store.rows("SELECT field, target_entity, raw_value FROM pending_references WHERE entity = ? AND resolved_in_run IS NULL ORDER BY id",
                       [.text(entity)])
    }

    @Test func aTaskSLAExportLandsWithDurationsInSecondsAndItsTasksResolvedWhenTheyArrive() throws {
        let folder = try Paths.makeTempDirectory()
        let file = "task-sla-table-api.json"
        // The task's link names its own table, as the platform's references to `task` do.
        #expect((try Self.records(file).last?["task"] as? [String: Any])?["link"] as? String
                == "https://dev00000.service-now.example/api/now/table/sn_customerservice_case/\(Self.missingCase)")
        // Before their incidents: every task is pending, on every task table the field may point at.
        let c = try Self.importLanding(file, "task_sla", in: folder)
        #expect(c["read"] == 11 && c["inserted"] == 11 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.count("findings") == 0)
        #expect(try store.count("pending_references", "entity = 'task_sla' AND target_entity = 'case|incident|problem|change|request'") == 11)

        _ = try Self.importLanding("incident-table-api.json", "incident", in: folder)
        // The incidents resolve ten; the case's stays pending.
        #expect(try Self.openPending(store, "task_sla") == [["task", "case|incident|problem|change|request", Self.missingCase]])
        #expect(try store.count("entity_task_sla", "task IN (SELECT sys_id FROM entity_incident)") == 10)
        let first = try #require(try Self.value(file, 0, "sys_id"))
        #expect(try store.rows("SELECT task, sla, sla_display, stage, has_breached, business_duration, duration, pause_duration, typeof(duration), business_percentage FROM entity_task_sla WHERE sys_id = ?", [.text(first)])
                == [[try Self.incident("INC0010001"), try Self.value(file, 0, "sla"), nil, "completed", "0", "5400", "5400", "0", "integer", "75.0"]])
        // 1970-01-01 09:15:00 and a paused hour; a breach; a day and more.
        #expect(try store.rows("SELECT stage, has_breached, business_duration, pause_duration, end_time FROM entity_task_sla WHERE task = ? ORDER BY start_time",
                               [.text(try #require(try Self.incident("INC0010003")))]) == [["paused", "0", "14400", "3600", nil]])
        #expect(try store.rows("SELECT stage, has_breached, business_duration FROM entity_task_sla WHERE task = ? AND stage <> 'completed'",
                               [.text(try #require(try Self.incident("INC0010002")))]) == [["breached", "1", "33300"]])
        #expect(try store.text("SELECT business_duration FROM entity_task_sla WHERE task = ?", [.text(try #require(try Self.incident("INC0010007")))]) == "106200")
        // Fields the registry has no column for are kept on the record.
        #expect(try store.text("SELECT json_extract(_extra, '$.timezone') FROM entity_task_sla WHERE sys_id = ?", [.text(first)]) == "US/Pacific")
    }

    /// A task SLA list names its definition (`SLA definition`: a name, no sys_id): the row can fill
    /// neither the required `sla` (an external reference: the name goes to `sla_display`) nor the
    /// identification rule `task + sla + start_time`, so with the built-in map every row is rejected.
    @Test func aTaskSLAListViewLandsWithLabelsAndDurationsInWords() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importLanding("incident-table-api.json", "incident", in: folder)
        let (result, c) = try Self.importShape("task-sla-list-view.csv", "task_sla", in: folder)
        #expect(c["read"] == 11 && c["read"] == ["inserted", "updated", "unchanged", "skipped_stale", "rejected"].map { c[$0] ?? -1 }.reduce(0, +))
        let store = try StoreProbe(folder)
        // The SLA definition comes as a name: kept in sla_display, and with task and start time it identifies the row.
        #expect(result.status == 0, "\(result.stderr)")
        #expect(c["inserted"] == 11 && c["rejected"] == 0)
        #expect(try store.rows("SELECT task, sla, sla_display, stage, has_breached, start_time, business_duration, duration FROM entity_task_sla ORDER BY start_time, sla_display LIMIT 2")
                == [[try Self.incident("INC0010001"), nil, "Incident response (2 hour)", "completed", "0", "2026-03-01 09:53:04", "5400", "5400"],
                    [try Self.incident("INC0010001"), nil, "P3 resolution (3 day)", "in_progress", "0", "2026-03-01 09:53:04", "9000", nil]])
        #expect(try Self.openPending(store, "task_sla") == [["task", "case", "CS0001042"]])
        // The same list again is unchanged: the name identifies each SLA.
        let (_, again) = try Self.importShape("task-sla-list-view.csv", "task_sla", in: folder, ["--force"])
        #expect(again["unchanged"] == 11 && again["inserted"] == 0)
    }

    @Test func aWorkOrderExportLandsWithItsStateCodesAndItsIncidents() throws {
        let folder = try Paths.makeTempDirectory()
        let file = "work-order-table-api.json"
        _ = try Self.importLanding("incident-table-api.json", "incident", in: folder)
        let c = try Self.importLanding(file, "work_order", in: folder)
        #expect(c["read"] == 6 && c["inserted"] == 6 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.count("findings", "run = 2") == 0)
        #expect(try store.rows("SELECT number, state, active, priority FROM entity_work_order ORDER BY number")
                == [["WO0010001", "3", "0", "2"], ["WO0010002", "3", "0", "3"], ["WO0010003", "18", "1", "4"],
                    ["WO0010004", "16", "1", "2"], ["WO0010005", "7", "0", "3"], ["WO0010006", "10", "1", "4"]])
        #expect(try store.rows("SELECT initiated_from, location, location_display, work_start FROM entity_work_order WHERE number = 'WO0010003'")
                == [[try Self.incident("INC0010008"), try Self.value(file, 2, "location"), nil, "2026-03-16 11:16:04"]])
        // Initiated from the case no file holds: pending, on both entities the field may point at.
        #expect(try Self.openPending(store, "work_order") == [["initiated_from", "case|incident", Self.missingCase]])
    }

    @Test func aWorkOrderListViewLandsWithLabelsAndIncidentNumbersResolved() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importLanding("incident-table-api.json", "incident", in: folder)
        let c = try Self.importLanding("work-order-list-view.csv", "work_order", in: folder)
        #expect(c["read"] == 6 && c["inserted"] == 6 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        // "Work in Progress", "Canceled", "Ready for Dispatch"; "2 - High"; "Riverside DC" beside the (empty) reference.
        #expect(try store.rows("SELECT number, state, priority, location, location_display FROM entity_work_order WHERE number IN ('WO0010002', 'WO0010003', 'WO0010005', 'WO0010006') ORDER BY number")
                == [["WO0010002", "3", "3", nil, "Riverside DC"], ["WO0010003", "18", "4", nil, "Lakeside Office"],
                    ["WO0010005", "7", "3", nil, "Riverside DC"], ["WO0010006", "10", "4", nil, "Lakeside Office"]])
        // A number is looked up in the entity its prefix names: INC0010003 is the incident's sys_id now.
        #expect(try store.text("SELECT initiated_from FROM entity_work_order WHERE number = 'WO0010001'") == (try Self.incident("INC0010003")))
        #expect(try store.count("entity_work_order", "initiated_from IN (SELECT sys_id FROM entity_incident)") == 5)
        // CS0001042 is no incident: pending as a case.
        #expect(try Self.openPending(store, "work_order") == [["initiated_from", "case", "CS0001042"]])
        #expect(try store.text("SELECT opened_at FROM entity_work_order WHERE number = 'WO0010002'") == "2026-03-09 09:04:59")  // "9:04:59"
    }

    @Test func aWorkTaskExportAndListViewLandUnderTheirWorkOrders() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importLanding("work-order-table-api.json", "work_order", in: folder)
        let c = try Self.importLanding("work-task-table-api.json", "work_task", in: folder)
        #expect(c["read"] == 9 && c["inserted"] == 9 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.count("findings", "run = 2") == 0)
        #expect(try store.rows("SELECT t.number, o.number, t.state FROM entity_work_task t JOIN entity_work_order o ON o.sys_id = t.parent ORDER BY t.number")
                == [["WOT0010001", "WO0010001", "3"], ["WOT0010002", "WO0010001", "3"], ["WOT0010003", "WO0010002", "3"],
                    ["WOT0010004", "WO0010003", "18"], ["WOT0010005", "WO0010003", "15"], ["WOT0010006", "WO0010004", "16"],
                    ["WOT0010007", "WO0010005", "7"], ["WOT0010008", "WO0010006", "10"]])
        // WO0010099 is in no file; a duration the registry has no field for is kept as it came.
        let orphan = try #require(try Self.value("work-task-table-api.json", 8, "parent"))
        #expect(try Self.openPending(store, "work_task") == [["parent", "work_order", orphan]])
        #expect(try store.text("SELECT json_extract(_extra, '$.estimated_travel_duration') FROM entity_work_task WHERE number = 'WOT0010002'") == "1970-01-01 00:40:00")

        // The list view of the same tasks: labels ("Scheduled", "Cancelled"), parents by number, more values, no new record.
        let list = try Self.importLanding("work-task-list-view.csv", "work_task", in: folder, status: 65)
        #expect(list["read"] == 9 && list["inserted"] == 0 && list["updated"] == 9 && list["conflicts"] == 1)
        // The orphan's parent: a sys_id in the export, a number in the list, at the same version: a conflict.
        #expect(try store.rows("SELECT rule, field FROM conflicts WHERE run = 3") == [["same_version", "parent"]])
        #expect(try store.count("entity_work_task") == 9)
        #expect(try store.rows("SELECT state, dispatch_group_display, expected_start FROM entity_work_task WHERE number = 'WOT0010001'")
                == [["3", "Field Dispatch", "2026-03-06 07:01:29"]])  // "2026-03-06 7:01:29"
        #expect(try store.count("entity_work_task", "parent IN (SELECT sys_id FROM entity_work_order)") == 8)
        // The orphan's parent as the list names it (the larger of the two same-version values), still pending.
        #expect(try Self.openPending(store, "work_task") == [["parent", "work_order", "WO0010099"]])
    }

    @Test func aKnowledgeExportAndListViewLandWithEveryWorkflowState() throws {
        let folder = try Paths.makeTempDirectory()
        let c = try Self.importLanding("knowledge-list-view.csv", "knowledge", in: folder)
        #expect(c["read"] == 9 && c["inserted"] == 9 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.rows("SELECT workflow_state FROM entity_knowledge ORDER BY number").map { $0[0] }
                == ["published", "published", "retired", "published", "review", "published", "draft", "outdated", "pending_retirement"])
        #expect(try store.rows("SELECT published, valid_to, sys_view_count, typeof(sys_view_count), kb_knowledge_base, kb_knowledge_base_display FROM entity_knowledge WHERE number = 'KB0010009'")
                == [["2025-11-22 00:00:00", "2100-01-01 00:00:00", "336", "integer", nil, "Facilities"]])

        // The Table API export of the same articles at the same version: identified by number, each
        // gains its sys_id, and keeps the name the list gave beside its references (the same version
        // names the same record; a newer version moving a reference drops it, see
        // aReferenceMovedWithoutItsDisplayValueDropsTheOldOne).
        let api = try Self.importLanding("knowledge-table-api.json", "knowledge", in: folder)
        #expect(api["read"] == 9 && api["inserted"] == 0 && api["updated"] == 9)
        #expect(try store.count("entity_knowledge") == 9)
        #expect(try store.rows("SELECT sys_id, kb_knowledge_base, kb_knowledge_base_display, workflow_state FROM entity_knowledge WHERE number = 'KB0010003'")
                == [[try Self.value("knowledge-table-api.json", 2, "sys_id"), try Self.value("knowledge-table-api.json", 2, "kb_knowledge_base"), "IT", "retired"]])
    }

    @Test func citationsLandWithTheirArticlesAndTasksResolved() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importLanding("incident-table-api.json", "incident", in: folder)
        _ = try Self.importLanding("knowledge-table-api.json", "knowledge", in: folder)
        let c = try Self.importLanding("kb-citation-table-api.json", "kb_citation", in: folder)
        #expect(c["read"] == 9 && c["inserted"] == 9 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.count("findings", "run = 3") == 0)
        #expect(try store.rows("""
            SELECT k.number, i.number FROM entity_kb_citation c JOIN entity_knowledge k ON k.sys_id = c.kb_knowledge
            JOIN entity_incident i ON i.sys_id = c.task WHERE k.workflow_state = 'retired' ORDER BY i.number
            """) == [["KB0010003", "INC0010003"], ["KB0010003", "INC0010009"]])
        #expect(try store.count("entity_kb_citation", "task IN (SELECT sys_id FROM entity_incident)") == 8)
        #expect(try Self.openPending(store, "kb_citation") == [["task", "case|incident|problem|change|request", Self.missingCase]])
    }

    @Test func aCitationListViewLandsByNumbersVersionedByTheExportsTime() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Self.importLanding("incident-table-api.json", "incident", in: folder)
        _ = try Self.importLanding("knowledge-list-view.csv", "knowledge", in: folder)
        let c = try Self.importLanding("kb-citation-list-view.csv", "kb_citation", in: folder, ["--as-of", "2026-12-01 08:00:00"])
        #expect(c["read"] == 9 && c["inserted"] == 9 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_kb_citation", "sys_id IS NULL AND sys_updated_on = '2026-12-01 08:00:00'") == 9)
        // The article by its number (the knowledge list has no sys_id: the reference holds the number, found).
        #expect(try store.count("entity_kb_citation", "kb_knowledge IN (SELECT number FROM entity_knowledge)") == 9)
        #expect(try store.rows("SELECT kb_knowledge, task, sys_created_on FROM entity_kb_citation WHERE kb_knowledge = 'KB0010002' ORDER BY sys_created_on")
                == [["KB0010002", try Self.incident("INC0010002"), "2026-03-03 09:56:55"], ["KB0010002", try Self.incident("INC0010012"), "2026-03-23 02:28:52"]])
        #expect(try Self.openPending(store, "kb_citation") == [["task", "case", "CS0001042"]])
    }
}
