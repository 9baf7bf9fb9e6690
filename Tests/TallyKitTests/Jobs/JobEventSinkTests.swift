import Foundation
import TestSupport
import Testing
@testable import TallyKit

/// A sink that keeps what a job reports: its events, and every progress update.
final class RecordingSink: JobEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var events: [JobEvent] = []
    private var updates: [ImportProgress] = []

    func record(_ event: JobEvent) { lock.withLock { events.append(event) } }
    var progress: (@Sendable (ImportProgress) -> Void)? { { [self] update in lock.withLock { updates.append(update) } } }
    var progressUpdates: [ImportProgress] { lock.withLock { updates } }
}

/// A job reports through its sink; nothing of it reaches a terminal from Kit.
@Suite("Job event sink")
struct JobEventSinkTests {
    @Test func aRecordingSinkSeesTheEventsOfAJobAndItsProgressAndTheOutcomeLast() throws {
        let folder = try Paths.makeTempDirectory("tally-sink")
        let bad = try String(contentsOfFile: Paths.fixture("rejects/bad-sys-id.csv"), encoding: .utf8)
        try Paths.write(bad, "incidents.csv", in: folder)
        let jobFile = try Paths.write(#"{"name": "nightly", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "incidents.csv"}]}"#,
                                      "job.json", in: folder)
        let sink = RecordingSink()
        let outcome = JobRunner(job: try JobDefinition.load(path: jobFile), options: JobRunOptions(jobPath: jobFile, command: "test"),
                                sink: sink).run()

        let events = sink.events
        #expect(outcome.exit == .dataIssues)
        #expect(events.first?.stage == "job")
        #expect(events.first?.message.hasPrefix("started job 'nightly'") == true)
        let imported = try #require(events.first { $0.stage == "import" })
        #expect(imported.level == .warning)
        #expect(imported.run == outcome.inputs.first?.run)
        #expect(imported.counts?.rejected == 2)
        #expect(imported.message.contains("see the rejected rows with 'tally rejects --run"))
        // The outcome comes last, once; Kit numbers no exit code, the renderer does.
        #expect(events.filter { $0.outcome != nil }.count == 1)
        let last = try #require(events.last)
        #expect(last.outcome == .dataIssues)
        #expect(!last.message.contains("exit"))
        #expect(last.text(exitCode: { _ in 65 }) == last.message + " — exit 65 (issues)")
        // Progress goes where the sink says; the input's is finished at the end.
        #expect(sink.progressUpdates.contains { $0.finished && $0.path.hasSuffix("incidents.csv") })
    }

    @Test func theWorstExitWinsInSeverityOrder() {
        #expect(JobExit.allCases.sorted() == [.clean, .dataIssues, .inputMissing, .failed, .locked, .usage])
        #expect([JobExit.dataIssues, .failed, .inputMissing].max() == .failed)
        #expect(JobExit.allCases.map(\.status.rawValue) == ["ok", "issues", "failed", "failed", "locked", "invalid"])
    }
}
