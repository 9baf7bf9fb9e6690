import Foundation
import Testing
import TestSupport

/// `tally extract ci_duplicates` and `tally dedupe` on the planted-duplicates fixture, through the binary.
@Suite("tally dedupe and ci_duplicates")
struct DedupeCommandTests {
    /// The fixture's sys_ids are md5 of a label (see fixtures/cmdb-duplicates/generate.py).
    static func fixtureID(_ label: String) -> String {
        let rows = (try? String(contentsOfFile: Paths.fixture("cmdb-duplicates/cmdb_ci.csv"), encoding: .utf8)) ?? ""
        return rows.split(separator: "\n").first { $0.contains(",\(label),") }.map { String($0.prefix(32)) } ?? ""
    }
    static let keep = fixtureID("lnx-pay-00"), drop = fixtureID("lnx-pay-00-old")

    func importFixture() throws -> URL {
        let folder = try Paths.makeTempDirectory()
        for (file, entity) in [("cmdb_ci.csv", "ci"), ("cmdb_rel_ci.csv", "ci_relationship"), ("incident.csv", "incident")] {
            let result = try TallyProcess.run(["import", Paths.fixture("cmdb-duplicates/\(file)"), "--entity", entity], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
        }
        return folder
    }

    func pairs(_ folder: URL) throws -> [[String: String]] {
        let result = try TallyProcess.run(["extract", "ci_duplicates", "--out", "-", "--format", "ndjson"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        return try result.stdout.split(separator: "\n").map { try jsonObject(String($0)).compactMapValues { $0 as? String } }
    }

    @Test func theExtractListsThePlantedPairsBestFirst() throws {
        let folder = try importFixture()
        let rows = try pairs(folder)
        #expect(rows.count == 16)
        #expect(rows.first?["reasons"] == "serial name ip" && rows.first?["name_a"] == "esx-host-07")
        let csv = try TallyProcess.run(["extract", "ci_duplicates", "--out", "-"], in: folder).stdout.split(separator: "\n")
        #expect(csv.first == "sys_id_a,name_a,class_a,sys_id_b,name_b,class_b,score,reasons,evidence,decision")
        #expect(csv.dropFirst().first?.contains(",0.90,serial name ip,serial MXQ81402LT; name esx-host-07 = ESX-HOST-07; ip ") == true)
        #expect(rows.contains { $0["reasons"] == "mac" && $0["evidence"] == "mac 00:1A:2B:3C:4D:5E = 00-1a-2b-3c-4d-5e" })
        let list = try TallyProcess.run(["extract", "--list"], in: folder)
        #expect(list.stdout.contains("ci_duplicates"))
    }

    @Test func mergeIsOneRunHistoryShowsAndRollbackUndoes() throws {
        let folder = try importFixture()
        let before = try TallyProcess.run(["extract", "incident", "ci", "ci_relationship", "--out", "before"], in: folder)
        #expect(before.status == 0)

        let dry = try TallyProcess.run(["dedupe", "merge", "lnx-pay-00", Self.drop, "--dry-run"], in: folder)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("  incident INC0090001 cmdb_ci: \(Self.drop) → \(Self.keep)"))
        #expect(dry.stdout.hasSuffix("Dry run (nothing written): 1 merged, 0 declared distinct.\n"))
        #expect(try pairs(folder).count == 16)

        let merge = try TallyProcess.run(["dedupe", "merge", Self.keep, Self.drop, "--json"], in: folder)
        #expect(merge.status == 0, "\(merge.stderr)")
        let outcome = try jsonObject(String(merge.stdout.split(separator: "\n").last ?? ""))
        #expect(outcome["run"] as? Int == 4 && outcome["merged"] as? Int == 1 && outcome["status"] as? String == "committed")
        #expect(try pairs(folder).count == 15)
        let history = try TallyProcess.run(["history", "ci", Self.drop], in: folder)
        #expect(history.stdout.contains("  run 4 [dedupe] install_status: 1 → 7"), "\(history.stdout)")
        let incident = try TallyProcess.run(["history", "incident", "INC0090002"], in: folder)
        #expect(incident.stdout.contains("  run 4 [dedupe] cmdb_ci: \(Self.drop) → \(Self.keep)"))

        let rollback = try TallyProcess.run(["rollback", "4"], in: folder)
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(try TallyProcess.run(["extract", "incident", "ci", "ci_relationship", "--out", "after"], in: folder).status == 0)
        for name in ["incident.csv", "ci.csv", "ci_relationship.csv"] {
            let a = try String(contentsOf: folder.appendingPathComponent("before/\(name)"), encoding: .utf8)
            let b = try String(contentsOf: folder.appendingPathComponent("after/\(name)"), encoding: .utf8)
            #expect(a == b, "\(name) differs after the rollback")
        }
        #expect(try TallyProcess.run(["check"], in: folder).status == 0)
    }

    @Test func aDecisionsFileSettlesThePairsAStewardFilled() throws {
        let folder = try importFixture()
        let extract = try TallyProcess.run(["extract", "ci_duplicates", "--out", "-"], in: folder)
        var lines = extract.stdout.split(separator: "\n").map(String.init)
        // The steward fills the last column: the first pair merged into a, the second distinct, one typo.
        lines[1] += "keep_a"
        lines[2] += "distinct"
        lines[3] += "keeep_b"
        let path = try Paths.write(lines.joined(separator: "\n") + "\n", "decisions.csv", in: folder)
        let result = try TallyProcess.run(["dedupe", "--file", path], in: folder)
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("rejected: \(path):4: decision 'keeep_b' is none of keep_a, keep_b, distinct"))
        #expect(result.stdout.contains("Run 4 committed: 1 merged, 1 declared distinct, 1 refused; 13 row(s) without a decision left for later."))
        #expect(try pairs(folder).count == 13)  // the merged pair's CI is retired, the distinct pair left out
        let runs = try TallyProcess.run(["runs", "--limit", "1", "--json"], in: folder)
        let run = try jsonObject(String(runs.stdout.split(separator: "\n").first ?? ""))
        #expect(run["kind"] as? String == "dedupe")
    }

    @Test func badCommandLinesAreUsageErrorsAndStartNoRun() throws {
        let folder = try importFixture()
        for (arguments, message) in [
            (["dedupe"], "say what to do: merge KEEP DROP, distinct A B, or --file decisions.csv"),
            (["dedupe", "fuse", "a", "b"], "unknown action 'fuse'"),
            (["dedupe", "merge", Self.keep], "merge takes two CIs"),
            (["dedupe", "merge", Self.keep, "no-such-ci"], "no CI with sys_id or name 'no-such-ci'"),
            (["dedupe", "distinct", Self.keep, Self.keep], "are the same CI"),
            (["dedupe", "distinct", "srv-legacy-07", Self.keep], "'srv-legacy-07' names 3 CIs"),
            (["dedupe", "merge", "a", "b", "--file", "d.csv"], "give either --file or an action"),
        ] {
            let result = try TallyProcess.run(arguments, in: folder)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try TallyProcess.run(["dedupe", "--file", "missing.csv"], in: folder).status == 66)
        let runs = try TallyProcess.run(["runs", "--json"], in: folder)
        #expect(runs.stdout.split(separator: "\n").count == 3, "only the three imports")
    }

    @Test func theSharedValueLimitIsASetting() throws {
        let folder = try importFixture()
        let bad = try TallyProcess.run(["settings", "set", "cmdb_shared_value_limit", "many"], in: folder)
        #expect(bad.status == 64 && bad.stderr.contains("not a whole number of CIs"))
        // Seven VMs share one cloned serial: at 7 it is no longer junk for this store (21 pairs more).
        #expect(try TallyProcess.run(["settings", "set", "cmdb_shared_value_limit", "7"], in: folder).status == 0)
        #expect(try pairs(folder).count == 16 + 21)
    }
}
