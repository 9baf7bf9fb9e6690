import Foundation
import Testing
import TestSupport
@testable import TallyKit

@Suite("ci_duplicates: candidate pairs")
struct CIDuplicateFinderTests {
    typealias CI = CIDuplicateFinder.CI

    static func ci(_ id: Int64, name: String? = nil, class className: String = "cmdb_ci_linux_server", serial: String? = nil,
                   mac: String? = nil, ip: String? = nil, fqdn: String? = nil) -> CI {
        CI(id: id, sysID: String(format: "%032x", id), name: name ?? "host-\(id)", className: className, serial: serial, mac: mac, ip: ip, fqdn: fqdn)
    }

    func pairs(_ cis: [CI], junk: CIJunkValues = CIJunkValues(), distinct: Set<[Int64]> = []) -> [[Int64]] {
        CIDuplicateFinder(junk: junk, distinct: distinct).pairs(among: cis).map { [$0.a.id, $0.b.id].sorted() }
    }

    @Test func aSerialWrittenTwoWaysIsOnePairWithItsEvidence() throws {
        let found = CIDuplicateFinder().pairs(among: [Self.ci(1, serial: "ABC-123"), Self.ci(2, class: "cmdb_ci_win_server", serial: "abc 123")])
        let pair = try #require(found.first)
        #expect(found.count == 1 && pair.reasons == ["serial"] && pair.score == 0.8)
        #expect(pair.evidence == ["serial ABC-123 = abc 123"])
    }

    @Test func macNotationsHostNamesBesideFQDNsAndIPsMatchAcrossClasses() {
        #expect(pairs([Self.ci(1, mac: "00:11:22:aa:bb:cc"), Self.ci(2, class: "cmdb_ci_computer", mac: "0011.22AA.BBCC")]) == [[1, 2]])
        #expect(pairs([Self.ci(1, name: "db-07"), Self.ci(2, name: "other", class: "cmdb_ci_server", fqdn: "DB-07.corp.example.com")]) == [[1, 2]])
        #expect(pairs([Self.ci(1, name: "mon", ip: "10.2.3.4"), Self.ci(2, name: "MON", class: "cmdb_ci_vm_instance", ip: "010.002.003.004")]) == [[1, 2]])
    }

    @Test func weakEvidenceAloneIsNoCandidate() {
        // An IP alone (DHCP), a name alone across classes (a service and its application).
        #expect(pairs([Self.ci(1, ip: "10.0.0.9"), Self.ci(2, ip: "10.0.0.9")]).isEmpty)
        #expect(pairs([Self.ci(1, name: "payroll", class: "cmdb_ci_service"), Self.ci(2, name: "payroll", class: "cmdb_ci_appl")]).isEmpty)
        // Serials that disagree outweigh a shared name and FQDN: two machines.
        #expect(pairs([Self.ci(1, name: "srv", serial: "A1", fqdn: "srv.x.com"), Self.ci(2, name: "srv", class: "cmdb_ci_server", serial: "B2", fqdn: "srv.x.com")]).isEmpty)
        // The same name within one class is the identification rule's duplicate.
        #expect(pairs([Self.ci(1, name: "sw-core"), Self.ci(2, name: "sw-core")]) == [[1, 2]])
    }

    @Test(arguments: CIJunkValues.standardSerials)
    func aJunkSerialNeverMatches(_ junk: String) {
        #expect(pairs([Self.ci(1, serial: junk), Self.ci(2, serial: junk.lowercased())]).isEmpty)
    }

    @Test(arguments: CIJunkValues.standardMACs)
    func aJunkMACNeverMatches(_ junk: String) {
        #expect(pairs([Self.ci(1, mac: junk), Self.ci(2, mac: junk.uppercased().replacingOccurrences(of: ":", with: "-"))]).isEmpty)
    }

    @Test func theStoreExtendsTheJunkListInSettings() throws {
        let store = try StoreHarness()
        let settings = StoreSettings(store.database)
        let cis = [Self.ci(1, serial: "ASSET-PENDING"), Self.ci(2, serial: "asset pending"),
                   Self.ci(3, mac: "de:ad:be:ef:00:01"), Self.ci(4, mac: "DE-AD-BE-EF-00-01")]
        #expect(pairs(cis, junk: try CIJunkValues(settings: settings)).count == 2)
        try settings.set(CIJunkValues.serialsSetting, "Asset pending, TBC")
        try settings.set(CIJunkValues.macsSetting, "dead.beef.0001")
        #expect(pairs(cis, junk: try CIJunkValues(settings: settings)).isEmpty)
    }

    @Test func aValueMoreThanNCIsShareIsJunkForTheStore() {
        let five = (1...5).map { Self.ci(Int64($0), serial: "CLONE-1") }
        #expect(pairs(five).count == 10)  // five CIs: every pair among them
        let six = (1...6).map { Self.ci(Int64($0), serial: "CLONE-1") }
        #expect(pairs(six).isEmpty)
        // Nor is it evidence for a pair another value opened.
        let withMAC = six + [Self.ci(7, serial: "clone 1", mac: "00:11:22:33:44:55"), Self.ci(8, serial: "CLONE1", mac: "001122334455")]
        let pair = CIDuplicateFinder().pairs(among: withMAC).first
        #expect(pair?.reasons == ["mac"])
        #expect(pairs(six, junk: CIJunkValues(limit: 6)).count == 15)
    }

    @Test func aPairDeclaredDistinctIsLeftOut() {
        let cis = [Self.ci(1, serial: "S1"), Self.ci(2, serial: "s-1"), Self.ci(3, serial: "S 1")]
        #expect(pairs(cis).count == 3)
        #expect(pairs(cis, distinct: [[1, 3]]) == [[1, 2], [2, 3]])
    }

    /// The planted-duplicates fixture: every planted pair found, no look-alike listed.
    @Test func precisionAndRecallOnThePlantedFixture() throws {
        let store = try StoreHarness()
        let result = try Importer(database: store.database).run(ImportRequest(paths: [Paths.fixture("cmdb-duplicates/cmdb_ci.csv")], entity: "ci", command: "test"))
        #expect(result.counts.inserted == 131 && result.counts.rejected == 0)
        let expectedText = try String(contentsOfFile: Paths.fixture("cmdb-duplicates/expected.csv"), encoding: .utf8)
        let expected = Set(expectedText.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",").map(String.init)
            return [cells[0], cells[1]]
        })
        #expect(expected.count == 16)
        let finder = try CIDuplicateFinder(connection: store.connection)
        let found = try finder.pairs(in: store.connection, registry: .standard)
        // Streamed from the store (CIs read again only for their pairs) as from CIs held in memory.
        #expect(found == finder.pairs(among: try CIDuplicateFinder.liveCIs(in: store.connection, registry: .standard)))
        let got = Set(found.map { [$0.a.sysID ?? "", $0.b.sysID ?? ""].sorted() })
        let truePositives = Double(got.intersection(expected).count)
        let precision = got.isEmpty ? 0 : truePositives / Double(got.count)
        let recall = truePositives / Double(expected.count)
        print("ci_duplicates on fixtures/cmdb-duplicates: \(got.count) pairs listed, \(Int(truePositives)) of \(expected.count) planted found; precision \(precision), recall \(recall)")
        #expect(precision >= 0.9, "listed but not planted: \(got.subtracting(expected))")
        #expect(recall >= 0.9, "planted but not found: \(expected.subtracting(got))")
    }
}
