import Foundation
import Testing
import TestSupport

@Suite("history, conflicts, settings")
struct StewardCommandTests {
    /// A store in a new folder where run 1 (source servicenow) inserted INC0000001 assigned to Ann
    /// and run 2 (source manual) changed it to Bob.
    func importAnnThenBob() throws -> URL {
        let folder = try Paths.makeTempDirectory()
        let header = "number,state,assigned_to,sys_updated_on,sys_mod_count\n"
        let first = try Paths.write(header + "INC0000001,1,Ann,2026-01-01 00:00:00,1\n", "a.csv", in: folder)
        let second = try Paths.write(header + "INC0000001,2,Bob,2026-01-02 00:00:00,2\n", "b.csv", in: folder)
        #expect(try TallyProcess.run(["import", first, "-e", "incident", "--source", "servicenow"], in: folder).status == 0)
        #expect(try TallyProcess.run(["import", second, "-e", "incident", "--source", "manual"], in: folder).status == 0)
        return folder
    }

    @Test func historyShowsChangesNewestFirstAndWhoLastSetEachField() throws {
        let folder = try importAnnThenBob()
        let result = try TallyProcess.run(["history", "incident", "INC0000001"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "incident INC0000001: 5 change(s), newest first")
        #expect(lines.contains("  run 2 [manual] assigned_to_display: Ann → Bob"))  // a name: the display value
        // An insert shows the values it inserted (its audit row holds a digest only), not the later ones.
        let insert = try #require(lines.firstIndex(of: "  run 1 [servicenow] inserted:"))
        #expect(Array(lines[(insert + 1)...].prefix(4)) == ["      number: INC0000001", "      state: 1", "      assigned_to_display: Ann",
                                                             "      sys_updated_on: 2026-01-01 00:00:00"])
        #expect(!result.stdout.contains("#"), "no digest")
        #expect(lines.contains("  assigned_to_display: source manual, run 2"))
        #expect(lines.contains("  opened_at: source servicenow, run 1"))

        let json = try TallyProcess.run(["history", "incident", "INC0000001", "--json"], in: folder)
        let objects = json.stdout.split(separator: "\n").compactMap { try? jsonObject(String($0)) }
        #expect(objects.count == 5)
        #expect(objects.first?["run"] as? Int == 2)

