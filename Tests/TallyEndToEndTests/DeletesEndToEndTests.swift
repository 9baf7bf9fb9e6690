import Foundation
import Testing
import TestSupport

@Suite("tally import --deletes")
struct DeletesEndToEndTests {
    /// Runs `tally ARGS` in `folder`; the NDJSON of stdout's last line, if any.
    func tally(_ arguments: [String], in folder: URL) throws -> (ProcessOutput, [String: Any]) {
        let result = try TallyProcess.run(arguments, in: folder)
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return (result, (try? jsonObject(last)) ?? [:])
    }

    @Test func aSysAuditDeleteExportMarksRecordsDeletedAndARollbackBringsThemBack() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try importFixture("cmdb/cmdb_ci.csv", "ci", in: folder)
        _ = try importFixture("itsm/incident.csv", "incident", in: folder)
        let before = try tally(["extract", "incident", "--out", "-"], in: folder).0.stdout

        // Six rows: two incidents and a Linux server deleted, one incident changed after its
        // delete (stale), one sys_id the store never held (a warning), one table no entity has.
        let (deleted, summary) = try tally(["import", Paths.fixture("deletes/sys_audit_delete.csv"), "--deletes", "--json"], in: folder)
        #expect(deleted.status == 65, "\(deleted.stderr)")
        #expect(summary["status"] as? String == "committed")
        #expect(summary["entity"] as? String == "sys_audit_delete")
        let c = counts(summary)
        #expect(c["read"] == 6 && c["updated"] == 3 && c["skipped_stale"] == 1 && c["unchanged"] == 1 && c["rejected"] == 1, "\(c)")
        #expect(c["retired"] == 3 && c["warnings"] == 1, "\(c)")
        let run = try #require(summary["run"] as? Int)

        let rejects = try TallyProcess.run(["rejects", "--run", String(run)], in: folder)
        #expect(rejects.stdout.contains("'sys_user' is no table Tally loads"), "\(rejects.stdout)")

        let extract = try tally(["extract", "incident", "--out", "-"], in: folder).0.stdout
        #expect(!extract.contains("INC0010001") && !extract.contains("INC0010002") && extract.contains("INC0010003"))
        let all = try tally(["extract", "incident", "--include-deleted", "--out", "-"], in: folder).0
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.split(separator: "\n").first?.hasSuffix(",deleted_at") == true)
        #expect(all.stdout.split(separator: "\n").first { $0.contains("INC0010001") }?.hasSuffix(",2026-11-02 09:15:00") == true)
        let ci = try StoreProbe(folder)
        #expect(try ci.text("SELECT install_status FROM entity_ci WHERE name = 'lnx-web-01'") == "7")
        #expect(try ci.text("SELECT _deleted_at FROM entity_ci WHERE name = 'lnx-web-01'") == "2026-11-03 17:40:12")

        // The Table API shape of the same table.
        let (json, jsonSummary) = try tally(["import", Paths.fixture("deletes/sys_audit_delete.json"), "--deletes", "--json"], in: folder)
        #expect(json.status == 65, "\(json.stderr)")
        #expect(counts(jsonSummary)["updated"] == 1 && counts(jsonSummary)["rejected"] == 1, "\(jsonSummary)")

        let history = try TallyProcess.run(["history", "incident", "INC0010001"], in: folder)
        #expect(history.stdout.contains("_deleted_at"), "\(history.stdout)")
        #expect(try TallyProcess.run(["check"], in: folder).status == 0)

        // Undone newest first, the incidents are back exactly as they were; the store still holds.
        for target in [run + 1, run] {
            let rollback = try TallyProcess.run(["rollback", String(target)], in: folder)
            #expect(rollback.status == 0, "\(rollback.stderr)")
        }
        #expect(try tally(["extract", "incident", "--out", "-"], in: folder).0.stdout == before)
        let check = try TallyProcess.run(["check"], in: folder)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func theCommandLineSaysWhatGoesWithDeletes() throws {
        let folder = try Paths.makeTempDirectory()
        let snapshot = try TallyProcess.run(["import", Paths.fixture("deletes/sys_audit_delete.csv"), "--deletes", "--snapshot"], in: folder)
        #expect(snapshot.status == 64)
        #expect(snapshot.stderr.contains("'--snapshot' does not go with --deletes"), "\(snapshot.stderr)")
        // The platform's table name as the entity is the same as --deletes.
        let (byTable, summary) = try tally(["import", Paths.fixture("deletes/sys_audit_delete.csv"), "--entity", "sys_audit_delete", "--json"], in: folder)
        #expect(byTable.status == 65, "\(byTable.stderr)")
        #expect(summary["entity"] as? String == "sys_audit_delete")
        #expect(counts(summary)["unchanged"] == 5 && counts(summary)["rejected"] == 1 && counts(summary)["warnings"] == 5, "\(summary)")
        let runs = try TallyProcess.run(["runs"], in: folder)
        #expect(runs.stdout.contains("sys_audit_delete"), "\(runs.stdout)")
        let help = try TallyProcess.run(["import", "--help"], in: folder)
        #expect(help.stdout.contains("--deletes"))
        let extractHelp = try TallyProcess.run(["extract", "--help"], in: folder)
        #expect(extractHelp.stdout.contains("--include-deleted"))
    }

    @Test func aJobTakesADeletesInputAfterTheEntitiesItDeletesFrom() throws {
        let folder = try Paths.makeTempDirectory("tally-job")
        // Listed first, run last: sys_audit_delete is no entity of the load order.
        let job = """
            {"name": "deletes", "store": "tally.db", "inputs": [
              {"entity": "sys_audit_delete", "mode": "deletes", "glob": "\(Paths.fixture("deletes/sys_audit_delete.csv"))"},
              {"entity": "incident", "glob": "\(Paths.fixture("itsm/incident.csv"))"}]}
            """
        try Data(job.utf8).write(to: folder.appendingPathComponent("job.json"))
        let result = try TallyProcess.run(["run", "job.json", "--json"], in: folder, environment: ["NO_COLOR": "1"])
        #expect(result.status == 65, "\(result.stderr)")  // the sys_user row is rejected
        let inputs = try #require(try jsonObject(result.stdout)["inputs"] as? [[String: Any]])
        #expect(inputs.map { $0["entity"] as? String } == ["incident", "sys_audit_delete"])
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_incident", "_deleted_at IS NOT NULL") == 2)
        // A map does not go with a deletes input.
        try Data(job.replacingOccurrences(of: #""mode": "deletes","#, with: #""mode": "deletes", "map": "m.json","#).utf8)
            .write(to: folder.appendingPathComponent("bad.json"))
        let bad = try TallyProcess.run(["run", "bad.json"], in: folder)
        #expect(bad.status == 64 && bad.stderr.contains("takes no 'map' or 'precedence'"), "\(bad.stderr)")
    }
}
