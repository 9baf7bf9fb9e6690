import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

@Suite("HTML")
struct HTMLTests {
    @Test(arguments: [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("a & b 'c'", "a &amp; b &#39;c&#39;"),
        ("tab\tnew\nline", "tab\tnew\nline"),
        ("nul\u{0}bell\u{7}", "nul\u{FFFD}bell\u{FFFD}"),
        ("日本語 é 🙂", "日本語 é 🙂"),
    ])
    func escapes(_ text: String, _ expected: String) {
        #expect(HTML.escape(text) == expected)
    }

    @Test func interpolatedStringsAreDataAndHTMLIsMarkup() {
        let value = "<b>bold</b>"
        let inner: HTML = "<em>\(value)</em>"
        let page: HTML = "<p title=\"\(value)\">\(inner) \(42) \(3.25)</p>"
        #expect(page.markup == "<p title=\"&lt;b&gt;bold&lt;/b&gt;\"><em>&lt;b&gt;bold&lt;/b&gt;</em> 42 3.3</p>")
    }

    @Test(arguments: [(0.0, "0"), (12.0, "12"), (12.54, "12.5"), (-0.04, "0"), (-0.25, "-0.3"), (-12.5, "-12.5")])
    func numbersHaveOneDecimalAtMost(_ number: Double, _ expected: String) {
        #expect(HTML.number(number) == expected)
    }

    @Test(arguments: [(0, 4), (3, 4), (5, 8), (15, 20), (80, 80), (100, 100), (1_000_003, 2_000_000)])
    func axisMaximaAreRound(_ value: Int, _ expected: Int) {
        #expect(SVGChart.niceCeiling(value) == expected)
    }

