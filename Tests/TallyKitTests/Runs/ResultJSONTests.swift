import Foundation
import Testing
@testable import TallyKit
import TallyStore
import TallyFormats

/// The exact text of every result Kit writes as JSON. These strings are what the hand-written
/// `json` properties produced before the results became `Encodable`: key order, spacing, `null`s,
/// escaping and number formats must not move (scripts and the manifest's readers depend on them).
@Suite("Results as JSON text")
struct ResultJSONTests {
    let counts: RunCounts = {
        var counts = RunCounts()
        (counts.read, counts.inserted, counts.rejected, counts.warnings) = (3, 2, 1, 4)
        return counts
    }()
    let countsText = #"{"read": 3, "inserted": 2, "updated": 0, "unchanged": 0, "skipped_stale": 0, "rejected": 1, "warnings": 4, "conflicts": 0, "retired": 0, "recovered": 0}"#

    var input: RunInput {
        var input = RunInput(position: 1, path: "in/a \"b\".csv", size: 10, sha256: "ab12", format: "csv", counts: counts)
        input.unknownColumns = ["u_x", "é"]
        input.unchangedBeforeMapping = 2
        input.storedPath = "/kept/1"
        return input
    }

    var run: RunRecord {
        RunRecord(id: 7, kind: .rerun, entity: "incident", source: nil, status: .rolledBack, command: "tally rerun 2",
                  startedAt: "2026-12-01T10:00:00Z", finishedAt: nil, parentRun: 2, counts: counts, message: "line\nbreak")
    }
    var runText: String {
        #"{"id": 7, "kind": "rerun", "entity": "incident", "source": null, "status": "rolled_back", "started_at": "2026-12-01T10:00:00Z", "finished_at": null, "parent_run": 2, "command": "tally rerun 2", "message": "line\nbreak", "counts": "#
            + countsText + "}"
    }

    @Test("a run")
    func runRecord() {
        #expect(run.json == runText)
    }

    @Test("an import's result, with and without its parent run and message")
    func importResult() {
        var result = ImportResult(run: nil, status: .dryRun, entity: "incident", source: "uci", inputs: [input], counts: counts)
        let head = #"{"run": null, "status": "dry_run", "entity": "incident", "source": "uci", "inputs": [{"path": "in/a \"b\".csv", "sha256": "ab12", "rows": 3, "format": "csv", "unknown_columns": ["u_x", "é"], "unchanged_before_mapping": 2}], "counts": "#
            + countsText
        #expect(result.json == head + "}")
        result.parentRun = 2
        result.message = "ok"
        #expect(result.json == head + #", "parent_run": 2, "message": "ok"}"#)
    }

    @Test("a run in full, for show")
    func runDetails() {
        let group = RunDetails.Group(name: "choice", count: 5, examples: ["a.csv:3 state: bad", "b"])
        let details = RunDetails(run: run, inputs: [input], rejectsByRule: [group], warningsByRule: [], conflictsByField: [group],
                                 timings: [("read, map", FixedDecimal(0.1204, decimals: 3)), ("keep inputs", FixedDecimal(2, decimals: 3))],
                                 derived: [run, run])
        let groupText = #"{"name": "choice", "count": 5, "examples": ["a.csv:3 state: bad", "b"]}"#
        #expect(details.json == #"{"run": "# + runText
            + #", "inputs": [{"position": 1, "path": "in/a \"b\".csv", "sha256": "ab12", "rows": 3, "kept": true}], "rejects_by_rule": ["#
            + groupText + #"], "warnings_by_rule": [], "conflicts_by_field": ["# + groupText
            + #"], "timings": {"read, map": 0.120, "keep inputs": 2.000}, "derived_runs": [7, 7]}"#)
    }

    @Test("a change a run made")
    func recordChange() {
        #expect(RecordChange(kind: .updated, entity: "incident", key: "INC1", field: "state", old: nil, new: "2").json
            == #"{"change": "updated", "entity": "incident", "key": "INC1", "field": "state", "old": null, "new": "2"}"#)
        #expect(RecordChange(kind: .removed, entity: "ci", key: nil).json
            == #"{"change": "removed", "entity": "ci", "key": null, "field": null, "old": null, "new": null}"#)
    }

