import Foundation
import Testing
import TestSupport

/// Runs `tally extract ARGS --db <fixture store>` in a new folder; returns the result and the folder.
func extractFromFixtures(_ arguments: [String]) throws -> (ProcessOutput, URL) {
    let folder = try Paths.makeTempDirectory("tally-extract")
    let result = try TallyProcess.run(["extract"] + arguments + ["--db", ExtractFixtureStore.database], in: folder)
    return (result, folder)
}

func contents(_ folder: URL, _ name: String) -> Data {
    FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) ?? Data()
}

func text(_ folder: URL, _ name: String) -> String {
    String(decoding: contents(folder, name), as: UTF8.self)
}

@Suite("tally extract: reports on the fixtures")
struct ExtractReportTests {
    /// Every report and entity feed the catalogue lists (`tally extract --list --json`), so a
    /// new one without a golden file fails ``matchesItsGoldenFile(_:)``.
    static let extracts: [String] = {
        guard let list = try? TallyProcess.run(["extract", "--list", "--json"]).stdout else { return [] }
        return list.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["name"] as? String
        }
    }()

    /// Every golden file belongs to an extract the catalogue lists (a list read wrong, or a
    /// renamed report, shows here).
    @Test func everyGoldenFileIsOfAListedExtract() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Golden.folder.path)
        #expect(!Self.extracts.isEmpty)
        for file in files {
            let name = (file.hasPrefix("pending-") ? String(file.dropFirst("pending-".count)) : file)
                .components(separatedBy: ".")[0]
            #expect(Self.extracts.contains(name), "\(file) belongs to no listed extract")
        }
    }

    /// Every report and feed as CSV, byte for byte against its golden file. Times of day the
    /// store records (run start and finish) are replaced by `<time>`.
    @Test(arguments: extracts)
    func matchesItsGoldenFile(_ name: String) throws {
        let (result, folder) = try extractFromFixtures([name, "--format", "csv", "--out", "out"])
        #expect(result.status == 0, "\(result.stderr)")
        var data = contents(folder.appendingPathComponent("out"), name + ".csv")
        if name == "run_summary" {
            let normalised = String(decoding: data, as: UTF8.self)
                .replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, with: "<time>", options: .regularExpression)
            data = Data(normalised.utf8)
        }
        try Golden.check(data, name + ".csv")
    }

    /// JSON and NDJSON write numbers and booleans typed.
    @Test(arguments: ["json", "ndjson"])
    func typedJSONMatchesItsGoldenFile(_ format: String) throws {
        let (result, folder) = try extractFromFixtures(["incident_metrics", "case_links", "--format", format, "--out", "out"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["incident_metrics", "case_links"] {
            try Golden.check(contents(folder.appendingPathComponent("out"), "\(name).\(format)"), "\(name).\(format)")
        }
    }

    /// The five violations of the fixture stories, and nothing else.
    @Test func resolutionConsistencyListsExactlyTheFiveViolations() throws {
        let (result, folder) = try extractFromFixtures(["resolution_consistency", "--format", "csv"])
        _ = folder
        #expect(result.status == 0, "\(result.stderr)")
        let cases = result.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" }
        #expect(cases == ["CS0001010", "CS0001011", "CS0001012", "CS0001013", "CS0001014"])
    }

    /// Numbers worked out from `fixtures/sla/task_sla.json` and the tasks' priorities (the
    /// newest start_time is 2026-10-30 10:26:46; windows count starts after as_of minus the days).
    @Test func slaAttainmentCountsTheFixtureSLAs() throws {
        let (result, _) = try extractFromFixtures(["sla_attainment", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").dropFirst().map(String.init)
        #expect(lines.count == 21)
        #expect(lines.allSatisfy { $0.hasSuffix(",2026-10-30 10:26:46") }, "as_of is the newest start_time, on every row")
        // P2 incidents in 90 days: 4 SLAs, 1 met, 3 breached (one still running): 75% of the decided ones.
        #expect(lines.contains("90d,incident,2,Priority 2 resolution (8 hour),4,4,1,3,1,0,75.0,355.88,476.87,2026-10-30 10:26:46"))
        // INC0010101 is in no file: its SLA counts, under no task type and no priority.
        #expect(lines.contains("30d,(unresolved),,Priority 3 resolution (2 business days),1,1,0,0,1,0,,37.20,37.20,2026-10-30 10:26:46"))
        // A cancelled SLA is neither met nor breached and has no elapsed percentile.
        #expect(lines.contains("90d,case,5,Case resolution (3 business days),1,1,0,0,0,1,,,,2026-10-30 10:26:46"))
        // INC0010011's paused SLA is in progress, not breached.
        #expect(lines.contains("90d,incident,4,Priority 4 resolution (5 business days),11,11,5,0,5,1,0.0,11.38,27.18,2026-10-30 10:26:46"))
    }

    /// The work-order stories of `fixtures/README.md`.
    @Test func caseFulfilmentFollowsEachCaseToItsWorkOrders() throws {
        let (result, _) = try extractFromFixtures(["case_fulfilment", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").dropFirst().map(String.init)
        func row(_ number: String) -> String { lines.first { $0.hasPrefix(number + ",") } ?? "" }
        #expect(lines.count == 40)
        // 2026-07-12 13:57:18 → 2026-07-13 20:08:42 is 30 h 11 min.
        #expect(row("CS0001008").contains(",1,\"WO0010001 Closed Complete (opened 2026-07-12 15:50:30, closed 2026-07-13 20:08:42)\",2,"))
        #expect(row("CS0001008").hasSuffix(",P1000231 - Kiosk terminal K-12,2026-07-13 20:08:42,30.19,false"))
        // Two work orders, one cancelled: the last closed ends the chain (77 h 30 min).
        #expect(row("CS0001021").contains("WO0010004 Closed Complete (opened 2026-07-16 14:14:21, closed 2026-07-19 14:54:05); WO0010005 Canceled"))
        #expect(row("CS0001021").hasSuffix(",2026-07-19 14:54:05,77.51,false"))
        // WO0010002 was raised from INC0010010, the incident of both CS0001015 and CS0001016: open, no elapsed time.
        for number in ["CS0001015", "CS0001016"] {
            #expect(row(number).contains(",1,WO0010002 Work in Progress (opened 2026-07-17 00:25:25),2,"), "\(number)")
            #expect(row(number).hasSuffix(",lnx-web-02,P0044120 - PowerEdge R650,,,true"), "\(number)")
        }
        #expect(row("CS0001026").contains(",1,WO0010007 Draft (opened 2026-06-18 01:52:52),0,"))
        // INC0010019's work order is on no case's chain; a closed case without work is not open.
        #expect(!result.stdout.contains("WO0010006"))
        #expect(row("CS0001009").hasSuffix(",0,,0,,,,,,false"))
        #expect(lines.filter { $0.hasSuffix(",true") }.count == 21)
    }

    @Test func knowledgeUseFlagsTheRetiredAndTheExpiredArticleStillCited() throws {
        let (result, _) = try extractFromFixtures(["knowledge_use", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            knowledge_base,workflow_state,articles,articles_cited,citations,citations_by_incidents,citations_by_cases,retired_or_expired_cited,retired_or_expired_numbers,as_of
            Customer Service,published,4,3,6,2,4,0,,2026-10-20 05:30:03
            Customer Service,retired,1,1,3,1,2,1,KB0010009,2026-10-20 05:30:03
            IT,draft,1,0,0,0,0,0,,2026-10-20 05:30:03
            IT,published,5,5,10,7,2,1,KB0010004,2026-10-20 05:30:03
            IT,review,1,0,0,0,0,0,,2026-10-20 05:30:03

            """)
    }

    @Test func theMajorCaseHasItsThreeChildren() throws {
        let (result, _) = try extractFromFixtures(["case_links", "--format", "csv"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("CS0001015,10,true,accepted,3,") })
        for child in ["CS0001016", "CS0001017", "CS0001018"] {
            #expect(lines.contains { $0.hasPrefix(child) && $0.contains(",CS0001015,") }, "\(child)")
        }
        #expect(lines.contains { $0.hasPrefix("CS0001014,") && $0.hasSuffix(",2,REQ0010003 REQ0010004") })
    }

    @Test func staleDaysChangesTheStaleCount() throws {
        let (defaults, _) = try extractFromFixtures(["cmdb_health", "--format", "csv"])
        let (wide, _) = try extractFromFixtures(["cmdb_health", "--format", "csv", "--stale-days", "365"])
        #expect(defaults.stdout.contains(",60,2026-09-13 01:29:03,\n"))
        let all = wide.stdout.split(separator: "\n")[1]
        #expect(all.hasPrefix("(all),78,"))
        #expect(all.hasSuffix(",0,0.0,365,2026-09-13 01:29:03,0"))  // then identity_collisions, on the (all) row only
    }

    @Test func sha256sumAcceptsTheChecksums() throws {
        let (result, folder) = try extractFromFixtures(Self.extracts + ["--format", "csv", "--out", "out"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.appendingPathComponent("out")
        let tool = ["/usr/bin/sha256sum", "/bin/sha256sum"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tool else {
            print("sha256sum is not installed: skipping the sha256sum -c check")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-c", "--strict", "SHA256SUMS"]
        process.currentDirectoryURL = out
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.split(separator: "\n").count == Self.extracts.count + 1)
        #expect(output.contains("manifest.json: OK"))
    }

    @Test func theManifestDescribesEveryFile() throws {
        let (result, folder) = try extractFromFixtures(["case_links", "incident", "--format", "csv", "--out", "out"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.appendingPathComponent("out")
        let manifest = try #require(try JSONSerialization.jsonObject(with: contents(out, "manifest.json")) as? [String: Any])
        #expect((manifest["generated_at"] as? String)?.hasSuffix("Z") == true)
        #expect(manifest["schema_version"] as? Int == 9)
        #expect(manifest["tally_version"] is String)
        let watermark = try #require(manifest["store_watermark"] as? [String: Any])
        #expect(watermark["run"] as? Int == ExtractFixtureStore.imports.count)
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == ["case_links.csv", "incident.csv"])
        for file in files {
            let name = file["file"] as! String
            let data = contents(out, name)
            #expect(file["bytes"] as? Int == data.count)
            #expect(file["rows"] as? Int == String(decoding: data, as: UTF8.self).filter { $0 == "\n" }.count - 1 || name == "incident.csv")
            #expect(text(out, "SHA256SUMS").contains("\(file["sha256"] as! String)  \(name)\n"))
        }
        #expect(files.first?["rows"] as? Int == 40)
        // No temp files are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func twoExtractsOfOneStoreAreByteIdentical() throws {
        let names = Self.extracts
        for format in ["csv", "ndjson", "json"] {
            let (first, a) = try extractFromFixtures(names + ["--format", format, "--out", "out", "--mask", "caller_id"])
            let (second, b) = try extractFromFixtures(names + ["--format", format, "--out", "out", "--mask", "caller_id"])
            #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
            for name in names {
                let file = "out/\(name).\(format)"
                #expect(contents(a, file) == contents(b, file), "\(file) differs between two extracts")
                #expect(!contents(a, file).isEmpty || format == "ndjson", "\(file) is empty")
            }
            #expect(contents(a, "out/SHA256SUMS").count > 0)
            let strip = { (folder: URL) in
                text(folder, "out/manifest.json").split(separator: "\n").filter { !$0.contains("\"generated_at\"") }
            }
            #expect(strip(a) == strip(b), "manifests differ beyond generated_at")
        }
    }

    /// The text list and the JSON list name the same extracts.
    @Test func listNamesEveryReportAndFeed() throws {
        let result = try TallyProcess.run(["extract", "--list"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == Self.extracts.count)
        for name in Self.extracts {
            #expect(result.stdout.contains("\n  \(name) ") || result.stdout.hasPrefix("  \(name) "), "--list lacks \(name)")
        }
    }

    @Test(arguments: [
        (["nonsense", "--out", "x"], "unknown extract 'nonsense'"),
        (["incident", "--full"], "--full restarts a delta feed"),
        (["incident", "problem", "--feed", "f", "--out", "x"], "--feed picks up one entity feed"),
        (["case_links", "--feed", "f"], "--feed picks up one entity feed"),
        (["incident", "--mask", "nope"], "--mask names 'nope'"),
        (["incident", "problem"], "several extracts need a folder"),
        (["--list", "incident"], "--list takes no names"),
        ([], "missing name"),
    ])
    func usageErrorsExit64(_ arguments: [String], _ message: String) throws {
        let result = try TallyProcess.run(["extract"] + arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}

@Suite("tally extract: bookkeeping reports")
struct ExtractBookkeepingTests {
    /// A store where references are still pending (ITSM before the CMDB and changes) and a
    /// related incident changed after its case arrived, so both reports have rows.
    @Test func danglingReferencesAndTheCaseJournalMatchTheirGoldenFiles() throws {
        let folder = try Paths.makeTempDirectory()
        for (file, entity) in [("itsm/incident_labels.csv", "incident"), ("csm/sn_customerservice_case.xml", "case"),
                               ("itsm/problem.json", "problem"), ("itsm/incident.csv", "incident")] {
            let result = try TallyProcess.run(["import", Paths.fixture(file), "--entity", entity], in: folder)
            #expect(result.status == 0 || result.status == 65, "\(file): \(result.stderr)")
        }
        let update = "sys_id,number,state,sys_updated_on\n8ad3e3f073e182ea1915e50e4c530348,INC0010003,7,2026-11-01 10:00:00\n"
        try update.write(to: folder.appendingPathComponent("close-INC0010003.csv"), atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["import", "close-INC0010003.csv", "--entity", "incident"], in: folder).status == 0)

        let result = try TallyProcess.run(["extract", "dangling_references", "case_journal", "--format", "csv", "--out", "out"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.appendingPathComponent("out")
        try Golden.check(contents(out, "dangling_references.csv"), "pending-dangling_references.csv")
        try Golden.check(contents(out, "case_journal.csv"), "pending-case_journal.csv")
        #expect(text(out, "case_journal.csv").contains(",CS0001004,incident,INC0010003,incident,state,6,7,"))
        #expect(text(out, "dangling_references.csv").contains("\ncase,CS0001012,change_request,change,"))
    }
}