    @Test func aRunAThousandTimesSmallerStaysVisibleOnALogScale() throws {
        let log = SVGChart.ColumnScale(totals: [1_000_000, 50, 3])
        #expect(log.logarithmic)
        #expect(log.maximum == 1_000_000)
        #expect(log.ticks == [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000])
        #expect(log.height(3, plot: 220) > 20, "3 rows: \(log.height(3, plot: 220)) units of 220")
        #expect(log.height(50, plot: 220) > log.height(3, plot: 220))
        #expect(log.height(1_000_000, plot: 220) == 220)
        #expect(log.height(0, plot: 220) == 0)
        // Under 50 times apart the scale stays linear.
        let linear = SVGChart.ColumnScale(totals: [80, 8, 0])
        #expect(!linear.logarithmic)
        #expect(linear.maximum == 80)
        #expect(linear.height(8, plot: 200) == 20)

        let chart = SVGChart.stackedColumns(id: "c", title: "t", description: "d", series: StewardReportPage.runSeries, columns: [
            .init(label: "1", values: [1_000_000, 0, 0, 0, 0], title: "run 1"), .init(label: "2", values: [40, 0, 0, 0, 10], title: "run 2"),
        ]).markup
        #expect(chart.contains("data-scale=\"log\"") && chart.contains("log scale"))
        #expect(chart.contains(">1M</text>") && chart.contains(">50</text>"), "each column's total above it")
        let heights = try NSRegularExpression(pattern: #"<rect class="s-[a-z]+" x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="([0-9.]+)"><title>run 2"#)
            .matches(in: chart, range: NSRange(chart.startIndex..., in: chart))
            .map { Double((chart as NSString).substring(with: $0.range(at: 1)))! }
        #expect(heights.count == 2 && heights.reduce(0, +) > 50, "run 2's column: \(heights)")
        #expect(chart.contains("viewBox=\"0 0 960 "), "as wide as the page")
    }

    @Test func labelsAreNeverCutIntoLookAlikes() {
        let cut = SVGChart.shortened(["windows_cluster", "windows_cluster_node", "server"], to: 14)
        #expect(cut[2] == "server")
        #expect(Set(cut).count == 3, "\(cut)")
        #expect(cut[1].hasSuffix("node"), "the ends are kept: \(cut[1])")
        #expect(SVGChart.shortened(["abcdefghij_x", "abcdefghij_y"], to: 5) == ["ab…_x", "ab…_y"])
        #expect(SVGChart.shortened(["prefix_same_end", "prefix_xxxx_end"], to: 7) == ["prefix_same_end", "prefix_xxxx_end"], "would read the same: kept whole")
        // A chart whose labels do not fit beside the bars puts them above, whole.
        let bars = ["windows_cluster", "windows_cluster_node"].map { SVGChart.Bar(label: $0, segments: [(50, "s-ok")], text: "50%", title: $0) }
        let chart = SVGChart.horizontalBars(id: "c", title: "t", description: "d", bars: bars, maximum: 100, labelWidth: 125).markup
        #expect(chart.contains("</title>windows_cluster</text>") && chart.contains("</title>windows_cluster_node</text>"))
    }

    @Test func groupsThousands() {
        #expect(SVGChart.grouped(0) == "0")
        #expect(SVGChart.grouped(1_234_567) == "1,234,567")
        #expect(SVGChart.grouped(-1_000) == "-1,000")
    }
}

@Suite("StewardReport")
struct StewardReportTests {
    /// A store with `runs` runs spread over three days (one failed, one rolled back) and
    /// `rejects` rejects whose messages are 10,000 characters long.
    static func store(runs: Int, rejects: Int) throws -> TallyDatabase {
        let folder = try Paths.makeTempDirectory("tally-steward")
        let database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path)
        let connection = database.connection
        let long = String(repeating: "<x>", count: 3_400)
        try connection.transaction {
            for id in 1...runs {
                let day = 21 + id % 3
                let status = id == 5 ? "failed" : id == 7 ? "rolled_back" : "committed"
                try connection.run("""
                    INSERT INTO runs (id, kind, entity, source, status, command, started_at, finished_at, read, inserted, rejected)
                    VALUES (?, 'import', 'incident', 'default', ?, 'tally import', ?, ?, 10, ?, ?)
                    """, [.integer(Int64(id)), .text(status), .text("2026-11-\(day)T10:00:\(10 + id % 50)Z"),
                          .text("2026-11-\(day)T10:01:00Z"), .integer(id == 1 ? 10 - Int64(min(rejects, 10)) : 10), .integer(id == 1 ? Int64(min(rejects, 10)) : 0)])
            }
            for index in 0..<rejects {
                try connection.run("""
                    INSERT INTO findings (run, input, file, line, field, rule, severity, rejected, message)
                    VALUES (1, 0, 'big.csv', ?, 'state', 'choice', 'error', 1, ?)
                    """, [.integer(Int64(index + 2)), .text("state '\(long)' is not a state")])
            }
        }
        return database
    }

    @Test func manyRunsBecomeOneColumnPerDayWithFailedAndRolledBackMarked() throws {
        let database = try Self.store(runs: 61, rejects: 0)
        let html = try StewardReport(database: database, options: .init(generatedAt: "2026-11-23T00:00:00Z")).render()
        #expect(html.contains("One column per day"))
        #expect(html.contains("data-key=\"2026-11-21\""))
        #expect(html.contains("data-key=\"2026-11-22\""))
        #expect(html.contains("data-key=\"2026-11-23\""))
        #expect(!html.contains("data-key=\"2026-11-24\""))
        #expect(html.contains("✕ F"))
    }

    @Test func aFailedLastRunMakesThePageFailed() throws {
        let database = try Self.store(runs: 5, rejects: 0)
        let html = try StewardReport(database: database).render()
        #expect(html.contains("data-status=\"failed\""))
        #expect(html.contains("tally show 5"))
    }

    @Test func examplesAreCappedWhateverTheStoreHolds() throws {
        let database = try Self.store(runs: 3, rejects: 5_000)
        let html = try StewardReport(database: database, options: .init(generatedAt: "2026-11-23T00:00:00Z")).render()
        #expect(html.utf8.count < 150_000, "the page grew with the rejects: \(html.utf8.count) bytes")
        #expect(html.contains("5,000 outstanding rejects"))
        #expect(html.components(separatedBy: "big.csv:").count - 1 == 3, "three examples")
    }

