import Foundation
import Testing
import TestSupport

/// `tally extract --format parquet`: every report and entity feed, listed and checksummed like the
/// other formats, reproducible, and read back by DuckDB and pyarrow equal to the CSV and NDJSON.
@Suite("tally extract --format parquet")
struct ParquetExtractTests {
    static let extracts = ExtractReportTests.extracts

    /// A store of incidents with hostile values (quotes, newlines, unicode, formula text, empty
    /// JSON strings and nulls), one state a map kept as text (`"unknown": "keep"`), and cases.
    static func hostileStore() throws -> URL {
        let folder = try Paths.makeTempDirectory("tally-parquet")
        let csv = """
            sys_id,number,short_description,description,state,priority,opened_at,sys_updated_on,reopen_count,made_sla
            0123456789abcdef0123456789abcdef,INC0000001,"say ""hi"", then 'bye'","line one
            line two\r\nthree",1,1,2026-01-02 03:04:05,2026-01-02 03:04:06,0,true
            1123456789abcdef0123456789abcdef,INC0000002,naïve café — 東京 🚀,=SUM(A1)+1,Weird,2,1969-12-31 23:59:59,2026-01-03 00:00:00,,false
            2123456789abcdef0123456789abcdef,INC0000003,  padded  ,-5,2,,,2026-01-04 00:00:00,3,

            """
        try Paths.write(csv, "hostile.csv", in: folder)
        try Paths.write(#"{"entity": "incident", "columns": {"state": {"field": "state", "unknown": "keep"}}}"#, "keep.json", in: folder)
        try Paths.write("""
            [{"sys_id": "3123456789abcdef0123456789abcdef", "number": "INC0000004", "short_description": "", "description": null,
              "state": "7", "sys_updated_on": "2026-01-05 00:00:00", "close_notes": "tab\\there, nul-free \\u00e9"}]
            """, "hostile.json", in: folder)
        for arguments in [["hostile.csv", "--map", "keep.json"], ["hostile.json"]] {
            let result = try TallyProcess.run(["import"] + arguments + ["--entity", "incident", "--db", "tally.db"], in: folder)
            guard result.status == 0 || result.status == 65 else {
                throw FixtureStoreError(message: "import \(arguments[0]) exited \(result.status): \(result.stderr)")
            }
        }
        let cases = try TallyProcess.run(["import", Paths.fixture("csm/case_updates.csv"), "--entity", "case", "--db", "tally.db"], in: folder)
        guard cases.status == 0 || cases.status == 65 else { throw FixtureStoreError(message: cases.stderr) }
        return folder
    }

    @Test func everyExtractIsWrittenListedAndChecksummed() throws {
        let (result, folder) = try extractFromFixtures(Self.extracts + ["--format", "parquet", "--out", "out"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.appendingPathComponent("out")
        let manifest = try #require(try JSONSerialization.jsonObject(with: contents(out, "manifest.json")) as? [String: Any])
        #expect(manifest["format"] as? String == "parquet")
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == Self.extracts.map { $0 + ".parquet" })
        let sums = text(out, "SHA256SUMS")
        for file in files {
            let name = try #require(file["file"] as? String)
            let data = contents(out, name)
            #expect(data.prefix(4) == Data("PAR1".utf8) && data.suffix(4) == Data("PAR1".utf8), "\(name)")
            #expect(file["bytes"] as? Int == data.count)
            #expect(file["format"] as? String == "parquet")
            #expect(sums.contains("\(file["sha256"] as? String ?? "?")  \(name)\n"))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temp files left: \(leftovers)")
    }

    @Test func theSameStoreGivesByteIdenticalFiles() throws {
        let (first, one) = try extractFromFixtures(Self.extracts + ["--format", "parquet", "--out", "out"])
        let (second, two) = try extractFromFixtures(Self.extracts + ["--format", "parquet", "--out", "out"])
        #expect(first.status == 0 && second.status == 0)
        for name in Self.extracts {
            let a = contents(one.appendingPathComponent("out"), name + ".parquet")
            #expect(!a.isEmpty && a == contents(two.appendingPathComponent("out"), name + ".parquet"), "\(name).parquet differs between two extracts")
        }
    }

    @Test func oneExtractGoesToStandardOutput() throws {
        let (result, _) = try extractFromFixtures(["incident_metrics", "--format", "parquet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("PAR1") && result.stdout.hasSuffix("PAR1"))
    }

    /// A delta feed as Parquet: the pickup delivers what is new and moves the cursor; the next
    /// pickup is an empty but valid file.
    @Test func aDeltaFeedIsPickedUpAsParquet() throws {
        let folder = try Self.hostileStore()
        let first = try TallyProcess.run(["extract", "incident", "--feed", "wh", "--format", "parquet", "--out", "one", "--json", "--db", "tally.db"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains(#""feed": {"name": "wh", "rows": 4}"#), "\(first.stdout)")
        let second = try TallyProcess.run(["extract", "incident", "--feed", "wh", "--format", "parquet", "--out", "two", "--json", "--db", "tally.db"], in: folder)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains(#""rows": 0"#), "\(second.stdout)")
        let empty = contents(folder.appendingPathComponent("two"), "incident.parquet")
        #expect(empty.prefix(4) == Data("PAR1".utf8) && empty.suffix(4) == Data("PAR1".utf8))
    }

    /// DuckDB and pyarrow (installed from PyPI into `.build/` by the script when missing) read every
    /// cell of every extract back equal to the CSV and NDJSON, for the fixtures, the hostile store,
    /// a feed pickup and a version history. Set `TALLY_SKIP_PARQUET_READERS=1` where PyPI cannot be reached.
    @Test(.disabled(if: ProcessInfo.processInfo.environment["TALLY_SKIP_PARQUET_READERS"] == "1",
                    "TALLY_SKIP_PARQUET_READERS=1: DuckDB and pyarrow do not check the Parquet files"))
    func realReadersReadEveryCellBackEqualToTheCSV() throws {
        let fixtures = try Paths.makeTempDirectory("tally-parquet-readers")
        let hostile = try Self.hostileStore()
        for (folder, database) in [(fixtures, ExtractFixtureStore.database), (hostile, "tally.db")] {
            for format in [["--format", "parquet"], ["--format", "csv", "--no-formula-guard"], ["--format", "ndjson"]] {
                let result = try TallyProcess.run(["extract"] + Self.extracts + format + ["--out", "all", "--db", database], in: folder)
                #expect(result.status == 0, "\(result.stderr)")
                guard folder == hostile else { continue }  // a pickup writes its cursor: never in the shared store
                let feed = try TallyProcess.run(["extract", "incident", "--feed", "wh", "--full", "--out", "feed", "--db", database] + format, in: folder)
                #expect(feed.status == 0, "\(feed.stderr)")
                let history = try TallyProcess.run(["extract", "incident", "--history", "--out", "history", "--db", database] + format, in: folder)
                #expect(history.status == 0, "\(history.stderr)")
            }
        }
        var checked: [String] = []
        for folder in [fixtures.appendingPathComponent("all"), hostile.appendingPathComponent("all"), hostile.appendingPathComponent("feed"),
                       hostile.appendingPathComponent("history")] {
            let (status, output) = try Self.runReaders(folder)
            if status == 3 {
                Issue.record("the real-reader check could not run: \(output) — set TALLY_SKIP_PARQUET_READERS=1 to skip it knowingly")
                return
            }
            #expect(status == 0, "\(output)")
            checked.append(output)
        }
        #expect(checked[1].contains("incident.parquet: 4 rows x 49 columns"), "\(checked[1])")
        #expect(checked[2].contains("incident.parquet: 4 rows x 50 columns"), "a feed has its op column too: \(checked[2])")
        // The map kept one state as text: that column is a string there, an integer elsewhere.
        let (_, schemas) = try Self.python(
            "import pyarrow.parquet as pq, sys; [print(pq.read_schema(p).field('state').type) for p in sys.argv[1:]]",
            [fixtures.appendingPathComponent("all/incident.parquet").path, hostile.appendingPathComponent("all/incident.parquet").path])
        #expect(schemas == "int64\nstring\n")
    }

    static func runReaders(_ folder: URL) throws -> (Int32, String) {
        try run("/bin/bash", [Paths.packageRoot.appendingPathComponent("Tests/parquet-readers.sh").path, folder.path])
    }

    static func python(_ code: String, _ arguments: [String]) throws -> (Int32, String) {
        try run(Paths.packageRoot.appendingPathComponent(".build/parquet-venv/bin/python").path, ["-c", code] + arguments)
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
