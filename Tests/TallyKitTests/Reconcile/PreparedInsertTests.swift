import Foundation
import Testing
import TestSupport
import TallyStore
@testable import TallyKit

/// An insert's packed values, record hash and audit digest, worked out on the preparing thread for
/// a row that is likely new (``PreparedInsert``): what is stored must be the values mapped (or
/// resolved), and the hashes those of the values stored.
@Suite("An insert worked out while preparing")
struct PreparedInsertTests {
    /// Each incident's stored `_hash` and insert digest, against those its stored values give.
    func hashesAgree(_ store: StoreHarness) throws -> [String: Bool] {
        let entity = try #require(store.database.registry.entity(named: "incident"))
        var agree: [String: Bool] = [:]
        for row in try store.connection.rows("SELECT _id, number, _hash FROM entity_incident ORDER BY _id") {
            let id = row[0].integer ?? 0
            let stored = try EntityWriter.load(entity, id: id, connection: store.connection)
            let digest = try store.value("SELECT new FROM audit WHERE entity = 'incident' AND record = ? AND field = '*'", [.integer(id)])
            agree[row[1].text ?? "?"] = row[2].integer == ContentHash.of(stored.values, extra: stored.extra)
                && digest == AuditTrail.insertDigest(of: stored.values.map(\.canonicalText), entity: entity)
        }
        return agree
    }

    @Test func aRowWhoseReferenceResolvesAsItIsInsertedStoresTheHashesOfTheResolvedValues() throws {
        let store = try StoreHarness()
        try store.importText(csv("sys_id,name,sys_class_name,sys_updated_on", [
            "\(sysID("ci-1")),mail-01,cmdb_ci_server,2026-03-01 10:00:00",
        ]), entity: "ci")
        let header = "number,state,cmdb_ci,made_sla,u_custom,sys_updated_on"   // u_custom: kept as extra
        let rows = [
            "INC0000001,2,mail-01,true,a,2026-03-01 10:00:00",      // the CI's name resolves to its sys_id
            "INC0000002,2,no-such-ci,true,b,2026-03-01 10:00:00",   // stays as read, pending
            "INC0000003,2,,true,,2026-03-01 10:00:00",
            "INC0000004,2,,false,d,2026-03-01 10:00:00",
        ]
        let result = try store.importText(csv(header, rows), entity: "incident")
        #expect(result.counts.inserted == 4)
        #expect(try store.value("SELECT cmdb_ci FROM entity_incident WHERE number = 'INC0000001'") == sysID("ci-1"))
        #expect(try store.value("SELECT cmdb_ci FROM entity_incident WHERE number = 'INC0000002'") == "no-such-ci")
        #expect(try hashesAgree(store) == ["INC0000001": true, "INC0000002": true, "INC0000003": true, "INC0000004": true])
        #expect(try StoreCheck(database: store.database).run().holds)
        // The stored hashes are what change detection reads: the same file again changes nothing.
        let again = try store.importText(csv(header, rows), entity: "incident", force: true)
        #expect(again.counts.unchanged == 4)
    }
}
