import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// Rows of one input that identify one record under different identities are said, not hidden.
@Suite("Identity collisions")
struct IdentityCollisionTests {
    static let header = "name,sys_class_name,serial_number,mac_address,sys_updated_on"

    /// Warnings of `rule` by line, with their messages.
    static func findings(_ store: StoreHarness, rule: String = "identity.collision") throws -> [(line: Int, message: String)] {
        try store.connection.rows("SELECT line, message FROM findings WHERE rule = ? AND severity = 'warning' ORDER BY line", [.text(rule)])
            .map { (Int($0[0].integer ?? 0), $0[1].text ?? "") }
    }

    /// A CMDB CSV without sys_ids where CIs share one serial under different names: they merge
    /// (as the platform's identification by serial and class would), and every row is named.
    @Test func cisSharingASerialUnderDifferentNamesAreACollisionNamingEveryLine() throws {
        let store = try StoreHarness()
        let rows = [
            "lab-pc-1,cmdb_ci_computer,L3BB911,,2026-01-01 00:00:00",   // line 2
            "web-01,cmdb_ci_server,SN1,,2026-01-01 00:00:00",           // line 3: another CI
            "lab-pc-2,cmdb_ci_computer,L3BB911,,2026-01-01 00:00:00",   // line 4
            "lab-pc-3,cmdb_ci_computer,L3BB911,,2026-01-01 00:00:00",   // line 5
            "lab-pc-2,cmdb_ci_computer,L3BB911,,2026-01-01 00:00:00",   // line 6: as line 4
        ]
        let result = try store.importText(csv(Self.header, rows), entity: "ci")
        #expect(result.counts.inserted == 2 && result.counts.read == 5 && result.counts.isConserved, "\(result.counts)")
        #expect(result.counts.warnings == 4)
        #expect(try store.count("SELECT count(*) FROM entity_ci WHERE serial_number = 'L3BB911'") == 1)
        let found = try Self.findings(store)
        #expect(found.map(\.line) == [2, 4, 5, 6])
        let file = store.folder.appendingPathComponent("input-1.csv").path
        for finding in found {
            #expect(finding.message.hasPrefix("4 rows of this input (\(file):2, \(file):4, \(file):5, \(file):6) identify the same ci (L3BB911/cmdb_ci_computer) with different name; they were merged into one record"), "\(finding.message)")
        }
        #expect(try store.count("SELECT count(*) FROM findings WHERE rule = 'identity.collision' AND rejected = 0 AND raw LIKE '%lab-pc-%'") == 4)
        var check = StoreCheck(database: store.database)
        check.isAlive = { _ in true }
        #expect(try check.run().holds)
    }

    /// A CMDB list view has no Updated column: its rows are versioned by the export's time, and
    /// the rows that collide are found and named all the same.
    @Test func aListViewWithoutVersionsNamesItsCollisionsToo() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv("name,sys_class_name,serial_number", [
            "lab-pc-1,cmdb_ci_computer,L3BB911",   // line 2
            "lab-pc-2,cmdb_ci_computer,L3BB911",   // line 3
        ]), entity: "ci")
        #expect(result.counts.inserted == 1 && result.counts.read == 2 && result.counts.isConserved, "\(result.counts)")
        #expect(try Self.findings(store).map(\.line) == [2, 3])
        #expect(result.counts.warnings == 2)
    }

    /// The same CI in every row, or one file per CI: nothing to say.
    @Test func aRecordSeenUnderOneIdentityOrAcrossInputsIsNoCollision() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, [
            "lab-pc-1,cmdb_ci_computer,L3BB911,,2026-01-01 00:00:00",
            "lab-pc-1,cmdb_ci_computer,L3BB911,,2026-01-02 00:00:00",
        ]), entity: "ci")
        // A later export renaming it: a rename, said by the audit.
        let renamed = try store.importText(csv(Self.header, ["lab-pc-9,cmdb_ci_computer,L3BB911,,2026-01-03 00:00:00"]), entity: "ci")
        #expect(renamed.counts.updated == 1)
        #expect(try Self.findings(store).isEmpty)
    }

    /// A row sharing only a stored CI's MAC address, in another class, does not rename and
    /// re-class it: a MAC identifies a CI within its class; the row is a CI of its own, said.
    @Test func aMACOnlyMatchAcrossClassesIsInsertedAndSaid() throws {
        let store = try StoreHarness()
        try store.importText(csv(Self.header, ["lnx-01,cmdb_ci_linux_server,,aa:bb:cc:00:00:01,2026-01-01 00:00:00"]), entity: "ci")
        let result = try store.importText(csv(Self.header, ["desk-7,cmdb_ci_computer,,aa:bb:cc:00:00:01,2026-01-02 00:00:00"]), entity: "ci")
        #expect(result.counts.inserted == 1 && result.counts.updated == 0 && result.counts.warnings == 1, "\(result.counts)")
        #expect(try store.value("SELECT sys_class_name FROM entity_ci WHERE name = 'lnx-01'") == "cmdb_ci_linux_server")
        #expect(try store.count("SELECT count(*) FROM entity_ci") == 2)
        let found = try Self.findings(store)
        #expect(found.map(\.line) == [2])
        #expect(found.first?.message.hasPrefix("mac_address aa:bb:cc:00:00:01 is also stored ci lnx-01/cmdb_ci_linux_server (#1)'s") == true, "\(found)")
        // Within the class, the MAC address identifies it.
        let same = try store.importText(csv(Self.header, ["lnx-01-renamed,cmdb_ci_linux_server,,aa:bb:cc:00:00:01,2026-01-03 00:00:00"]), entity: "ci")
        #expect(same.counts.updated == 1 && same.counts.warnings == 0)
    }
}
