import Foundation
import Testing
import TestSupport

@Suite("steward workflow")
struct StewardWorkflowTests {
    @Test func theRejectsRoundTripRecoversTheFixedRows() throws {
        let folder = try Paths.makeTempDirectory()
        let first = try TallyProcess.run(["import", Paths.fixture("rejects/bad-boolean.csv"), "-e", "incident"], in: folder)
        #expect(first.status == 65)
        let export = try TallyProcess.run(["rejects", "--run", "1", "--format", "csv", "--out", "fix.csv"], in: folder)
        #expect(export.status == 0)
        #expect(export.stderr.contains("wrote fix.csv: 1 outstanding rejected rows"))
        let path = folder.appendingPathComponent("fix.csv").path
        let exported = try String(contentsOfFile: path, encoding: .utf8)
        #expect(exported.split(separator: "\n").first?.hasSuffix("_reject_run,_reject_file,_reject_line,_reject_record,_reject_field,_reject_rule,_reject_message") == true)
        // The steward fixes the value…
        try exported.replacingOccurrences(of: ",maybe,", with: ",true,").write(toFile: path, atomically: true, encoding: .utf8)
        // …and feeds the file back.
        let fixed = try TallyProcess.run(["import", "fix.csv", "-e", "incident", "--json"], in: folder)
        #expect(fixed.status == 0, "\(fixed.stdout) \(fixed.stderr)")
        let object = try jsonObject(fixed.stdout)
        #expect(counts(object)["inserted"] == 1)
        #expect(counts(object)["recovered"] == 1)
        #expect(object["parent_run"] as? Int == 1)
        #expect((object["inputs"] as? [[String: Any]])?.first?["unknown_columns"] as? [String] == [])
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_incident") == 4)
        #expect(try store.text("SELECT parent_run FROM runs WHERE id = 2") == "1")
        #expect(try store.count("entity_incident", "_extra IS NOT NULL") == 0)
    }

