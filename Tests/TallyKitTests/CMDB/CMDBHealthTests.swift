import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

@Suite("CMDB health: candidates, stale days per class, relationships, trend")
struct CMDBHealthTests {
    func rows(_ report: String, _ store: StoreHarness, _ parameters: ReportParameters = ReportParameters()) throws -> [[String: String]] {
        let definition = try #require(ReportCatalogue.standard.report(named: report))
        var rows: [[String: String]] = []
        try definition.forEachRow(in: store.connection, parameters: parameters) { values in
            var row: [String: String] = [:]
            for (column, value) in zip(definition.columns, values) { row[column.name] = value }
            rows.append(row)
        }
        return rows
    }

    func plantedStore() throws -> StoreHarness {
        let store = try StoreHarness()
        for (file, entity) in [("cmdb_ci.csv", "ci"), ("cmdb_rel_ci.csv", "ci_relationship"), ("incident.csv", "incident")] {
            _ = try Importer(database: store.database).run(ImportRequest(paths: [Paths.fixture("cmdb-duplicates/\(file)")], entity: entity, command: "test"))
        }
        return store
    }

    @Test func aCandidatePairCountsAsDuplicateBesideTheIdentificationRules() throws {
        let store = try plantedStore()
        let exceptions = try rows("cmdb_exceptions", store)
        func duplicateOn(_ name: String) -> String? { exceptions.first { $0["name"] == name }?["duplicate_on"] }
        #expect(duplicateOn("lnx-pay-00") == "candidate")          // serial `DL-4X7Q2` beside `dl 4x7q2`: no rule sees it
        #expect(duplicateOn("win-fs-01") == "serial candidate")    // the same serial exactly: the rule and the candidate
        #expect(duplicateOn("sw-core-00") == "name+class candidate")
        #expect(duplicateOn("lt-junk-00") == "")                   // a junk serial matches nothing (listed as incomplete)
        let health = try rows("cmdb_health", store)
        let linux = try #require(health.first { $0["sys_class_name"] == "cmdb_ci_linux_server" })
        // lnx-pay-00/01/02 and their -old twins, esxhost07, the three db-ora-NN, mon-01.
        #expect(linux["duplicate"] == "11", "\(linux)")
    }

    @Test func staleDaysCanBeSetPerClass() throws {
        let store = try plantedStore()
        let (parsed, problem) = ReportParameters.staleDays("60, cmdb_ci_computer=0")
        let parameters = try #require(parsed, "\(problem ?? "")")
        #expect(parameters.staleDays == 60 && parameters.staleDaysByClass == ["cmdb_ci_computer": 0])
        let health = try rows("cmdb_health", store, parameters)
        let computer = try #require(health.first { $0["sys_class_name"] == "cmdb_ci_computer" })
        let linux = try #require(health.first { $0["sys_class_name"] == "cmdb_ci_linux_server" })
        #expect(computer["stale_days"] == "0" && linux["stale_days"] == "60" && health.first?["stale_days"] == "60")
        // Every computer but the newest ones is stale at 0 days; no server is at 60.
        #expect(Int(computer["stale"] ?? "") ?? 0 > 30 && linux["stale"] == "0", "\(computer) \(linux)")
        for bad in ["", "x", "-1", "cmdb_ci_computer=", "=5", "60,,30"] {
            #expect(ReportParameters.staleDays(bad).parameters == nil, "\(bad)")
        }
    }

    @Test func relationshipsAreDuplicateOrphanOrStale() throws {
        let store = try plantedStore()
        func ci(_ label: String) throws -> String { try store.value("SELECT sys_id FROM entity_ci WHERE name = ?", [.text(label)]) ?? "" }
        let (app, host, retired) = (try ci("app-billing"), try ci("lnx-bg-000"), try ci("lnx-ret-01-old"))
        try store.importText(csv("sys_id,parent,child,type,sys_updated_on", [
            "\(sysID("r/dup1")),\(app),\(host),Runs on::Runs,2026-09-20 00:00:00",
            "\(sysID("r/dup2")),\(app),\(host),Runs on::Runs,2026-09-20 00:00:00",       // the same parent, child and type
            "\(sysID("r/retired")),\(app),\(retired),Runs on::Runs,2026-09-20 00:00:00", // an end retired
            "\(sysID("r/old")),\(host),\(app),Depends on::Used by,2026-01-01 00:00:00",  // not updated for months
        ]), entity: "ci_relationship")
        let health = try rows("ci_relationship_health", store)
        let all = try #require(health.first)
        #expect(all["type"] == "(all)" && all["relationships"] == "7")
        #expect(all["duplicate"] == "2" && all["orphan"] == "1" && all["stale"] == "1", "\(all)")  // the fixture's three are from 2026-09-01
        #expect(health.map { $0["type"] } == ["(all)", "Depends on::Used by", "Runs on::Runs"])
    }

    @Test func theTrendHasOneRowPerRunThatChangedTheCMDBAndForgetsRolledBackOnes() throws {
        let store = try plantedStore()
        var trend = try rows("cmdb_health_trend", store)
        #expect(trend.map { $0["entity"] } == ["ci", "ci_relationship"])   // not the incident import
        #expect(trend[0]["cis"] == "130" && trend[1]["relationships"] == "3")
        let merge = try CIDedupe(database: store.database).run([CIDedupeDecision(.merge, "lnx-pay-00", "lnx-pay-00-old")], command: "test")
        trend = try rows("cmdb_health_trend", store)
        #expect(trend.last?["kind"] == "dedupe" && trend.last?["cis"] == "129")
        #expect(Double(trend.last?["duplicate_pct"] ?? "") ?? 100 < Double(trend[1]["duplicate_pct"] ?? "") ?? 0)
        _ = try store.rollback(try #require(merge.run))
        #expect(try rows("cmdb_health_trend", store).count == 2)
        let dry = try CIDedupe(database: store.database).run([CIDedupeDecision(.merge, "lnx-pay-00", "lnx-pay-00-old")], dryRun: true, command: "test")
        let afterDry = try rows("cmdb_health_trend", store)
        #expect(dry.status == .dryRun && afterDry.count == 2)
    }

    @Test func theStewardPageShowsTheTrendTheRelationshipsAndTheCandidates() throws {
        let store = try plantedStore()
        let html = try StewardReport(database: store.database, options: .init(generatedAt: "2026-11-23T00:00:00Z")).render()
        #expect(html.contains("<svg id=\"chart-cmdb-trend\""))
        #expect(html.contains("id=\"cmdb-trend-table\""))
        #expect(html.contains("id=\"cmdb-relationships-table\""))
        #expect(html.contains("Duplicate candidates waiting for a steward: <strong>16</strong> pair(s)"))
        // The chart says its numbers in words, like every chart on the page.
        #expect(html.contains("run 2: complete 0.0%, duplicate 27.7%"))
    }
}
