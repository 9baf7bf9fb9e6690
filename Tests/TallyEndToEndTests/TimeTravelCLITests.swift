import Foundation
import Testing
import TestSupport

/// `tally extract --as-of-run/--as-of/--history` and `tally explain`, on the built binary.
@Suite("As-of, history and explain (CLI)")
struct TimeTravelCLITests {
    static let header = "name,sys_class_name,serial_number,ip_address,owned_by,asset_tag,os,sys_updated_on"
    static let precedence = #"{"ci": {"ip_address": {"policy": "owner", "sources": ["discovery", "manual"]}, "asset_tag": {"policy": "write_if_empty"}}}"#

    /// Three runs on two CIs: a first load by discovery, a manual run that loses on ip_address
    /// (precedence), asset_tag (write-if-empty) and db's os (stale), and a rolled-back change.
    func makeStore() throws -> (folder: URL, extracts: [String]) {
        let folder = try Paths.makeTempDirectory("timetravel")
        _ = try Paths.write(Self.precedence, "precedence.json", in: folder)
        var extracts: [String] = []
        func load(_ rows: [String], source: String, file: String) throws {
            _ = try Paths.write(([Self.header] + rows).joined(separator: "\n") + "\n", file, in: folder)
            let result = try TallyProcess.run(["import", file, "--entity", "ci", "--source", source, "--precedence", "precedence.json"], in: folder)
            #expect(result.status == 0 || result.status == 65, "\(result.stderr)")
            extracts.append(try TallyProcess.run(["extract", "ci"], in: folder).stdout)
        }
        try load(["web,cmdb_ci_server,SN1,10.0.0.1,,A-1,linux,2026-01-01 00:00:00",
                  "db,cmdb_ci_server,SN2,10.0.0.2,,,linux,2026-01-03 00:00:00"], source: "discovery", file: "one.csv")
        try load(["web,cmdb_ci_server,SN1,10.9.9.9,,A-2,linux 9,2026-01-02 00:00:00",
                  "db,cmdb_ci_server,SN2,10.0.0.2,,,bsd,2026-01-02 00:00:00"], source: "manual", file: "two.csv")
        try load(["web,cmdb_ci_server,SN1,10.0.0.1,,A-1,windows,2026-01-05 00:00:00"], source: "discovery", file: "three.csv")
        let rollback = try TallyProcess.run(["rollback", "3"], in: folder)
        #expect(rollback.status == 0, "\(rollback.stderr)")
        extracts.append(try TallyProcess.run(["extract", "ci"], in: folder).stdout)
        return (folder, extracts)
    }

