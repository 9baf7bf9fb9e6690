import Foundation
import Testing
import TestSupport

/// A job folder in a temp directory: `job.json` plus whatever the test puts beside it.
struct JobFolder {
    let url: URL
    var path: String { url.path }

    init(_ label: String = "tally-job") throws {
        url = try Paths.makeTempDirectory(label)
    }

    func write(_ job: String, name: String = "job.json") throws {
        JobSeeds.keep(job)
        try Data(job.utf8).write(to: url.appendingPathComponent(name))
    }

    /// Copies a fixture to `relative` inside the folder.
    func copy(fixture: String, to relative: String) throws {
        let destination = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Paths.fixture(fixture), toPath: destination.path)
    }

    func run(_ arguments: [String] = [], job: String = "job.json") throws -> ProcessOutput {
        try TallyProcess.run(["run", job] + arguments, in: url, environment: ["NO_COLOR": "1"])
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(relative).path)
    }

    /// Every path under the folder, relative, sorted (to compare before and after).
    func listing() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var paths: [String] = []
        while let next = enumerator?.nextObject() as? String { paths.append(next) }
        return paths.sorted()
    }
}

/// A JSON string literal.
private func q(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

/// The bundled fixtures as job inputs (absolute paths), deliberately listed cases first: the
/// job's default order must put CIs first.
private let fixtureInputs = """
    {"entity": "case", "glob": \(q(Paths.fixture("csm/sn_customerservice_case.xml")))},
    {"entity": "case", "glob": \(q(Paths.fixture("csm/case_updates.csv")))},
    {"entity": "incident", "glob": \(q(Paths.fixture("itsm/incident*.csv")))},
    {"entity": "request", "glob": \(q(Paths.fixture("itsm/sc_request.ndjson")))},
    {"entity": "change", "glob": \(q(Paths.fixture("itsm/change_request.json")))},
    {"entity": "problem", "glob": \(q(Paths.fixture("itsm/problem.json")))},
    {"entity": "ci_relationship", "glob": \(q(Paths.fixture("cmdb/cmdb_rel_ci.json")))},
    {"entity": "ci", "glob": \(q(Paths.fixture("cmdb/cmdb_ci*.csv")))}
    """

@Suite("tally run")
struct JobTests {
    @Test func aFullJobImportsInEntityOrderAndWritesExtracts() throws {
        let folder = try JobFolder()
        try folder.write("""
            {"name": "full", "store": "tally.db", "inputs": [\(fixtureInputs)],
             "settings": {"sync_enabled": true, "case_fields_to_sync": ["incident"]},
             "extracts": {"out": "out", "format": "csv", "feeds": [{"name": "bi", "entity": "incident"}]}}
            """)
        let result = try folder.run(["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try jsonObject(result.stdout)
        #expect(object["exit_code"] as? Int == 0)
        let inputs = try #require(object["inputs"] as? [[String: Any]])
        #expect(inputs.map { $0["entity"] as? String } == ["ci", "ci", "ci_relationship", "problem", "change", "incident", "incident", "request", "case", "case"])
        #expect(inputs.allSatisfy { $0["status"] as? String == "committed" })

        let probe = try StoreProbe(folder.url)
        #expect(try probe.count("job_runs") == 1)
        #expect(try probe.text("SELECT status FROM job_runs") == "ok")
        #expect(try probe.count("runs") == 10)
        #expect(try probe.count("runs", "job_run = 1 AND status = 'committed'") == 10)
        #expect(try probe.text("SELECT value FROM settings WHERE key = 'case_fields_to_sync'") == "incident")
        #expect(folder.exists("out/manifest.json") && folder.exists("out/SHA256SUMS") && folder.exists("out/case_links.csv"))
        #expect(folder.exists("out/feeds/bi/incident.csv"))
        #expect(!folder.exists("tally.db.lock"), "the lock file is removed on release")
        #expect(result.stderr.split(separator: "\n").last?.contains("exit 0 (ok)") == true)

        // Again: every input already committed, so every run is skipped, and the job is clean.
        let again = try folder.run(["--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let second = try #require(try jsonObject(again.stdout)["inputs"] as? [[String: Any]])
        #expect(second.allSatisfy { $0["status"] as? String == "skipped" })
        #expect(try probe.count("runs", "job_run = 2") == 10)
    }

    @Test func theDemoJobRunsFromACopyOfTheCheckoutTwice() throws {
        let folder = try JobFolder("tally-demo")
        for item in ["jobs", "fixtures"] {
            try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent(item), to: folder.url.appendingPathComponent(item))
        }
        let first = try folder.run(job: "jobs/demo.json")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(folder.exists("tally.db") && folder.exists("out/manifest.json"))
        let second = try folder.run(job: "jobs/demo.json")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("0 run(s) committed, 15 skipped"))
        #expect(folder.exists("fixtures/itsm/incident.csv"), "the demo never moves the fixtures")

        // The page after a run with nothing new still covers the job's runs of the last 30 days:
        // the fifteen runs of the first job run, none of the fifteen skipped ones, and says nothing is new.
        let page = ReportPage(try String(contentsOf: folder.url.appendingPathComponent("out/report.html"), encoding: .utf8))
        #expect(page.rows("runs-table").map(\.key) == (1...15).map(String.init))
        #expect(page.html.contains("Job run 2 brought nothing new: its 15 inputs had been imported already (skipped). The page covers the job&#39;s runs of the 30 days up to it; the previous job run (1) started "))
        #expect(page.html.range(of: #"the previous job run \(1\) started \d{4}-\d\d-\d\d \d\d:\d\d UTC\."#, options: .regularExpression) != nil,
                "the time reads like the runs table's")
        #expect(page.html.contains("15 skipped runs (inputs already imported, nothing done) are left out."))
        #expect(page.html.contains("<strong>Last run:</strong> run 15 "), "a skipped run is never the last run")
        #expect(page.html.components(separatedBy: "<text class=\"axis total\"").count - 1 == 15, "fifteen columns in the chart")
        #expect(!page.html.contains("● "), "nothing is marked new")
        // The SLA and fulfilment panels, and the three service reports beside the page.
        #expect(page.html.contains("<svg id=\"chart-sla-priority\"") && page.html.contains("<svg id=\"chart-sla-trend\""))
        #expect(page.rows("fulfilment-table").first?.key == "CS0001019", "the oldest open chain first")
        #expect(page.html.contains("<p id=\"fulfilment-summary\"><strong>21</strong> of 40 cases have a chain still open"))
        for report in ["sla_attainment", "case_fulfilment", "knowledge_use"] {
            #expect(folder.exists("out/\(report).csv"), "\(report)")
        }

        // A new export arrives: the next page marks its run new, beside the earlier ones.
        try folder.copy(fixture: "itsm/incident.csv", to: "fixtures/itsm/incident-more.csv")
        let csv = folder.url.appendingPathComponent("fixtures/itsm/incident-more.csv")
        try (try String(contentsOf: csv, encoding: .utf8)).replacingOccurrences(of: "2026-06-14 15:02:18", with: "2026-06-15 15:02:18")
            .write(to: csv, atomically: true, encoding: .utf8)
        let third = try folder.run(job: "jobs/demo.json")
        #expect(third.status == 0, "\(third.stderr)")
        let next = ReportPage(try String(contentsOf: folder.url.appendingPathComponent("out/report.html"), encoding: .utf8))
        #expect(next.rows("runs-table").map(\.key) == (1...15).map(String.init) + ["36"], "incident-more.csv sorts first of the incident files: run 36")
        #expect(next.row("runs-table", "36")?.first == "36")
        #expect(next.html.contains("<strong>● 36</strong> <span class=\"hint\">new</span>"))
        #expect(next.html.contains("<strong>●</strong> new since the previous job run (its number in bold)"))
        #expect(!next.html.contains("● 12"), "the legend names no run that is not new")
        #expect(next.html.contains("Job run 3 brought 1 new run, marked ● new below; 15 inputs had been imported already (skipped)."))
        #expect(next.html.contains("<strong>Last run:</strong> run 36 "))
    }

    @Test func theArchiveGetsEachFileOnlyAfterItsRunCommits() throws {
        let folder = try JobFolder()
        try folder.copy(fixture: "itsm/incident.csv", to: "drop/incident-1.csv")
        try folder.copy(fixture: "rejects/bad-sys-id.csv", to: "drop/incident-2.csv")
        try folder.copy(fixture: "bad/truncated.json", to: "drop/problem-1.json")
        try folder.write("""
            {"name": "nightly", "store": "tally.db", "archive": "archive",
             "inputs": [{"entity": "incident", "glob": "drop/incident-*.csv"}, {"entity": "problem", "glob": "drop/problem-*.json"}]}
            """)
        let result = try folder.run()
        #expect(result.status == 1, "a failed run makes the job fail: \(result.stderr)")
        // Problems run before incidents (entity order): run 1 is the failed problem file.
        #expect(folder.exists("archive/2-incident-1.csv"))
        #expect(folder.exists("archive/3-incident-2.csv"), "committed with rejects is committed: archived")
        #expect(!folder.exists("drop/incident-1.csv") && !folder.exists("drop/incident-2.csv"))
        #expect(folder.exists("drop/problem-1.json"), "a failed run's file stays in the drop folder")
        #expect(result.stderr.contains("moved drop/incident-1.csv to archive/2-incident-1.csv"))

        // Dropped again after a fix: the already-imported content is skipped and still archived.
        try folder.copy(fixture: "itsm/incident.csv", to: "drop/incident-3.csv")
        try FileManager.default.removeItem(atPath: folder.path + "/drop/problem-1.json")
        let again = try folder.run()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(folder.exists("archive/4-incident-3.csv"))
    }

    @Test func stopOnErrorStopsAtTheFirstFailureAndKeepsWhatCommitted() throws {
        for stop in [true, false] {
            let folder = try JobFolder()
            try folder.write("""
                {"name": "stopping", "store": "tally.db", "stop_on_error": \(stop), "extracts": {"out": "out"},
                 "inputs": [{"entity": "ci", "glob": \(q(Paths.fixture("cmdb/cmdb_ci.csv")))},
                            {"entity": "problem", "glob": \(q(Paths.fixture("bad/truncated.json")))},
                            {"entity": "incident", "glob": \(q(Paths.fixture("itsm/incident.csv")))}]}
                """)
            let result = try folder.run(["--json"])
            #expect(result.status == 1, "\(result.stderr)")
            let inputs = try #require(try jsonObject(result.stdout)["inputs"] as? [[String: Any]])
            #expect(inputs.map { $0["status"] as? String } == ["committed", "failed", stop ? "not_run" : "committed"])
            let probe = try StoreProbe(folder.url)
            #expect(try probe.count("runs", "entity = 'ci' AND status = 'committed'") == 1)
            #expect(try probe.count("runs", "entity = 'incident'") == (stop ? 0 : 1))
            #expect(try probe.text("SELECT status FROM job_runs") == "failed")
            #expect(!folder.exists("out"), "extracts wait for every import to commit")
            if stop { #expect(result.stderr.contains("stop_on_error: the job stops here")) }
        }
    }

    /// Only the import stage may create the store: `--stage extract` or `report` on a missing one
    /// says so (66), rather than writing an empty store and a "clean" page of it.
    @Test func aStageThatOnlyReadsNeverCreatesTheStore() throws {
        let folder = try JobFolder()
        try folder.write(#"{"name": "j", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "drop/*.csv"}], "extracts": {"out": "out"}, "report": "page.html"}"#)
        for stage in ["report", "extract"] {
            let result = try folder.run(["--stage", stage])
            #expect(result.status == 66, "\(result.stderr)")
            #expect(result.stderr.contains("no store at tally.db"), "\(result.stderr)")
            #expect(folder.listing() == ["job.json"], "no store, no page, no extracts")
        }
    }

    @Test func aDryRunLeavesNoTrace() throws {
        let folder = try JobFolder()
        try folder.copy(fixture: "itsm/incident.csv", to: "drop/incident-1.csv")
        try folder.write("""
            {"name": "dry", "store": "tally.db", "archive": "archive", "extracts": {"out": "out"},
             "settings": {"sync_enabled": true},
             "inputs": [{"entity": "incident", "glob": "drop/incident-*.csv"}]}
            """)
        let before = folder.listing()
        let noStore = try folder.run(["--dry-run", "--log", "/dev/null"])
        #expect(noStore.status == 0, "\(noStore.stderr)")
        #expect(folder.listing() == before, "no store, no lock file, no archive move, no extracts")
        #expect(noStore.stderr.contains("dry run: incident from drop/incident-1.csv would give: read 80, inserted 80"))

        // With a store: no job run, no run, no setting.
        let imported = try TallyProcess.run(["import", Paths.fixture("cmdb/cmdb_ci.csv"), "--entity", "ci"], in: folder.url)
        #expect(imported.status == 0)
        let withStore = folder.listing()
        let dry = try folder.run(["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(folder.listing() == withStore)
        let probe = try StoreProbe(folder.url)
        #expect(try probe.count("job_runs") == 0)
        #expect(try probe.count("runs") == 1)
        #expect(try probe.count("settings", "key = 'sync_enabled'") == 0)
    }

    @Test func theLogIsNDJSONAndItsLastLineIsTheOutcome() throws {
        let folder = try JobFolder()
        try folder.write("""
            {"name": "logged", "store": "tally.db",
             "inputs": [{"entity": "incident", "glob": \(q(Paths.fixture("rejects/bad-sys-id.csv")))},
                        {"entity": "incident", "glob": \(q(Paths.fixture("itsm/incident.csv")))}]}
            """)
        for expected in [65, 0] {  // the second run skips both inputs: clean
            let result = try folder.run(["--log", "job.ndjson", "--quiet"])
            #expect(result.status == Int32(expected), "\(result.stderr)")
            let lines = try String(contentsOf: folder.url.appendingPathComponent("job.ndjson"), encoding: .utf8)
                .split(separator: "\n").map(String.init)
            var events: [[String: Any]] = []
            for line in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
                for key in ["time", "level", "job", "run", "stage", "message", "counts"] {
                    #expect(object.keys.contains(key), "\(key) missing in \(line)")
                }
                let time = try #require(object["time"] as? String)
                #expect(time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression) != nil)
                events.append(object)
            }
            let last = try #require(events.last)
            let outcome = try #require(last["outcome"] as? [String: Any])
            #expect(outcome["exit_code"] as? Int == expected)
            #expect(events.filter { $0["outcome"] != nil }.count == (expected == 65 ? 1 : 2), "one outcome per run, appended")
            if expected == 65 {
                let committed = events.filter { ($0["message"] as? String)?.contains("committed: incident") == true }
                #expect(committed.count == 2)
                #expect((committed.first?["counts"] as? [String: Any])?["rejected"] as? Int == 2)
                #expect(result.stderr.split(separator: "\n").count == 2, "--quiet: the warning and the outcome only:\n\(result.stderr)")
            }
        }
    }

    @Test func aMissingInputExits66AndAnInvalidJobFileExits64() throws {
        let folder = try JobFolder()
        try folder.write("""
            {"name": "missing", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "exports/incident.csv"}]}
            """)
        let missing = try folder.run()
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("the input exports/incident.csv is missing"))

        try folder.write(#"{"name": "typo", "inputs": [], "stop_on_eror": true}"#, name: "typo.json")
        let typo = try folder.run(job: "typo.json")
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("'stop_on_eror' is not a key of a job; did you mean 'stop_on_error'?"))

        let none = try folder.run(job: "nowhere.json")
        #expect(none.status == 66)
    }
}