    @Test("a history entry, with the values of an insert after the change's keys")
    func historyEntry() {
        let change = RecordHistory.Change(run: 1, source: nil, field: "*", old: nil, new: "#d081")
        #expect(RecordHistory.Entry(change: change, values: nil, undoneBy: 3).json
            == ##"{"run": 1, "source": null, "field": "*", "old": null, "new": "#d081"}"##)
        let values = [RecordHistory.FieldText(field: "sys_id", value: "7b"), RecordHistory.FieldText(field: "number", value: "INC1")]
        #expect(RecordHistory.Entry(change: change, values: values, undoneBy: nil).json
            == ##"{"run": 1, "source": null, "field": "*", "old": null, "new": "#d081", "values": {"sys_id": "7b", "number": "INC1"}}"##)
    }

    @Test("a stored reject: the raw row as an object of its columns, else its text, else null; and as a dry run lists it")
    func rejectedRecord() {
        let reason = RejectedRecord.Reason(field: nil, rule: "missing_key", message: "no \"key\"")
        var reject = RejectedRecord(run: 5, entity: "incident", file: "a.csv", line: 3, record: 2, followedUpIn: 7, reasons: [reason],
                                    columns: [("number", "INC1"), ("state", nil)], rawText: nil)
        reject.status = .recovered
        let head = #"{"run": 5, "entity": "incident", "file": "a.csv", "line": 3, "record": 2, "reasons": [{"field": null, "rule": "missing_key", "message": "no \"key\""}], "raw": "#
        #expect(reject.json == head + #"{"number": "INC1", "state": null}, "status": "recovered", "followed_up_in": 7}"#)
        reject.columns = []
        reject.rawText = "a,\"b"
        #expect(reject.json.contains(#""raw": "a,\"b", "status""#))
        reject.rawText = nil
        #expect(reject.json.contains(#""raw": null, "status""#))
        #expect(reject.asChange.json == #"{"change": "rejected", "file": "a.csv", "line": 3, "record": 2, "place": "a.csv:3", "reasons": [{"field": null, "rule": "missing_key", "message": "no \"key\""}]}"#)
    }

    @Test("a rollback's outcome, done or refused")
    func rollbackOutcome() {
        let result = Rollback.Result(run: nil, target: 2, status: .dryRun, counts: counts, changes: [], overridden: [], message: "would undo")
        #expect(RollbackOutcome(result).json == #"{"run": null, "status": "dry_run", "rolled_back": 2, "overridden": 0, "message": "would undo"}"#)
        let refusal = Rollback.Refusal(message: "changed since", blockerCount: 19)
        #expect(RollbackOutcome(refused: refusal, target: 2).json
            == #"{"run": null, "status": "refused", "rolled_back": 2, "overridden": 0, "blocked": 19, "message": "changed since"}"#)
    }

    @Test("a one-member object whose key is data")
    func oneMember() {
        #expect(JSON.object("blocked", "incident INC1 \"x\"") == #"{"blocked": "incident INC1 \"x\""}"#)
        #expect(JSON.object("blocked_not_listed", 20) == #"{"blocked_not_listed": 20}"#)
    }

    @Test("a store check's report")
    func storeCheck() {
        var report = StoreCheckReport(store: "t.db")
        report.entries = [
            .init(check: .runs, summary: "2 run(s)", problems: [.init(check: .runs, severity: .warning, message: "run 2 \"odd\"")]),
            .init(check: .audit, summary: "0 record(s)", problems: [.init(check: .audit, severity: .error, message: "bad")]),
        ]
        report.repairs = ["marked run 3 abandoned"]
        #expect(report.json == #"{"store": "t.db", "holds": false, "errors": 1, "warnings": 1, "checks": [{"check": "runs", "passed": true, "summary": "2 run(s)", "problems": [{"severity": "warning", "message": "run 2 \"odd\""}]}, {"check": "audit", "passed": false, "summary": "0 record(s)", "problems": [{"severity": "error", "message": "bad"}]}], "repairs": ["marked run 3 abandoned"]}"#)
    }