    @Test func asOfRunGivesEachRunsExtractBackAndHistoryListsTheVersions() throws {
        let (folder, extracts) = try makeStore()
        for (index, expected) in extracts.enumerated() {
            let past = try TallyProcess.run(["extract", "ci", "--as-of-run", "\(index + 1)"], in: folder)
            #expect(past.status == 0)
            #expect(past.stdout == expected, "ci as of run \(index + 1)")
        }
        // A report reads the past too, through the same view (Kit tests compare reports byte for byte).
        // Run 3 (rolled back since) brought web's 2026-01-05 version: cmdb_health's as_of then, not now.
        let report = try TallyProcess.run(["extract", "cmdb_health", "--as-of-run", "3", "--format", "ndjson"], in: folder)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains(#""cis":2,"#) && report.stdout.contains(#""as_of":"2026-01-05 00:00:00""#))
        #expect(try TallyProcess.run(["extract", "cmdb_health", "--format", "ndjson"], in: folder).stdout.contains(#""as_of":"2026-01-03 00:00:00""#))
        // At source time 2026-01-01 12:00 only web existed.
        let early = try TallyProcess.run(["extract", "cmdb_health", "--as-of", "2026-01-01 12:00:00", "--format", "ndjson"], in: folder)
        #expect(early.stdout.contains(#""sys_class_name":"(all)","cis":1,"#))

        let history = try TallyProcess.run(["extract", "ci", "--history", "--format", "ndjson"], in: folder)
        #expect(history.status == 0, "\(history.stderr)")
        let rows = history.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        // web: inserted by run 1, updated by run 2 (os); run 3 was rolled back. db: inserted, nothing else (stale row).
        let web = rows.filter { $0["name"] as? String == "web" }
        #expect(web.map { $0["change"] as? String } == ["inserted", "updated"])
        #expect(web.map { $0["run"] as? Int } == [1, 2])
        #expect(web.map { $0["is_current"] as? Bool } == [false, true])
        #expect(web.first?["valid_to"] as? String == web.last?["valid_from"] as? String)
        #expect(rows.filter { $0["name"] as? String == "db" }.count == 1)
        // A history with a delta feed: the first pickup delivers every version, the next none.
        let first = try TallyProcess.run(["extract", "ci", "--history", "--feed", "scd", "--out", "feed1"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try TallyProcess.run(["extract", "ci", "--history", "--feed", "scd", "--out", "-"], in: folder)
        #expect(again.stdout.split(separator: "\n").count == 1)  // the header alone
    }

    @Test func asOfMistakesAreUsageErrorsThatSayWhatToDo() throws {
        let (folder, _) = try makeStore()
        let noRun = try TallyProcess.run(["extract", "ci", "--as-of-run", "99"], in: folder)
        #expect(noRun.status == 64 && noRun.stdout.isEmpty && noRun.stderr.contains("there is no run 99"))
        let badTime = try TallyProcess.run(["extract", "ci", "--as-of", "yesterday"], in: folder)
        #expect(badTime.status == 64 && badTime.stderr.contains("'--as-of' needs a date and time"))
        let report = try TallyProcess.run(["extract", "cmdb_health", "--history"], in: folder)
        #expect(report.status == 64 && report.stderr.contains("--history gives the versions of entity feeds"))
        let feed = try TallyProcess.run(["extract", "ci", "--feed", "f", "--as-of-run", "1"], in: folder)
        #expect(feed.status == 64 && feed.stderr.contains("a delta feed delivers what changed since its last pickup"))
    }

    @Test func explainSaysWhoSetEachFieldTheRuleAndWhatLost() throws {
        let (folder, _) = try makeStore()
        let ip = try TallyProcess.run(["explain", "ci", "web", "ip_address"], in: folder)
        #expect(ip.status == 0, "\(ip.stderr)")
        #expect(ip.stdout.contains("ip_address: 10.0.0.1"))
        #expect(ip.stdout.contains("set by run 1 [discovery] from one.csv record 1"))
        #expect(ip.stdout.contains("rule: precedence.owner"))
        #expect(ip.stdout.contains("lost: 10.9.9.9 from run 2 [manual] two.csv record 1 — lower_precedence"))

        let os = try TallyProcess.run(["explain", "ci", "web", "os", "--json"], in: folder)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(os.stdout.utf8)) as? [String: Any])
        let field = try #require((object["fields"] as? [[String: Any]])?.first)
        #expect(field["value"] as? String == "linux 9" && field["rule"] as? String == "rollback" && field["run"] as? Int == 2)
        let loser = try #require((field["losers"] as? [[String: Any]])?.first)
        #expect(loser["value"] as? String == "windows" && loser["why"] as? String == "rolled_back" && loser["file"] as? String == "three.csv")

        let db = try TallyProcess.run(["explain", "ci", "db", "os"], in: folder)
        #expect(db.stdout.contains("rule: first_load") && db.stdout.contains("lost: bsd from run 2 [manual] two.csv record 2 — stale"))
        let tag = try TallyProcess.run(["explain", "ci", "web", "asset_tag"], in: folder)
        #expect(tag.stdout.contains("rule: precedence.write_if_empty") && tag.stdout.contains("lost: A-2"))

        let all = try TallyProcess.run(["explain", "ci", "web"], in: folder)
        #expect(all.status == 0 && all.stdout.contains("  name: web") && all.stdout.contains("empty field(s) since the first load not shown"))
        let unknown = try TallyProcess.run(["explain", "ci", "nope"], in: folder)
        #expect(unknown.status == 64 && unknown.stderr.contains("no ci with sys_id"))
        let badField = try TallyProcess.run(["explain", "ci", "web", "colour"], in: folder)
        #expect(badField.status == 64 && badField.stderr.contains("ci has no field 'colour'"))
    }

    @Test func theStewardPageShowsTheExplainLineForEachConflictExample() throws {
        let (folder, _) = try makeStore()
        let page = try TallyProcess.run(["report", "--html", "page.html"], in: folder)
        #expect(page.status == 0, "\(page.stderr)")
        let html = try String(contentsOfFile: folder.appendingPathComponent("page.html").path, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"<code>tally explain (ci [^ <]+ ip_address)</code>"#)
        let match = try #require(pattern.firstMatch(in: html, range: NSRange(html.startIndex..., in: html)))
        let command = (html as NSString).substring(with: match.range(at: 1)).split(separator: " ").map(String.init)
        // The line shown runs as it is and explains the conflicted field.
        let explained = try TallyProcess.run(["explain"] + command, in: folder)
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("rule: precedence.owner"))
    }
}
