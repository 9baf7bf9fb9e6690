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
