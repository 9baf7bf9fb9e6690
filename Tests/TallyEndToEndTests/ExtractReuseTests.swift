import Foundation
import Testing
import TestSupport

/// A report whose inputs did not change since the folder's last extract is not computed again:
/// the manifest marks it reused, and its bytes are those a fresh extract writes (issue 26).
@Suite("tally extract: reusing unchanged reports")
struct ExtractReuseTests {
    /// Every extract the catalogue lists: the reports and the entity feeds.
    static var names: [String] { ExtractReportTests.extracts }

    /// A store with CIs, incidents and cases (runs 1–3), and the incident labels export left to import.
    static func store() throws -> URL {
        let folder = try Paths.makeTempDirectory("tally-reuse")
        for (file, entity) in [("cmdb/cmdb_ci.csv", "ci"), ("itsm/incident.csv", "incident"), ("csm/sn_customerservice_case.xml", "case")] {
            let result = try TallyProcess.run(["import", Paths.fixture(file), "--entity", entity], in: folder)
            #expect(result.status == 0 || result.status == 65, "\(result.stderr)")
        }
        return folder
    }

    /// Extracts every listed extract into `out`; returns each file's `reused` flag.
    @discardableResult
    static func extract(_ folder: URL, into out: String = "out", _ extra: [String] = []) throws -> [String: Bool] {
        let result = try TallyProcess.run(["extract"] + names + ["--out", out] + extra, in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: folder.appendingPathComponent(out + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.count == names.count)
        var reused: [String: Bool] = [:]
        for file in files {
            let name = try #require(file["report"] as? String)
            reused[name] = try #require(file["reused"] as? Bool)
            #expect((file["inputs_sha256"] as? String)?.count == 64)
        }
        return reused
    }

    /// Every file in `out` is byte for byte what a fresh extract into an empty folder writes.
    static func expectSameAsFresh(_ folder: URL, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fresh = "fresh-\(UUID().uuidString)"
        let reused = try extract(folder, into: fresh, extra)
        #expect(reused.values.allSatisfy { !$0 }, "an empty folder reuses nothing", sourceLocation: sourceLocation)
        for name in names {
            let kept = try Data(contentsOf: folder.appendingPathComponent("out/\(name).csv"))
            let made = try Data(contentsOf: folder.appendingPathComponent("\(fresh)/\(name).csv"))
            #expect(kept == made, "\(name).csv differs from a fresh extract", sourceLocation: sourceLocation)
        }
    }

    @Test func nothingChangedReusesEveryFileByteForByte() throws {
        let folder = try Self.store()
        let first = try Self.extract(folder)
        #expect(first.values.allSatisfy { !$0 }, "the first extract computes everything")
        let before = try Self.names.map { try Data(contentsOf: folder.appendingPathComponent("out/\($0).csv")) }
        let second = try Self.extract(folder)
        #expect(second == Dictionary(uniqueKeysWithValues: Self.names.map { ($0, true) }), "\(second)")
        let after = try Self.names.map { try Data(contentsOf: folder.appendingPathComponent("out/\($0).csv")) }
        #expect(before == after)
        try Self.expectSameAsFresh(folder)
        // SHA256SUMS still checks every file, reused ones included.
        let sums = try String(contentsOf: folder.appendingPathComponent("out/SHA256SUMS"), encoding: .utf8)
        #expect(sums.split(separator: "\n").count == Self.names.count + 1)
        let said = try TallyProcess.run(["extract", "case_links", "--out", "out", "--json"], in: folder)
        #expect(said.stderr.contains("kept out/case_links.csv: ") && said.stderr.contains("reused"), "\(said.stderr)")
        #expect(said.stdout.contains("\"reused\": true"), "\(said.stdout)")
    }

    @Test func aRunMakesTheReportsComputedAgain() throws {
        let folder = try Self.store()
        try Self.extract(folder)
        let run = try TallyProcess.run(["import", Paths.fixture("itsm/incident_labels.csv"), "--entity", "incident"], in: folder)
        #expect(run.status == 0 || run.status == 65, "\(run.stderr)")
        let after = try Self.extract(folder)
        #expect(after.values.allSatisfy { !$0 }, "\(after)")
        try Self.expectSameAsFresh(folder)
    }

    @Test func aRollbackMakesTheReportsComputedAgain() throws {
        let folder = try Self.store()
        try Self.extract(folder)
        #expect(try TallyProcess.run(["rollback", "2"], in: folder).status == 0)
        let after = try Self.extract(folder)
        #expect(after["incident"] == false && after["run_summary"] == false && after["incident_metrics"] == false, "\(after)")
        try Self.expectSameAsFresh(folder)
    }

    @Test func aSettingOrAnArgumentChangeMakesThemComputedAgain() throws {
        let folder = try Self.store()
        try Self.extract(folder)
        #expect(try TallyProcess.run(["settings", "set", "sync_enabled", "true"], in: folder).status == 0)
        #expect(try Self.extract(folder).values.allSatisfy { !$0 }, "a setting changed")
        #expect(try Self.extract(folder).values.allSatisfy { $0 }, "nothing changed since")
        let days = try Self.extract(folder, ["--stale-days", "7"])
        #expect(days.values.allSatisfy { !$0 }, "another --stale-days: \(days)")
        try Self.expectSameAsFresh(folder, ["--stale-days", "7"])
    }

    @Test func aSkippedRunChangesOnlyTheRunSummary() throws {
        let folder = try Self.store()
        try Self.extract(folder)
        let skipped = try TallyProcess.run(["import", Paths.fixture("itsm/incident.csv"), "--entity", "incident"], in: folder)
        #expect(skipped.status == 0 && (skipped.stdout + skipped.stderr).contains("skipped"), "\(skipped.stdout)")
        let after = try Self.extract(folder)
        #expect(after["run_summary"] == false)
        #expect(after.filter { $0.key != "run_summary" }.values.allSatisfy { $0 }, "\(after)")
        try Self.expectSameAsFresh(folder)
    }

    @Test func aFileChangedBehindTheManifestIsWrittenAgain() throws {
        let folder = try Self.store()
        try Self.extract(folder)
        let path = folder.appendingPathComponent("out/case_links.csv")
        var bytes = try Data(contentsOf: path)
        bytes[bytes.count - 2] ^= 0x01
        try bytes.write(to: path)
        let after = try Self.extract(folder)
        #expect(after["case_links"] == false && after["incident_metrics"] == true)
        try Self.expectSameAsFresh(folder)
    }
}
