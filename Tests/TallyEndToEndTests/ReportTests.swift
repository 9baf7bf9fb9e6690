import Foundation
import Testing
import TestSupport

/// The steward report read back as a test reads it: tables by id, rows by `data-key`, cells by
/// `data-value` (else their text).
struct ReportPage {
    let html: String

    init(_ html: String) { self.html = html }

    /// The markup of `<table id="ID">…</table>`, or nil.
    func table(_ id: String) -> String? {
        guard let start = html.range(of: "<table id=\"\(id)\"") else { return nil }
        guard let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// Each row of table `id`: its key and its cells' values.
    func rows(_ id: String) -> [(key: String, cells: [String])] {
        guard let table = table(id) else { return [] }
        let rowPattern = try! NSRegularExpression(pattern: #"<tr data-key="([^"]*)"[^>]*>(.*?)</tr>"#, options: [.dotMatchesLineSeparators])
        let cellPattern = try! NSRegularExpression(pattern: #"<t[hd]([^>]*)>(.*?)</t[hd]>"#, options: [.dotMatchesLineSeparators])
        let valuePattern = try! NSRegularExpression(pattern: #"data-value="([^"]*)""#)
        var result: [(String, [String])] = []
        let ns = table as NSString
        for match in rowPattern.matches(in: table, range: NSRange(location: 0, length: ns.length)) {
            let key = Self.unescape(ns.substring(with: match.range(at: 1)))
            let body = ns.substring(with: match.range(at: 2)) as NSString
            var cells: [String] = []
            for cell in cellPattern.matches(in: body as String, range: NSRange(location: 0, length: body.length)) {
                let attributes = body.substring(with: cell.range(at: 1)) as NSString
                if let value = valuePattern.firstMatch(in: attributes as String, range: NSRange(location: 0, length: attributes.length)) {
                    cells.append(Self.unescape(attributes.substring(with: value.range(at: 1))))
                } else {
                    let text = body.substring(with: cell.range(at: 2))
                        .replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
                    cells.append(Self.unescape(text))
                }
            }
            result.append((key, cells))
        }
        return result
    }

    func row(_ id: String, _ key: String) -> [String]? { rows(id).first { $0.key == key }?.cells }

    /// The `data-value` of the header's count tile `name` (rejects, conflicts, dangling, resolution).
    func count(_ name: String) -> Int? {
        guard let tile = html.range(of: "id=\"count-\(name)\""),
              let value = html.range(of: "data-value=\"", range: tile.upperBound..<html.endIndex) else { return nil }
        return Int(html[value.upperBound...].prefix { $0.isNumber })
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// A minimal RFC 4180 reader for the extracts' CSV: header names to each row's values.
func csvRecords(_ text: String) -> [[String: String]] {
    var records: [[String]] = [], field = "", record: [String] = [], quoted = false
    var iterator = Array(text.unicodeScalars).makeIterator()
    var pending: Unicode.Scalar? = nil
    while let scalar = pending ?? iterator.next() {
        pending = nil
        if quoted {
            if scalar == "\"" {
                if let next = iterator.next() {
                    if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                } else { quoted = false }
            } else { field.unicodeScalars.append(scalar) }
        } else if scalar == "\"" {
            quoted = true
        } else if scalar == "," {
            record.append(field); field = ""
        } else if scalar == "\n" {
            record.append(field); records.append(record); record = []; field = ""
        } else if scalar != "\r" {
            field.unicodeScalars.append(scalar)
        }
    }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    guard let header = records.first else { return [] }
    return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}

/// `tally extract NAME --format csv --out -` on the fixture store.
func extractRows(_ name: String) throws -> [[String: String]] {
    let result = try TallyProcess.run(["extract", name, "--format", "csv", "--out", "-", "--db", ExtractFixtureStore.database])
    #expect(result.status == 0, "\(result.stderr)")
    return csvRecords(result.stdout)
}

/// `tally report --html report.html ARGS` in a new folder; returns the result and the page.
func renderReport(_ arguments: [String] = [], database: String = ExtractFixtureStore.database) throws -> (ProcessOutput, ReportPage, URL) {
    let folder = try Paths.makeTempDirectory("tally-report")
    let result = try TallyProcess.run(["report", "--html", "report.html", "--db", database] + arguments, in: folder)
    let html = (try? String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)) ?? ""
    return (result, ReportPage(html), folder)
}

@Suite("tally report: the steward page")
struct ReportTests {
    static let page: ReportPage = {
        let (result, page, _) = try! renderReport()
        precondition(result.status == 0, "tally report failed: \(result.stderr)")
        return page
    }()

    @Test func hasEverySectionAndTheHeaderCounts() throws {
        let html = Self.page.html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for id in ["runs", "rejects", "conflicts", "dangling", "cmdb", "service", "resolution", "sla", "fulfilment", "next", "overall-status", "generated-at"] {
            #expect(html.contains("id=\"\(id)\""), "no element with id \(id)")
        }
        for table in ["runs-table", "rejects-table", "cmdb-table", "incidents-table", "resolution-codes-table", "violations-table", "changes-table", "sla-priority-table", "sla-table", "fulfilment-table"] {
            #expect(Self.page.table(table) != nil, "no table \(table)")
        }
        #expect(html.contains("data-status=\"attention\""))
        #expect(Self.page.count("rejects") == 6)
        #expect(Self.page.count("conflicts") == 0)
        #expect(Self.page.count("resolution") == 5)
    }

    @Test func isSelfContainedAndAccessible() throws {
        let html = Self.page.html
        for external in ["src=", "href=\"http", "url(http", "@import", "<link", "<iframe"] {
            #expect(!html.contains(external), "the page refers to something outside itself: \(external)")
        }
        #expect(html.components(separatedBy: "<script").count == 2, "one inline script, for sorting")
        let charts = html.components(separatedBy: "<svg id=\"chart-").dropFirst()
        #expect(charts.count >= 8)
        for chart in charts {
            #expect(chart.contains("role=\"img\""))
            #expect(chart.contains("<title id=") && chart.contains("<desc id="), "a chart without <title> and <desc>")
        }
        #expect(html.contains("@media print"))
        #expect(html.contains("name=\"viewport\""))
        // Markup is never escaped as if it were data (a sign of HTML built as a String).
        for tag in ["svg", "div", "table", "rect", "span", "p", "code"] {
            #expect(!html.contains("&lt;\(tag)"), "escaped markup: &lt;\(tag)")
        }
    }

    @Test func cmdbHealthEqualsTheExtract() throws {
        let extract = try extractRows("cmdb_health")
        #expect(!extract.isEmpty)
        for row in extract {
            let cells = try #require(Self.page.row("cmdb-table", row["sys_class_name"]!), "no row for \(row["sys_class_name"]!)")
            let expected = ["sys_class_name", "cis", "complete", "complete_pct", "duplicate", "duplicate_pct", "orphan", "orphan_pct",
                            "stale", "stale_pct"].map { row[$0]! }
            #expect(cells == expected)
        }
        #expect(Self.page.rows("cmdb-table").count == extract.count)
    }

    @Test func incidentMetricsEqualTheExtract() throws {
        let extract = try extractRows("incident_metrics").filter { $0["dimension"] == "all" || $0["dimension"] == "priority" }
        #expect(extract.count >= 2)
        for row in extract {
            let cells = try #require(Self.page.row("incidents-table", "\(row["dimension"]!):\(row["value"]!)"))
            let expected = ["opened", "open_backlog", "resolved", "median_hours_to_resolve", "p90_hours_to_resolve",
                            "sla_made_pct", "reopen_rate_pct"].map { row[$0]! }
            #expect(Array(cells.dropFirst()) == expected)
        }
    }

    @Test func rejectsRunsChangesAndViolationsEqualTheExtracts() throws {
        let rejects = try extractRows("rejects_by_rule")
        #expect(!rejects.isEmpty)
        for row in rejects {
            let cells = try #require(Self.page.row("rejects-table", "\(row["entity"]!)|\(row["rule"]!)|\(row["field"]!)"))
            let expected = ["rejects", "outstanding", "recovered", "rejected_again", "rolled_back", "runs", "last_run"].map { row[$0]! }
            #expect(Array(cells[3...]) == expected)
        }
        // The header counts outstanding rows; in this store each rejected row has one reason.
        #expect(Self.page.count("rejects") == rejects.reduce(0) { $0 + Int($1["outstanding"]!)! })

        let runs = try extractRows("run_summary")
        #expect(Self.page.rows("runs-table").map(\.key) == runs.map { $0["run"]! })
        for row in runs {
            let cells = try #require(Self.page.row("runs-table", row["run"]!))
            let expected = ["read", "inserted", "updated", "unchanged", "skipped_stale", "rejected", "conflicts", "retired"].map { row[$0]! }
            #expect(Array(cells[4...]) == expected)
        }

        let changes = try extractRows("change_impact")
        #expect(Self.page.rows("changes-table").map(\.key) == changes.map { $0["change_number"]! })
        for row in changes {
            let cells = try #require(Self.page.row("changes-table", row["change_number"]!))
            #expect(cells[4] == row["incidents_caused"]! && cells[6] == row["cases_caused"]!)
        }

        let violations = try extractRows("resolution_consistency")
        #expect(Self.page.rows("violations-table").map(\.key) == violations.map { $0["case_number"]! })
        #expect(Self.page.count("resolution") == violations.count)
        #expect(Self.page.count("dangling") == (try extractRows("dangling_references")).count)
        let byCode = Dictionary(grouping: violations, by: { $0["resolution_code"]! }).mapValues(\.count)
        for (code, count) in byCode {
            #expect(Self.page.row("resolution-codes-table", code)?.last == String(count))
        }
    }

    @Test func slaAndFulfilmentEqualTheExtracts() throws {
        let slas = try extractRows("sla_attainment").filter { $0["window"] == "90d" }
        #expect(!slas.isEmpty)
        #expect(Self.page.rows("sla-table").map(\.key) == slas.map { "\($0["task_type"]!):\($0["priority"]!):\($0["sla_definition"]!)" })
        for row in slas {
            let key = "\(row["task_type"]!):\(row["priority"]!):\(row["sla_definition"]!)"
            let cells = try #require(Self.page.row("sla-table", key))
            #expect(cells[4] == row["met"]! && cells[5] == row["breached"]! && cells[8] == row["median_business_pct"]!, "\(key)")
        }
        let breachedP2 = slas.filter { $0["priority"] == "2" }.map { Int($0["breached"]!)! }.reduce(0, +)
        #expect(Self.page.row("sla-priority-table", "2")?[3] == String(breachedP2))

        let open = try extractRows("case_fulfilment").filter { $0["open_chain"] == "true" }
            .sorted { ($0["opened_at"]!, $0["case_number"]!) < ($1["opened_at"]!, $1["case_number"]!) }
        #expect(Self.page.rows("fulfilment-table").map(\.key) == open.map { $0["case_number"]! })
    }

    @Test func whatToDoNextWritesTheCommandsOut() throws {
        let html = Self.page.html
        // Run 16 imported bad-sys-id.csv: two rejects.
        #expect(html.contains("tally rejects --run 16 --format csv --out rejects-16.csv"))
        #expect(html.contains("tally import rejects-16.csv --entity incident"))
        #expect(html.contains("tally rerun 16 --map FIXED-MAP.json --dry-run"))
        #expect(html.contains("tally rollback 16 --dry-run"))
        #expect(!html.contains("tally rejects --run 1 "), "run 1 has no rejects")
        #expect(html.contains("export TALLY_DB=&#39;"), "a store other than ./tally.db is named once")
    }

    @Test func theSameStoreGivesTheSamePageApartFromGeneratedAt() throws {
        let (first, one, folder) = try renderReport()
        let (second, two, _) = try renderReport()
        #expect(first.status == 0 && second.status == 0)
        func normalised(_ page: ReportPage) -> String {
            page.html.replacingOccurrences(of: #"<time id="generated-at">[^<]*</time>"#, with: "", options: .regularExpression)
        }
        #expect(!one.html.isEmpty)
        #expect(normalised(one) == normalised(two))
        // Written atomically: no temp file left beside it.
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["report.html"])
        #expect(first.stderr.contains("wrote report.html: "))
    }

    @Test func runNarrowsTheRunSections() throws {
        let (result, page, _) = try renderReport(["--run", "16"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(page.rows("runs-table").map(\.key) == ["16"])
        #expect(page.count("rejects") == 2)
        #expect(page.rows("rejects-table").map(\.key) == ["incident|pattern.sys_id|sys_id"])
        #expect(page.html.contains("covers run 16"))
        #expect(page.count("resolution") == 5, "the store's state is the whole store's")
    }

    @Test func anIncompleteClassSaysWhichFieldsItLacksAndLookAlikeClassesStayApart() throws {
        let folder = try Paths.makeTempDirectory("tally-report-cmdb")
        let rows = ["name,sys_class_name,owned_by,managed_by,support_group,location,operational_status,install_status,sys_updated_on",
                    "c1,windows_cluster,Ann,Bob,Ops,Berlin,1,1,2026-01-01 00:00:00",
                    "n1,windows_cluster_node,,,Ops,,1,1,2026-01-01 00:00:00",
                    "n2,windows_cluster_node,,Bob,Ops,,1,1,2026-01-01 00:00:00"]
        try (rows.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("ci.csv"), atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["import", "ci.csv", "-e", "ci", "--db", "tally.db"], in: folder).status == 0)
        let (result, page, _) = try renderReport(database: folder.appendingPathComponent("tally.db").path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(page.row("cmdb-missing-table", "windows_cluster_node") == ["windows_cluster_node", "2", "0.0", "location (2), owned_by (2), managed_by (1)"])
        #expect(page.row("cmdb-missing-table", "windows_cluster") == nil, "a complete class is not listed")
        #expect(page.html.contains("<strong>Orphan</strong>: nothing points at it"))
        for label in ["windows_cluster", "windows_cluster_node"] {
            #expect(page.html.contains("</title>\(label)</text>"), "the label \(label) is shown whole")
        }
    }

    @Test func refusesWhatItCannotDo() throws {
        let (missingRun, _, _) = try renderReport(["--run", "999"])
        #expect(missingRun.status == 64)  // no such run: a usage error, as for every command
        #expect(missingRun.stderr.contains("there is no run 999"))
        let (missingJob, _, _) = try renderReport(["--job", "nightly"])
        #expect(missingJob.status == 64)  // no such job, like no such run
        #expect(missingJob.stderr.contains("no job called 'nightly'"))
        let both = try TallyProcess.run(["report", "--html", "x.html", "--run", "1", "--job", "j"])
        #expect(both.status == 64)
        #expect(both.stderr.contains("give --run or --job, not both"))
        let noFile = try TallyProcess.run(["report"])
        #expect(noFile.status == 64)
        #expect(noFile.stderr.contains("missing --html FILE"))
        let folder = try Paths.makeTempDirectory()
        let noStore = try TallyProcess.run(["report", "--html", "r.html", "--db", "none.db"], in: folder)
        #expect(noStore.status == 66)
    }

    /// A store holding an incident whose short description is a script, a reference to a
    /// script-named CI (left dangling), a reject with a hostile value, from a file whose name is
    /// markup, under a source whose name is markup.
    @Test func hostileValuesShowAsText() throws {
        let folder = try Paths.makeTempDirectory("tally-report-hostile")
        let header = "sys_id,number,short_description,state,priority,opened_at,cmdb_ci,assignment_group,sys_updated_on\n"
        let rows = [
            "0d587d65288a3747a3a038dbcfed7735,INC0090001,<script>alert(1)</script>,2,1,2026-10-29 11:39:00,<script>alert(2)</script>,\"\"\"><img src=x onerror=alert(3)>\",2026-10-29 11:39:00",
            "a690d0cd1990c93c6aba7f1ba53ed43a,INC0090002,fine,\"\"\"><img src=x onerror=alert(4)>\",3,2026-08-08 07:38:51,,Database,2026-08-09 09:39:38",
        ]
        let name = "\"><svg onload=alert(5)>.csv"
        try (header + rows.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let imported = try TallyProcess.run(["import", name, "--entity", "incident", "--source", "<i>src</i>", "--db", "tally.db"], in: folder)
        #expect(imported.status == 65, "\(imported.stderr)")

        let result = try TallyProcess.run(["report", "--html", "report.html", "--db", "tally.db"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        for hostile in ["<script>alert", "<img", "<svg onload", "<i>src", "onerror=alert(4)>"] {
            #expect(!html.contains(hostile), "unescaped: \(hostile)")
        }
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(html.contains("&lt;i&gt;src&lt;/i&gt;"), "the source shows as text")
        #expect(html.contains("&quot;&gt;&lt;svg onload=alert(5)&gt;.csv"), "the file name shows as text")
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(4)&gt;"), "the rejected value shows as text")
        #expect(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"), "the dangling reference shows as text")
        #expect(ReportPage(html).count("dangling") == 1)
    }
}
