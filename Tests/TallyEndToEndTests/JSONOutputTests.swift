import Foundation
import Testing
import TestSupport

/// One `--json` convention for every command: every stdout line is one JSON object (lists are
/// NDJSON), an import's summary is the last line, and every id is a JSON number.
@Suite("--json on every command", .serialized)
struct JSONOutputTests {
    /// The commands `tally --help` lists: a new command joins this test by existing.
    static func listedCommands() throws -> [String] {
        let help = try TallyProcess.run(["--help"]).stdout
        guard let start = help.range(of: "COMMANDS:\n") else { return [] }
        return help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { !$0.isEmpty }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Arguments that give each command something to print, against the store `setUp` builds.
    static let cases: [String: [String]] = [
        "init": ["init", "--db", "tally.db"],
        "parse": ["parse", "b.csv"],
        "import": ["import", "c.csv", "-e", "incident", "--dry-run", "--db", "tally.db"],
        "run": ["run", "job.json", "--dry-run"],
        "rejects": ["rejects", "--db", "tally.db"],
        "conflicts": ["conflicts", "--db", "tally.db"],
        "history": ["history", "incident", "INC0000001", "--db", "tally.db"],
        "explain": ["explain", "incident", "INC0000002", "--db", "tally.db"],
        "settings": ["settings", "--db", "tally.db"],
        "extract": ["extract", "incident", "--out", "out", "--db", "tally.db"],
        "runs": ["runs", "--db", "tally.db"],
        "show": ["show", "2", "--db", "tally.db"],
        "rerun": ["rerun", "1", "--dry-run", "--db", "tally.db"],
        "rollback": ["rollback", "2", "--dry-run", "--db", "tally.db"],
        "dedupe": ["dedupe", "--file", "d.csv", "--dry-run", "--db", "tally.db"],
        "prune": ["prune", "--keep-runs", "100", "--dry-run", "--db", "tally.db"],
        "report": ["report", "--html", "page.html", "--db", "tally.db"],
        "check": ["check", "--db", "tally.db"],
    ]

    /// A store with two runs, a reject and a same-version conflict, and a setting.
    func setUp() throws -> URL {
        let folder = try Paths.makeTempDirectory("tally-json")
        let header = "number,state,short_description,sys_updated_on\n"
        try (header + "INC0000001,1,first,2026-01-01 00:00:00\nINC0000002,2,second,2026-01-01 00:00:00\n")
            .write(to: folder.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        // INC0000002 again at the same version with other values (a conflict); a row with a bad date (a reject).
        try (header + "INC0000001,2,first,2026-01-02 00:00:00\nINC0000002,3,other,2026-01-01 00:00:00\nINC0000003,1,bad,not a date\n")
            .write(to: folder.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        try (header + "INC0000004,1,new,2026-01-03 00:00:00\nINC0000005,1,bad,yesterday\n")
            .write(to: folder.appendingPathComponent("c.csv"), atomically: true, encoding: .utf8)
        // A decision naming CIs the store does not hold: a rejected line, then the outcome.
        try "sys_id_a,sys_id_b,decision\nx,y,distinct\n".write(to: folder.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        try #"{"name": "json", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "c.csv"}]}"#
            .write(to: folder.appendingPathComponent("job.json"), atomically: true, encoding: .utf8)
        #expect(try TallyProcess.run(["import", "a.csv", "-e", "incident", "--db", "tally.db"], in: folder).status == 0)
        #expect(try TallyProcess.run(["import", "b.csv", "-e", "incident", "--db", "tally.db"], in: folder).status == 65)
        #expect(try TallyProcess.run(["settings", "set", "sync_enabled", "true", "--db", "tally.db"], in: folder).status == 0)
        return folder
    }

    /// Every key that names a run or a record id holds a number (or null), at any depth.
    func idsAreNumbers(_ value: Any, path: String = "") -> [String] {
        var wrong: [String] = []
        if let object = value as? [String: Any] {
            for (key, item) in object {
                let isID = key == "id" || key == "run" || (key.hasSuffix("_run") && key != "dry_run") || key == "rolled_back"
                    || key == "record" || key == "line"
                // A run object (`show`'s "run") is checked inside; a string id ("8") is the fault.
                if isID && !(item is NSNull) && !(item is [String: Any]) && item as? NSNumber == nil {
                    wrong.append("\(path).\(key) = \(item)")
                }
                wrong += idsAreNumbers(item, path: path + "." + key)
            }
        } else if let array = value as? [Any] {
            for item in array { wrong += idsAreNumbers(item, path: path + "[]") }
        }
        return wrong
    }

    @Test func everyCommandPrintsJSONLines() throws {
        let commands = try Self.listedCommands()
        #expect(commands.count >= 16, "\(commands)")
        let folder = try setUp()
        for command in commands {
            guard let arguments = Self.cases[command] else {
                Issue.record("no --json case for tally \(command): add one to JSONOutputTests.cases")
                continue
            }
            let help = try TallyProcess.run(["help", command]).stdout
            #expect(help.contains("--json"), "tally \(command) --help does not mention --json")
            let result = try TallyProcess.run(arguments + ["--json"], in: folder)
            #expect([0, 65].contains(result.status), "\(command): \(result.status) \(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(!lines.isEmpty, "\(command) --json printed nothing: \(result.stderr)")
            for line in lines {
                let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8))
                #expect(parsed is [String: Any], "\(command): not one JSON object per line: \(line.prefix(200))")
                if let parsed { #expect(idsAreNumbers(parsed).isEmpty, "\(command): ids that are not numbers: \(idsAreNumbers(parsed))") }
            }
        }
    }

    @Test func importsEndWithTheirSummaryWithOrWithoutChanges() throws {
        let folder = try setUp()
        for arguments in [["import", "c.csv", "-e", "incident", "--dry-run"], ["import", "a.csv", "-e", "incident"],
                          ["rerun", "2", "--dry-run"]] {
            let result = try TallyProcess.run(arguments + ["--json", "--db", "tally.db"], in: folder)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let last = try jsonObject(lines.last ?? "")
            #expect(last["status"] != nil && last["counts"] != nil, "\(arguments): the last line is not the summary: \(lines.last ?? "")")
            #expect(lines.dropLast().allSatisfy { (try? jsonObject($0))?["counts"] == nil }, "\(arguments): a summary before the last line")
        }
    }

    @Test func anImportThatCannotStartStillEndsWithItsOutcome() throws {
        let folder = try setUp()
        try "not a store".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        for arguments in [["import", "c.csv", "-e", "incident", "--db", "notes.txt"], ["rerun", "1", "--db", "missing.db"]] {
            let result = try TallyProcess.run(arguments + ["--json"], in: folder)
            #expect([64, 66].contains(result.status), "\(arguments): \(result.status)")
            let last = try jsonObject(result.stdout)
            #expect(last["status"] as? String == "failed", "\(arguments): \(result.stdout)")
            #expect((last["message"] as? String)?.isEmpty == false)
        }
    }

    @Test func conflictsGiveTheRunAsANumber() throws {
        let folder = try setUp()
        let result = try TallyProcess.run(["conflicts", "--json", "--db", "tally.db"], in: folder)
        let conflict = try jsonObject(result.stdout)
        #expect(conflict["run"] as? Int == 2, "\(result.stdout)")
        let refused = try TallyProcess.run(["conflicts", "--json", "--format", "csv", "--db", "tally.db"], in: folder)
        #expect(refused.status == 64 && refused.stderr.contains("--json prints NDJSON"), "\(refused.stderr)")
    }

    @Test func aRefusedRollbackEndsWithItsSummary() throws {
        let folder = try setUp()
        // Run 2 changed INC0000001 after run 1: rolling back run 1 is refused.
        let result = try TallyProcess.run(["rollback", "1", "--json", "--db", "tally.db"], in: folder)
        #expect(result.status == 1, "\(result.stderr)")
        let last = try jsonObject(result.stdout)
        #expect(last["status"] as? String == "refused" && last["rolled_back"] as? Int == 1, "\(result.stdout)")
    }
}