    /// Records of a JSON export on one line share line 1: a fed-back row settles its own record only.
    @Test func aFedBackRowOfAOneLineJSONExportRecoversOnlyItsOwnRecord() throws {
        let folder = try Paths.makeTempDirectory()
        let records = (1...3).map { n in
            #"{"sys_id": "\#(String(repeating: String(n), count: 32))", "number": "INC009900\#(n)", "state": "1", "active": "maybe", "#
                + #""opened_at": "2026-09-02 17:20:28", "sys_updated_on": "2026-09-02 21:38:25"}"#
        }
        try #"{"records": [\#(records.joined(separator: ", "))]}"#.write(to: folder.appendingPathComponent("one.json"), atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["import", "one.json", "-e", "incident"], in: folder).status == 65)
        #expect(try TallyProcess.run(["rejects", "--format", "csv", "--out", "fix.csv"], in: folder).status == 0)
        let exported = csvRecords(try String(contentsOfFile: folder.appendingPathComponent("fix.csv").path, encoding: .utf8))
        #expect(exported.map { "\($0["_reject_line"] ?? "?")/\($0["_reject_record"] ?? "?")" } == ["1/1", "1/2", "1/3"])
        // The steward fixes the second record only and feeds back that row alone.
        let header = try String(contentsOfFile: folder.appendingPathComponent("fix.csv").path, encoding: .utf8).split(separator: "\n")[0]
        let row = try String(contentsOfFile: folder.appendingPathComponent("fix.csv").path, encoding: .utf8).split(separator: "\n")[2]
        try "\(header)\n\(row.replacingOccurrences(of: ",maybe,", with: ",true,"))\n".write(to: folder.appendingPathComponent("fixed.csv"), atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["import", "fixed.csv", "-e", "incident"], in: folder).status == 0)
        let all = try TallyProcess.run(["rejects", "--all"], in: folder)
        #expect(try statuses(all.stdout) == ["1:outstanding", "1:recovered", "1:outstanding"])
    }

    @Test func anExportIntoAMissingFolderNamesTheFileAskedFor() throws {
        let folder = try Paths.makeTempDirectory()
        #expect(try TallyProcess.run(["import", Paths.fixture("rejects/bad-boolean.csv"), "-e", "incident"], in: folder).status == 65)
        let export = try TallyProcess.run(["rejects", "--format", "csv", "--out", "missing/fix.csv"], in: folder)
        #expect(export.status == 1)
        #expect(export.stderr.contains("missing/fix.csv: cannot create the file: No such file or directory"), "\(export.stderr)")
        #expect(!export.stderr.contains(".tmp-"), "the temp file's name means nothing to the steward")
    }

    /// Statuses of `tally rejects --all`'s lines, by run.
    func statuses(_ stdout: String) throws -> [String] {
        try stdout.split(separator: "\n").map { line in
            let object = try jsonObject(String(line))
            return "\(object["run"] as? Int ?? 0):\(object["status"] as? String ?? "?")"
        }
    }

    @Test func rejectsListsTheOutstandingRowsAndAllListsEveryOneWithItsStatus() throws {
        let folder = try Paths.makeTempDirectory()
        // Run 1 rejects two rows (opened_at '2026-13-45 25:00:00' and 'yesterday').
        #expect(try TallyProcess.run(["import", Paths.fixture("rejects/bad-datetime.csv"), "-e", "incident"], in: folder).status == 65)
        #expect(try TallyProcess.run(["rejects", "--format", "csv", "--out", "fix.csv"], in: folder).status == 0)
        let path = folder.appendingPathComponent("fix.csv").path
        // The steward fixes one row and feeds both back: run 2 recovers one and rejects the other again.
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "2026-13-45 25:00:00", with: "2026-01-05 10:00:00")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["import", "fix.csv", "-e", "incident"], in: folder).status == 65)

        let outstanding = try TallyProcess.run(["rejects"], in: folder)
        #expect(outstanding.status == 0)
        #expect(try statuses(outstanding.stdout) == ["2:outstanding"], "the row rejected again is listed once, as run 2's")
        #expect(outstanding.stderr.contains("1 outstanding rejected row(s) listed; 2 settled by later runs are not (1 recovered, 1 rejected again): --all lists every one"))
        let all = try TallyProcess.run(["rejects", "--all"], in: folder)
        #expect(try statuses(all.stdout) == ["1:recovered", "1:rejected_again", "2:outstanding"])
        #expect(all.stderr.isEmpty)
        let csv = try TallyProcess.run(["rejects", "--all", "--format", "csv"], in: folder)
        let records = csvRecords(csv.stdout)
        #expect(records.map { $0["_reject_status"] ?? "" } == ["recovered in run 2", "rejected_again in run 2", "outstanding"])
        let byRule = try TallyProcess.run(["extract", "rejects_by_rule", "--format", "csv", "--out", "-"], in: folder)
        let row = try #require(csvRecords(byRule.stdout).first)
        #expect(["rejects", "outstanding", "recovered", "rejected_again", "rolled_back"].map { row[$0]! } == ["3", "1", "1", "1", "0"])

        // Undoing the recovering run makes its rows outstanding again, and its own reject no longer stands.
        #expect(try TallyProcess.run(["rollback", "2"], in: folder).status == 0)
        let undone = try TallyProcess.run(["rejects", "--all"], in: folder)
        #expect(try statuses(undone.stdout) == ["1:outstanding", "1:outstanding", "2:rolled_back"])
    }

    @Test func aRerunThatAcceptsTheRowsRecoversThem() throws {
        let folder = try Paths.makeTempDirectory()
        #expect(try TallyProcess.run(["import", Paths.fixture("rejects/unknown-state.csv"), "-e", "incident"], in: folder).status == 65)
        try #"{"entity": "incident", "columns": {"state": {"field": "state", "choices": {"Sleeping": 3}}}}"#
            .write(to: folder.appendingPathComponent("fixed.json"), atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["rerun", "1", "--map", "fixed.json"], in: folder).status == 0)
        let outstanding = try TallyProcess.run(["rejects"], in: folder)
        #expect(outstanding.stdout.isEmpty)
        #expect(outstanding.stderr.contains("0 outstanding rejected row(s) listed; 1 settled by later runs are not (1 recovered)"))
        #expect(try statuses(TallyProcess.run(["rejects", "--all", "--run", "1"], in: folder).stdout) == ["1:recovered"])
        #expect(try StoreProbe(folder).text("SELECT recovered_in_run FROM findings WHERE run = 1") == "2")
    }

    /// A later rerun does not take over rows an earlier committed one settled: rolling it back
    /// leaves them as they were, not outstanding (nor counted twice).
    @Test func rollingBackASecondRerunLeavesTheFirstOnesFollowUp() throws {
        let folder = try Paths.makeTempDirectory()
        try #"{"entity": "incident", "columns": {"state": {"field": "state", "choices": {"Sleeping": 3}}}}"#
            .write(to: folder.appendingPathComponent("fixed.json"), atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["import", Paths.fixture("rejects/unknown-state.csv"), "-e", "incident"], in: folder).status == 65)
        #expect(try TallyProcess.run(["rerun", "1", "--map", "fixed.json"], in: folder).status == 0)  // run 2 recovers the row
        #expect(try TallyProcess.run(["rerun", "1", "--map", "fixed.json"], in: folder).status == 0)  // run 3 reads it again
        #expect(try TallyProcess.run(["rollback", "3"], in: folder).status == 0)
        #expect(try TallyProcess.run(["rejects"], in: folder).stdout.isEmpty, "run 2's recovery still stands")
        let all = try TallyProcess.run(["rejects", "--all"], in: folder).stdout
        #expect(try statuses(all) == ["1:recovered"])
        #expect(try jsonObject(all)["followed_up_in"] as? Int == 2)

        // Rejected again by run 2, recovered by run 3, run 3 undone: run 2's reject is the one outstanding row.
        let chain = try Paths.makeTempDirectory()
        try FileManager.default.copyItem(at: folder.appendingPathComponent("fixed.json"), to: chain.appendingPathComponent("fixed.json"))
        #expect(try TallyProcess.run(["import", Paths.fixture("rejects/unknown-state.csv"), "-e", "incident"], in: chain).status == 65)
        #expect(try TallyProcess.run(["rerun", "1"], in: chain).status == 65)
        #expect(try TallyProcess.run(["rerun", "1", "--map", "fixed.json"], in: chain).status == 0)
        #expect(try TallyProcess.run(["rollback", "3"], in: chain).status == 0)
        #expect(try statuses(TallyProcess.run(["rejects"], in: chain).stdout) == ["2:outstanding"])
        #expect(try statuses(TallyProcess.run(["rejects", "--all"], in: chain).stdout) == ["1:rejected_again", "2:outstanding"])
    }

    @Test func runsAndShowDescribeWhatHappened() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try TallyProcess.run(["import", Paths.fixture("itsm/incident.csv"), "-e", "incident"], in: folder)
        _ = try TallyProcess.run(["import", Paths.fixture("rejects/bad-datetime.csv"), "-e", "incident"], in: folder)
        let runs = try TallyProcess.run(["runs"], in: folder)
        #expect(runs.status == 0)
        let lines = runs.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("RUN  STARTED") == true)
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("2    "))
        #expect(lines[1].contains("import   incident        default     committed   5       3"))

        let show = try TallyProcess.run(["show", "2"], in: folder)
        #expect(show.status == 0)
        #expect(show.stdout.contains("Run 2: import of incident from source 'default' — committed"))
        #expect(show.stdout.contains("Counts: read 5 = inserted 3 + updated 0 + unchanged 0 + skipped_stale 0 + rejected 2"))
        #expect(show.stdout.contains("Rejects [type.datetime]: 2"))
        #expect(show.stdout.contains("bad-datetime.csv:3 opened_at:"))
        #expect(show.stdout.contains("Stage timings: read, map, validate, reconcile "))

        let json = try TallyProcess.run(["show", "2", "--json"], in: folder)
        let object = try jsonObject(json.stdout)
        #expect((object["rejects_by_rule"] as? [[String: Any]])?.first?["count"] as? Int == 2)
        let missing = try TallyProcess.run(["show", "9"], in: folder)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("there is no run 9"))
    }

    @Test func aDryRunImportPrintsTheDiffRecordByRecord() throws {
        let folder = try Paths.makeTempDirectory()
        let header = "number,state,sys_updated_on,sys_mod_count\n"
        try (header + "INC0000001,1,2026-01-01 00:00:00,1\n").write(to: folder.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        try (header + "INC0000001,2,2026-01-02 00:00:00,2\nINC0000002,1,2026-01-02 00:00:00,1\n").write(to: folder.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        _ = try TallyProcess.run(["import", "a.csv", "-e", "incident"], in: folder)
        let dry = try TallyProcess.run(["import", "b.csv", "-e", "incident", "--dry-run"], in: folder)
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("  incident INC0000001 state: 1 → 2\n"))
        #expect(dry.stdout.contains("  inserted incident INC0000002\n"))
        #expect(dry.stdout.contains("Dry run of incident from source 'default': nothing was written."))
        let json = try TallyProcess.run(["import", "b.csv", "-e", "incident", "--dry-run", "--json"], in: folder)
        let lines = json.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)   // four changes, then the summary
        #expect(try jsonObject(lines[0])["change"] as? String == "updated")
        #expect(try jsonObject(lines.last!)["status"] as? String == "dry_run")
        #expect(try StoreProbe(folder).count("runs") == 1)
    }

    @Test func rerunAndRollbackFromTheCommandLine() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try TallyProcess.run(["import", Paths.fixture("itsm/incident.csv"), "-e", "incident"], in: folder)
        let rerun = try TallyProcess.run(["rerun", "1", "--json"], in: folder)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let object = try jsonObject(rerun.stdout)
        #expect(counts(object)["unchanged"] == 80)
        #expect(object["parent_run"] as? Int == 1)
        let refused = try TallyProcess.run(["rollback", "1"], in: folder)
        #expect(refused.status == 0)   // the rerun changed nothing, so nothing stands in the way
        let again = try TallyProcess.run(["rollback", "1"], in: folder)
        #expect(again.status == 1)
        #expect(again.stderr.contains("run 1 is rolled_back; only a committed run can be rolled back"))
        #expect(try StoreProbe(folder).count("entity_incident") == 0)
    }

    @Test func aRollbackBlockedEverywhereListsTheFirstHundredAndCountsTheRest() throws {
        let folder = try Paths.makeTempDirectory()
        let header = "number,state,sys_updated_on,sys_mod_count\n"
        for (name, state, day) in [("a", 1, 1), ("b", 2, 2), ("c", 3, 3)] {
            let rows = (1...40).map { String(format: "INC%07d,\(state),2026-01-0\(day) 00:00:00,\(day)\n", $0) }
            try (header + rows.joined()).write(to: folder.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
            #expect(try TallyProcess.run(["import", "\(name).csv", "-e", "incident"], in: folder).status == 0)
        }
        // Run 3 changed again the three fields run 2 set on each of the 40 records: 120 blockers.
        let refused = try TallyProcess.run(["rollback", "2"], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("run 2 cannot be rolled back: 120 of its changes were changed again since"))
        let listed = refused.stdout.split(separator: "\n").filter { $0.hasPrefix("  blocked: ") }
        #expect(listed.count == 100)
        #expect(refused.stdout.contains("  … and 20 more blocked (the first 100 are listed;"))
        let json = try TallyProcess.run(["rollback", "2", "--json"], in: folder)
        let lines = json.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 102)
        #expect(try jsonObject(lines[100])["blocked_not_listed"] as? Int == 20)
        #expect(try jsonObject(lines[101])["status"] as? String == "refused")  // the outcome, last
        #expect(try StoreProbe(folder).count("entity_incident", "state = '3'") == 40)

        let forced = try TallyProcess.run(["rollback", "2", "--force"], in: folder)
        #expect(forced.status == 65, "\(forced.stderr)")
        #expect(forced.stdout.split(separator: "\n").filter { $0.hasPrefix("  overridden: ") }.count == 100)
        #expect(forced.stdout.contains("  … and 20 more overridden"))
        #expect(forced.stdout.contains("120 later change(s) overridden"))
        #expect(try StoreProbe(folder).count("entity_incident", "state = '1'") == 40)
    }
}