    @Test func theSameStoreAndOptionsGiveTheSameBytes() throws {
        let database = try Self.store(runs: 9, rejects: 4)
        let options = StewardReportOptions(generatedAt: "2026-11-23T00:00:00Z")
        let first = try StewardReport(database: database, options: options).render()
        let second = try StewardReport(database: database, options: options).render()
        #expect(first == second)
    }

    @Test func writeReplacesTheFileWhole() throws {
        let database = try Self.store(runs: 3, rejects: 1)
        let folder = try Paths.makeTempDirectory("tally-steward-write")
        let path = folder.appendingPathComponent("report.html").path
        try "old".write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try StewardReport(database: database).write(to: path)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>"))
        #expect(summary.bytes == written.utf8.count)
        #expect(summary.rejects == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.html"])
    }

    /// Job runs 1 (runs 1–2, ten days before), 2 (runs 3–4, a day before) and 3 (runs 5–6, skipped), and a run of another job.
    static func jobStore() throws -> TallyDatabase {
        let folder = try Paths.makeTempDirectory("tally-steward-job")
        let database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path)
        let connection = database.connection
        try connection.transaction {
            for (id, job, day) in [(1, "nightly", 10), (2, "nightly", 19), (3, "nightly", 20), (4, "other", 20)] {
                try connection.run("INSERT INTO job_runs (id, job, status, started_at) VALUES (?, ?, 'ok', ?)",
                                   [.integer(Int64(id)), .text(job), .text("2026-11-\(day)T01:00:00Z")])
            }
            for (id, jobRun, day, status) in [(1, 1, 10, "committed"), (2, 1, 10, "committed"), (3, 2, 19, "committed"), (4, 2, 19, "committed"),
                                              (5, 3, 20, "skipped"), (6, 3, 20, "skipped"), (7, 4, 20, "committed")] {
                try connection.run("""
                    INSERT INTO runs (id, kind, entity, source, status, command, started_at, finished_at, read, inserted, job_run)
                    VALUES (?, 'import', 'incident', 'default', ?, 'tally run', ?, ?, ?, ?, ?)
                    """, [.integer(Int64(id)), .text(status), .text("2026-11-\(day)T01:00:0\(id)Z"), .text("2026-11-\(day)T01:01:00Z"),
                          .integer(status == "skipped" ? 0 : 10), .integer(status == "skipped" ? 0 : 10), .integer(Int64(jobRun))])
            }
        }
        return database
    }

    @Test func aJobsPageCoversItsRunsOfTheLastDaysAndMarksTheNewOnes() throws {
        let database = try Self.jobStore()
        let week = try StewardReport(database: database, options: .init(days: 7, scope: .jobRun(3))).render()
        #expect(week.contains("data-key=\"3\"") && week.contains("data-key=\"4\""))
        #expect(!week.contains("data-key=\"1\""), "ten days before: outside 7 days")
        #expect(!week.contains("data-key=\"5\"") && !week.contains("data-key=\"7\""), "skipped runs and other jobs' runs are left out")
        #expect(week.contains("Job run 3 brought nothing new: its 2 inputs had been imported already (skipped)."))
        #expect(week.contains("<strong>Last run:</strong> run 4 "))
        let month = try StewardReport(database: database, options: .init(days: 30, scope: .job("nightly"))).render()
        #expect(month.contains("data-key=\"1\"") && month.contains("data-key=\"4\""))
        let second = try StewardReport(database: database, options: .init(days: 30, scope: .jobRun(2))).render()
        #expect(second.contains("<strong>● 3</strong>") && second.contains("<strong>● 4</strong>") && !second.contains("<strong>● 1</strong>"))
        #expect(second.contains("Job run 2 brought 2 new runs, marked ● new below."))
    }

    @Test func anUnknownRunOrJobIsAnError() throws {
        let database = try Self.store(runs: 2, rejects: 0)
        #expect(throws: StewardReportError.self) { try StewardReport(database: database, options: .init(scope: .run(99))).render() }
        #expect(throws: StewardReportError.self) { try StewardReport(database: database, options: .init(scope: .job("nightly"))).render() }
    }
}
