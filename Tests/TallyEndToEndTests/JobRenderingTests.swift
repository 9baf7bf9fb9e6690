import Foundation
import Testing
import TestSupport
@testable import tally
import TallyKit

/// The CLI renders a job's events (Kit only reports them): plain lines without a terminal, the
/// outcome numbered with its exit code, colour only where asked for.
@Suite("tally run's rendering")
struct JobRenderingTests {
    @Test func withoutATerminalStderrHasNoColourAndTheOutcomeIsNumberedInLinesAndLog() throws {
        let folder = try JobFolder()
        try folder.copy(fixture: "rejects/bad-sys-id.csv", to: "incidents.csv")
        try folder.write(#"{"name": "nightly", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "incidents.csv"}]}"#)
        let result = try TallyProcess.run(["run", "job.json", "--log", "job.log"], in: folder.url, environment: ["TERM": "xterm-256color"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(!result.stderr.contains("\u{1B}"))
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains(try Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  info    nightly job: started job 'nightly'"#)) == true, "\(lines)")
        let last = try #require(lines.last)
        #expect(last.contains("  warning nightly job: finished: 1 run(s) committed (1 with rejects or conflicts)"), "\(last)")
        #expect(last.hasSuffix(" — exit 65 (issues)"))

        let log = try String(contentsOf: folder.url.appendingPathComponent("job.log"), encoding: .utf8).split(separator: "\n")
        let lastLogged = try #require(log.last)
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(lastLogged.utf8)) as? [String: Any])
        #expect((outcome["message"] as? String)?.hasSuffix(" — exit 65 (issues)") == true)
        let numbered = try #require(outcome["outcome"] as? [String: Any])
        #expect(numbered["exit_code"] as? Int == 65 && numbered["status"] as? String == "issues")

        // --quiet: the outcome alone on stderr (the input is skipped, an info); the log keeps every event.
        let quiet = try TallyProcess.run(["run", "job.json", "--log", "job.log", "--quiet"], in: folder.url)
        #expect(quiet.status == 0)
        #expect(quiet.stderr.split(separator: "\n").count == 1 && quiet.stderr.hasSuffix(" — exit 0 (ok)\n"), "\(quiet.stderr)")
        let logged = try String(contentsOf: folder.url.appendingPathComponent("job.log"), encoding: .utf8).split(separator: "\n")
        #expect(logged.count >= log.count + 3)
    }

    @Test func colourIsOnlyTheLevelsTag() {
        var event = JobEvent(level: .error, job: "nightly", stage: "import", message: "failed", time: "2026-11-23T01:00:04Z")
        #expect(JobConsole.line(event, color: false) == "2026-11-23T01:00:04Z  error   nightly import: failed")
        #expect(JobConsole.line(event, color: true) == "2026-11-23T01:00:04Z  \u{1B}[31;1merror   \u{1B}[0mnightly import: failed")
        event.outcome = .inputMissing
        #expect(JobConsole.line(event, color: false).hasSuffix("nightly import: failed — exit 66 (failed)"))
    }

    @Test(arguments: JobExit.allCases)
    func everyWayAJobEndsHasItsExitCode(exit: JobExit) {
        let expected: [JobExit: ExitCode] = [.clean: .success, .dataIssues: .dataIssues, .inputMissing: .noInput,
                                             .failed: .failure, .locked: .locked, .usage: .usage]
        #expect(ExitCode(exit) == expected[exit])
    }
}