        let missing = try TallyProcess.run(["history", "incident", "INC9999999"], in: folder)
        #expect(missing.status == 64)  // like "no such run"
        #expect(missing.stderr.contains("no incident with sys_id, number or key 'INC9999999'"))
    }

    @Test func historyAfterARollbackNamesOnlyRunsThatStand() throws {
        let folder = try importAnnThenBob()
        #expect(try TallyProcess.run(["rollback", "2"], in: folder).status == 0)
        let undone = try TallyProcess.run(["history", "incident", "INC0000001"], in: folder)
        let lines = undone.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  run 2 [manual] assigned_to_display: Ann → Bob   (undone by run 3)"))
        #expect(lines.contains("  run 3 [rollback of run 2] assigned_to_display: Bob → Ann"))
        #expect(lines.contains("  assigned_to_display: source servicenow, run 1"), "the value is run 1's again")
        #expect(lines.contains("  state: source servicenow, run 1"))
        let setters = lines.drop { !$0.hasPrefix("Last set by") }
        #expect(!setters.contains { $0.hasSuffix("run 2") || $0.hasSuffix("run 3") }, "\(setters)")

        // Rolling the insert back removes the record: the removal shows its fields, and nothing is set any more.
        #expect(try TallyProcess.run(["rollback", "1"], in: folder).status == 0)
        let removed = try TallyProcess.run(["history", "incident", "INC0000001"], in: folder)
        let after = removed.stdout.split(separator: "\n").map(String.init)
        let removal = try #require(after.firstIndex(of: "  run 4 [rollback of run 1] removed:"))
        #expect(Array(after[(removal + 1)...].prefix(3)) == ["      number: INC0000001", "      state: 1", "      assigned_to_display: Ann"])
        #expect(!removed.stdout.contains("{\""), "no raw JSON")
        #expect(after.contains("  run 1 [servicenow] inserted:   (undone by run 4)"))
        #expect(after.last == "Last set by: nothing; run 4 [rollback of run 1] removed the record.")
    }

    @Test func conflictsAreListedAndTheImportExits65() throws {
        let folder = try Paths.makeTempDirectory()
        let precedence = try Paths.write(#"{"ci": {"ip_address": {"policy": "owner", "sources": ["discovery", "manual"]}}}"#, "p.json", in: folder)
        let header = "name,sys_class_name,serial_number,ip_address,sys_updated_on\n"
        let discovered = try Paths.write(header + "web,cmdb_ci_server,SN1,10.0.0.1,2026-01-01 00:00:00\n", "d.csv", in: folder)
        let manual = try Paths.write(header + "web,cmdb_ci_server,SN1,10.9.9.9,2026-01-02 00:00:00\n", "m.csv", in: folder)
        #expect(try TallyProcess.run(["import", discovered, "-e", "ci", "--source", "discovery", "--precedence", precedence], in: folder).status == 0)
        let second = try TallyProcess.run(["import", manual, "-e", "ci", "--source", "manual", "--precedence", precedence, "--json"], in: folder)
        #expect(second.status == 65)
        #expect(counts(try jsonObject(second.stdout))["conflicts"] == 1)
        let listed = try TallyProcess.run(["conflicts", "--run", "2", "--format", "csv"], in: folder)
        #expect(listed.status == 0)
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.first == "run,entity,key,field,stored,stored_source,incoming,source,rule,message")
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("2,ci,SN1/cmdb_ci_server,ip_address,10.0.0.1,discovery,10.9.9.9,manual,precedence.owner,") == true)
    }

    @Test func aSnapshotThatWouldWipeTooMuchExits1AndSaysWhy() throws {
        let folder = try Paths.makeTempDirectory()
        let header = "name,sys_class_name,serial_number,sys_updated_on\n"
        let full = try Paths.write(header + (1...10).map { "ci-\($0),cmdb_ci_server,SN\($0),2026-01-01 00:00:00\n" }.joined(), "full.csv", in: folder)
        let cut = try Paths.write(header + (1...5).map { "ci-\($0),cmdb_ci_server,SN\($0),2026-01-01 00:00:00\n" }.joined(), "cut.csv", in: folder)
        #expect(try TallyProcess.run(["import", full, "-e", "ci"], in: folder).status == 0)
        let result = try TallyProcess.run(["import", cut, "-e", "ci", "--snapshot"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("would retire 5 of 10 ci records"))
        #expect(try StoreProbe(folder).count("entity_ci", "install_status = 7") == 0)
        let bad = try TallyProcess.run(["import", cut, "-e", "ci", "--max-retire", "0.5"], in: folder)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("'--max-retire' and '--expect-rows' go with --snapshot"))
    }

    @Test func settingsAreSetListedAndChecked() throws {
        let folder = try Paths.makeTempDirectory()
        #expect(try TallyProcess.run(["settings", "set", "sync_enabled", "true"], in: folder).status == 0)
        #expect(try TallyProcess.run(["settings", "set", "case_fields_to_sync", "incident,problem"], in: folder).status == 0)
        let listed = try TallyProcess.run(["settings"], in: folder)
        #expect(listed.stdout == "case_fields_to_sync=incident,problem\nsync_enabled=true\n")
        #expect(try TallyProcess.run(["settings", "get", "sync_enabled"], in: folder).stdout == "true\n")
        let unknown = try TallyProcess.run(["settings", "set", "sync", "true"], in: folder)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown setting 'sync'"))
        let badValue = try TallyProcess.run(["settings", "set", "sync_enabled", "maybe"], in: folder)
        #expect(badValue.status == 64)
    }
}
