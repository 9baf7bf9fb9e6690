import Foundation
import Testing
import TallyStore
import TestSupport

/// `tally import` counts each row for what it did; `tally check` holds the counts to the audit.
@Suite("tally import counts and tally check")
struct CountingEndToEndTests {
    @Test func threeVersionsOfOneIncidentInOneFileCountAnInsertAndTwoUpdates() throws {
        let folder = try Paths.makeTempDirectory()
        let file = try Paths.write("""
            number,state,short_description,sys_updated_on,sys_mod_count
            INC0000001,1,first,2026-01-01 10:00:00,1
            INC0000001,2,second,2026-01-02 10:00:00,2
            INC0000001,6,third,2026-01-03 10:00:00,3

            """, "incident.csv", in: folder)
        let result = try TallyProcess.run(["import", file, "-e", "incident"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Total: read 3, inserted 1, updated 2, unchanged 0, skipped_stale 0, rejected 0"), "\(result.stdout)")
        let store = try StoreProbe(folder)
        #expect(try store.rows("SELECT field, old, new FROM audit WHERE field = 'state' ORDER BY id") == [["state", "1", "2"], ["state", "2", "6"]])
        let check = try TallyProcess.run(["check"], in: folder)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// A store whose run counts were changed behind Tally's back (as the old rule counted that
    /// file: one insert and two stale rows, still conserved) fails the check, naming the run.
    @Test func checkFailsARunWhoseCountsDisagreeWithItsAudit() throws {
        let folder = try Paths.makeTempDirectory()
        let file = try Paths.write("""
            number,state,sys_updated_on,sys_mod_count
            INC0000001,1,2026-01-01 10:00:00,1
            INC0000001,2,2026-01-02 10:00:00,2
            INC0000001,6,2026-01-03 10:00:00,3

            """, "incident.csv", in: folder)
        #expect(try TallyProcess.run(["import", file, "-e", "incident"], in: folder).status == 0)
        let connection = try Connection(path: folder.appendingPathComponent("tally.db").path)
        try connection.execute("UPDATE runs SET updated = 0, skipped_stale = 2 WHERE id = 1")
        try connection.execute("UPDATE run_inputs SET updated = 0, skipped_stale = 2 WHERE run = 1")
        let check = try TallyProcess.run(["check"], in: folder)
        #expect(check.status == 65)
        #expect(check.stdout.contains("FAIL conservation"), "\(check.stdout)")
        #expect(check.stdout.contains("error: run 1 counts 0 updated, but its audit records field changes by 2 row(s)"), "\(check.stdout)")
    }

    /// CIs sharing a serial under different names in a CSV without sys_ids: merged, and every
    /// row said as an identity.collision warning with its line; cmdb_health counts them.
    @Test func identityCollisionsAreWarningsWithEveryLineAndCountedInCMDBHealth() throws {
        let folder = try Paths.makeTempDirectory()
        let file = try Paths.write("""
            Name,Class,Serial number,Updated
            lab-pc-1,cmdb_ci_computer,L3BB911,2026-01-01 00:00:00
            lab-pc-2,cmdb_ci_computer,L3BB911,2026-01-01 00:00:00
            web-01,cmdb_ci_server,SN1,2026-01-01 00:00:00
            lab-pc-3,cmdb_ci_computer,L3BB911,2026-01-01 00:00:00

            """, "cmdb_ci.csv", in: folder)
        let result = try TallyProcess.run(["import", file, "-e", "ci"], in: folder)
        // One version for all three rows: the later two are same-version ties (conflicts, exit 65).
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stdout.contains("conflicts 2"), "\(result.stdout)")
        #expect(result.stdout.contains("Total: read 4, inserted 2, "), "\(result.stdout)")
        #expect(result.stdout.contains("warnings 3"), "\(result.stdout)")
        let store = try StoreProbe(folder)
        let found = try store.rows("SELECT line, message FROM findings WHERE rule = 'identity.collision' ORDER BY line")
        #expect(found.map { $0[0] } == ["2", "3", "5"])
        #expect(found.allSatisfy { $0[1]?.contains("(\(file):2, \(file):3, \(file):5)") == true })
        let health = try TallyProcess.run(["extract", "cmdb_health", "--format", "csv"], in: folder)
        #expect(health.stdout.split(separator: "\n").dropFirst().first?.hasSuffix(",3") == true, "\(health.stdout)")
        // The steward page shows the count.
        #expect(try TallyProcess.run(["report", "--html", "report.html"], in: folder).status == 0)
        let page = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("<p id=\"cmdb-collisions\">Identity collisions: <strong>3</strong>"))
    }

    /// A job that imports a source's CIs from several files: the collisions of each of them count,
    /// not only the last file's; a later import of that source on its own replaces them.
    @Test func identityCollisionsCountEveryFileOfTheNewestJobRun() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try Paths.write("""
            Name,Class,Serial number,Updated
            lab-pc-1,cmdb_ci_computer,L3BB911,2026-01-01 00:00:00
            lab-pc-2,cmdb_ci_computer,L3BB911,2026-01-01 00:00:00

            """, "a.csv", in: folder)
        _ = try Paths.write("Name,Class,Serial number,Updated\ndb-01,cmdb_ci_server,SN9,2026-01-02 00:00:00\n", "b.csv", in: folder)
        _ = try Paths.write(#"{"name": "cmdb", "store": "tally.db", "inputs": [{"entity": "ci", "glob": "a.csv"}, {"entity": "ci", "glob": "b.csv"}]}"#,
                      "job.json", in: folder)
        #expect(try TallyProcess.run(["run", "job.json"], in: folder).status == 65)
        let collisions = { () throws -> String? in
            let health = try TallyProcess.run(["extract", "cmdb_health", "--format", "csv"], in: folder)
            return csvRecords(health.stdout).first?["identity_collisions"]
        }
        #expect(try collisions() == "2")
        _ = try Paths.write("Name,Class,Serial number,Updated\nweb-09,cmdb_ci_server,SN10,2026-01-03 00:00:00\n", "c.csv", in: folder)
        #expect(try TallyProcess.run(["import", "c.csv", "-e", "ci"], in: folder).status == 0)
        #expect(try collisions() == "0")
    }
}