    @Test("the lock file's holder, and it reads back")
    func lockHolder() throws {
        let holder = LockHolder(pid: 4242, host: "db1", job: nil, command: "tally import \"x\"", since: "2026-11-23T01:00:00Z")
        #expect(holder.json == #"{"pid": 4242, "host": "db1", "job": null, "command": "tally import \"x\"", "since": "2026-11-23T01:00:00Z"}"#)
        #expect(try JSONDecoder().decode(LockHolder.self, from: Data(holder.json.utf8)) == holder)
    }

    @Test("stage timings as stored: in the order first run, to the millisecond, and they read back")
    func stageClock() throws {
        var clock = StageClock()
        clock.time("read") {}
        clock.time("keep \"inputs\"") {}
        clock.time("read") {}
        let text = clock.json
        #expect(text.wholeMatch(of: /\[\{"stage": "read", "seconds": \d+\.\d{3}\}, \{"stage": "keep \\"inputs\\"", "seconds": \d+\.\d{3}\}\]/) != nil, "\(text)")
        let entries = try JSONDecoder().decode([StageClock.Entry].self, from: Data(text.utf8))
        #expect(entries.map(\.stage) == ["read", "keep \"inputs\""])
    }

    @Test("the extract manifest: top-level keys and files one a line, a feed's cursors inline")
    func manifest() {
        let since = FeedCursor(feed: "nightly", entity: "incident", lastUpdated: "2026-12-01 10:00:00", lastSysID: "0d58", lastKey: 123, lastRun: 5)
        var cursor = since
        (cursor.lastUpdated, cursor.lastSysID, cursor.lastKey, cursor.rows) = (nil, nil, nil, 0)
        var manifest = ExtractManifest(
            generatedAt: "2026-12-06T14:00:00Z", tallyVersion: "0.1.0", schemaVersion: 5,
            watermark: .init(run: 5, finishedAt: "2026-12-06T13:00:00Z"), format: .csv, formulaGuard: true,
            maskedFields: ["caller_id", "contact"], staleDays: 60,
            files: [.init(report: "incident", file: "incident.csv", format: .csv, rows: 0, bytes: 630, sha256: "0b02"),
                    .init(report: "case_links", file: "case_links.csv", format: .csv, rows: 2, bytes: 10, sha256: "ff", inputsSHA256: "e3", reused: true)],
            feed: (since: since, cursor: cursor, full: false))
        #expect(manifest.json == """
            {
              "generated_at": "2026-12-06T14:00:00Z",
              "tally_version": "0.1.0",
              "schema_version": 5,
              "store_watermark": {"run": 5, "finished_at": "2026-12-06T13:00:00Z"},
              "format": "csv",
              "formula_guard": true,
              "masked_fields": ["caller_id", "contact"],
              "stale_days": 60,
              "feed": {"name": "nightly", "entity": "incident", "full": false, "since": {"run": 5, "sys_updated_on": "2026-12-01 10:00:00", "sys_id": "0d58", "key": 123}, "cursor": {"run": 5, "sys_updated_on": null, "sys_id": null, "key": null}, "rows": 0},
              "files": [
                {"report": "incident", "file": "incident.csv", "format": "csv", "rows": 0, "bytes": 630, "sha256": "0b02", "inputs_sha256": null, "reused": false},
                {"report": "case_links", "file": "case_links.csv", "format": "csv", "rows": 2, "bytes": 10, "sha256": "ff", "inputs_sha256": "e3", "reused": true}
              ]
            }
            """)
        manifest.feed = nil
        manifest.files = []
        manifest.format = .ndjson
        manifest.maskedFields = []
        manifest.watermark = .init(run: nil, finishedAt: nil)
        #expect(manifest.json == """
            {
              "generated_at": "2026-12-06T14:00:00Z",
              "tally_version": "0.1.0",
              "schema_version": 5,
              "store_watermark": {"run": null, "finished_at": null},
              "format": "ndjson",
              "formula_guard": null,
              "masked_fields": [],
              "stale_days": 60,
              "files": [
              ]
            }
            """)
    }
}
