import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

/// Kinds and statuses are enums in Kit; the text they are stored and printed as does not change.
@Suite("Statuses and kinds as enums")
struct StatusAndKindTests {
    @Test("a run's kind is stored as the text it always was, and read back as the enum")
    func runKindRoundTrip() throws {
        #expect(RunKind.allCases.map(\.rawValue) == ["import", "rerun", "rollback", "dedupe"])
        let store = try StoreHarness()
        let ledger = RunLedger(store.database)
        for kind in RunKind.allCases {
            let run = try ledger.begin(kind: kind, entity: "incident", source: "test", command: "test")
            #expect(try store.connection.scalar("SELECT kind FROM runs WHERE id = ?", [.integer(run)]).text == kind.rawValue)
            #expect(try ledger.run(run)?.kind == kind)
        }
        #expect(RunKind.reading == [.import, .rerun])
        #expect("\(RunKind.import) run" == "import run")
    }

    @Test("a rollback run cannot be rerun: the kind decides")
    func rollbackIsNotRerun() throws {
        let store = try StoreHarness()
        let run = try RunLedger(store.database).begin(kind: .rollback, entity: "incident", source: "test", command: "test",
                                                      settings: RunSettings(entity: "incident"))
        let error = #expect(throws: ImportFailure.self) { try Rerun(database: store.database).request(for: run, command: "tally rerun") }
        #expect(error?.message == "run \(run) is a rollback run; only imports and reruns can be rerun")
    }

    @Test("an audit row's kind comes from its field's markers, in one place")
    func auditRowKind() {
        #expect(RecordChange.Kind(auditField: "*") == .inserted)
        #expect(RecordChange.Kind(auditField: "-") == .removed)
        #expect(RecordChange.Kind(auditField: "state") == .updated)
        #expect(RecordHistory.Change(run: 1, source: nil, field: "-", old: "{}", new: nil).kind == .removed)
    }

    @Test("a job input's status is its run's status, or why it has none", arguments: [
        (RunStatus.committed, "committed"), (.skipped, "skipped"), (.dryRun, "dry_run"), (.failed, "failed"),
    ])
    func jobInputStatus(run: RunStatus, text: String) {
        #expect(JobInputStatus(run).rawValue == text)
        #expect(JobInputStatus.notRun.rawValue == "not_run" && JobInputStatus.missing.rawValue == "missing")
    }

    @Test("the store check's entries come in the order of the Check enum, under the names the output shows")
    func checkNames() throws {
        let store = try StoreHarness()
        let report = try StoreCheck(database: store.database).run()
        #expect(report.entries.map(\.check) == StoreCheckReport.Check.allCases)
        #expect(StoreCheckReport.Check.allCases.map(\.rawValue)
            == ["integrity", "foreign_keys", "runs", "conservation", "audit", "references", "kept_inputs"])
        #expect(report.lines.first?.hasPrefix("ok   integrity: ") == true)
    }
}
