import Foundation
import Testing
import TallyStore
import TestSupport

/// Messages a person can act on: where a broken file breaks, which input is missing, where a
/// rejected record is, why a dry run would reject rows, what a command found when there is nothing.
@Suite("Actionable messages", .serialized)
struct ActionableMessageTests {
    static let header = "number,state,sys_updated_on\n"

    /// A new folder holding `in.csv`: the header, then `rows`.
    func inputFolder(_ label: String, rows: String) throws -> URL {
        let folder = try Paths.makeTempDirectory(label)
        try Paths.write(Self.header + rows, "in.csv", in: folder)
        return folder
    }

    /// `tally import in.csv -e incident --db tally.db` with `options`, in `folder`.
    func importInput(_ options: [String] = [], in folder: URL) throws -> ProcessOutput {
        try TallyProcess.run(["import", "in.csv", "-e", "incident"] + options + ["--db", "tally.db"], in: folder)
    }

    @Test("a map that is not JSON names its line and column, exit 64")
    func aBrokenMapNamesItsLineAndColumn() throws {
        let folder = try inputFolder("tally-broken-map", rows: "INC0000001,1,2026-01-01 00:00:00\n")
        try Paths.write("{\n  \"entity\": \"incident\",\n  \"columns\": {\n    \"state\" \"state\"\n  }\n}\n", "map.json", in: folder)
        let result = try importInput(["--map", "map.json"], in: folder)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("error: the map map.json is not valid: line 4, column 13: expected ':' after the key, found '\"'"), "\(result.stderr)")
    }

    @Test("a job file that is not JSON names its line and column, exit 64")
    func aBrokenJobFileNamesItsLineAndColumn() throws {
        let folder = try Paths.makeTempDirectory("tally-broken-job")
        try Paths.write("{\n  \"name\": \"nightly\",\n  \"inputs\": [\n    {\"entity\": \"incident\", \"glob\": \"*.csv\"\n  ]\n}\n", "job.json", in: folder)
        let result = try TallyProcess.run(["run", "job.json"], in: folder)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("the job file job.json is not valid: line 5, column 3: expected ',' or '}' after a value, found ']'"), "\(result.stderr)")
        try Paths.write(#"{"name": 'nightly'}"#, "quotes.json", in: folder)
        let quotes = try TallyProcess.run(["run", "quotes.json"], in: folder)
        #expect(quotes.status == 64)
        #expect(quotes.stderr.contains("line 1, column 10: unexpected \"'\" where a value was expected (JSON strings take double quotes)"), "\(quotes.stderr)")
    }

    @Test("a map with a bad choice code is a usage error, even when its input was already imported")
    func aBadChoiceCodeIsAUsageError() throws {
        let folder = try inputFolder("tally-bad-choice", rows: "INC0000001,Open,2026-01-01 00:00:00\n")
        try Paths.write(#"{"entity": "incident", "columns": {"state": {"field": "state", "choices": {"Open": 1}}}}"#, "good.json", in: folder)
        try Paths.write(#"{"entity": "incident", "columns": {"state": {"field": "state", "choices": {"Open": 99}}}}"#, "bad.json", in: folder)
        #expect(try importInput(["--map", "good.json"], in: folder).status == 0)
        // The same file again: it would be skipped as already imported, but the map is wrong.
        let result = try importInput(["--map", "bad.json"], in: folder)
        #expect(result.status == 64, "\(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("the map bad.json is not valid: column 'state' maps 'Open' to 99, which is not one of"), "\(result.stderr)")
    }

    @Test("a job's last line names the missing input's path")
    func aMissingJobInputIsNamed() throws {
        let folder = try Paths.makeTempDirectory("tally-missing-input")
        try Paths.write(#"{"name": "nightly", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "drop/incident.csv"}]}"#, "job.json", in: folder)
        let result = try TallyProcess.run(["run", "job.json", "--json"], in: folder)
        #expect(result.status == 66)
        let lastLog = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLog.contains("1 input(s) missing (drop/incident.csv) — exit 66"), "\(lastLog)")
        #expect((try jsonObject(result.stdout)["message"] as? String)?.hasSuffix("1 input(s) missing (drop/incident.csv)") == true, "\(result.stdout)")
    }

    @Test("rejects from a one-line JSON export give each record's index, not line 1 for every row")
    func oneLineJSONRejectsNameTheirRecord() throws {
        let folder = try Paths.makeTempDirectory("tally-one-line-json")
        try Paths.write(#"[{"number":"INC0000001","state":"1","sys_updated_on":"2026-01-01 00:00:00"},{"number":"INC0000002","state":"1","sys_updated_on":"soon"},{"number":"INC0000003","state":"1","sys_updated_on":"later"}]"#,
                  "export.json", in: folder)
        let result = try TallyProcess.run(["import", "export.json", "-e", "incident", "--db", "tally.db"], in: folder)
        #expect(result.status == 65)
        let show = try TallyProcess.run(["show", "1", "--db", "tally.db"], in: folder)
        #expect(show.stdout.contains("export.json record 2 (line 1) sys_updated_on: "), "\(show.stdout)")
        #expect(show.stdout.contains("export.json record 3 (line 1) sys_updated_on: "), "\(show.stdout)")
        #expect(!show.stdout.contains("export.json:1 "), "\(show.stdout)")
        // The steward page's examples name them the same way.
        #expect(try TallyProcess.run(["report", "--html", "page.html", "--db", "tally.db"], in: folder).status == 0)
        let page = try String(contentsOf: folder.appendingPathComponent("page.html"), encoding: .utf8)
        #expect(page.contains("export.json record 3 (line 1)"))
        #expect(!page.contains("export.json:1"))
    }

    @Test("a dry run says why rows would be rejected, in text and in --json")
    func aDryRunSaysWhyRowsWouldBeRejected() throws {
        let folder = try inputFolder("tally-dry-run-rejects",
                                     rows: "INC0000001,1,2026-01-01 00:00:00\nINC0000002,9,2026-01-01 00:00:00\nINC0000003,1,someday\nINC0000004,1,never\n")
        let text = try importInput(["--dry-run"], in: folder)
        #expect(text.status == 65, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex(of: "Would reject 3 row(s):"), "\(text.stdout)")
        #expect(lines[start + 1] == "  type.datetime: 2")
        #expect(lines[start + 2].hasPrefix("    in.csv:4 sys_updated_on: sys_updated_on 'someday' is not a date"), "\(lines[start + 2])")
        #expect(lines[start + 3].hasPrefix("    in.csv:5 sys_updated_on: sys_updated_on 'never'"), "\(lines[start + 3])")
        #expect(lines[start + 4] == "  choice: 1")
        #expect(lines[start + 5].hasPrefix("    in.csv:3 state: state '9' is not one of incident's states"), "\(lines[start + 5])")
        #expect(lines.last?.hasPrefix("Total: read 4, inserted 1,") == true)

        let json = try importInput(["--dry-run", "--json"], in: folder)
        let objects = json.stdout.split(separator: "\n").compactMap { try? jsonObject(String($0)) }
        let rejected = objects.filter { $0["change"] as? String == "rejected" }
        #expect(rejected.count == 3)
        let first = try #require(rejected.first)
        #expect(first["file"] as? String == "in.csv" && first["line"] as? Int == 3 && first["record"] as? Int == 2)
        let reasons = try #require(first["reasons"] as? [[String: Any]])
        #expect(reasons.first?["rule"] as? String == "choice" && reasons.first?["field"] as? String == "state")
        #expect(objects.last?["status"] as? String == "dry_run")
        // Nothing was kept: the dry run's findings went with its rolled-back transaction.
        #expect(try StoreProbe(folder).count("findings") == 0)
    }

    @Test("settings list on a store with nothing set says so")
    func anEmptySettingsListSaysSo() throws {
        let folder = try Paths.makeTempDirectory("tally-empty-settings")
        #expect(try TallyProcess.run(["init", "--db", "tally.db"], in: folder).status == 0)
        let result = try TallyProcess.run(["settings", "--db", "tally.db"], in: folder)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("No settings are set in tally.db; each has its default. Known: sync_enabled"), "\(result.stdout)")
        let json = try TallyProcess.run(["settings", "list", "--json", "--db", "tally.db"], in: folder)
        #expect(json.stdout.isEmpty)
    }

    @Test("extract --out - writes CSV by default, as an extract into a folder does")
    func extractToStdoutDefaultsToCSV() throws {
        let folder = try inputFolder("tally-extract-default", rows: "INC0000001,1,2026-01-01 00:00:00\n")
        #expect(try importInput(in: folder).status == 0)
        let stdout = try TallyProcess.run(["extract", "incident", "--db", "tally.db"], in: folder)
        #expect(stdout.stdout.hasPrefix("sys_id,number,"), "\(stdout.stdout.prefix(80))")
        #expect(try TallyProcess.run(["extract", "incident", "--out", "out", "--db", "tally.db"], in: folder).status == 0)
        let file = try String(contentsOf: folder.appendingPathComponent("out/incident.csv"), encoding: .utf8)
        #expect(file == stdout.stdout)
    }

    @Test("a feed whose cursor cannot be moved (a busy store) says which files were written")
    func aFeedOnABusyStoreSaysWhatWasWritten() throws {
        let folder = try inputFolder("tally-feed-busy", rows: "INC0000001,1,2026-01-01 00:00:00\n")
        #expect(try importInput(in: folder).status == 0)
        let writer = try Connection(path: folder.appendingPathComponent("tally.db").path)
        try writer.execute("BEGIN IMMEDIATE")  // another process writing: the feed reads, but cannot move its cursor
        defer { try? writer.execute("ROLLBACK") }
        let result = try TallyProcess.run(["extract", "incident", "--feed", "bi", "--out", "out", "--db", "tally.db"], in: folder)
        #expect(result.status == 75, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("error: wrote out/incident.csv, out/manifest.json, out/SHA256SUMS, but feed 'bi's cursor was not moved"), "\(result.stderr)")
        #expect(result.stderr.contains("the next pickup delivers these records again"), "\(result.stderr)")
        #expect(!result.stderr.contains("nothing was written"), "\(result.stderr)")
    }
}
