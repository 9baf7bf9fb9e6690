import Foundation
import TallyStore
import Testing
import TestSupport

/// The bundled fixtures, in the order references resolve: CIs, relationships, ITSM, cases.
let fixtureImports: [(file: String, entity: String, rows: Int)] = [
    ("cmdb/cmdb_ci.csv", "ci", 64),
    ("cmdb/cmdb_ci_labels.csv", "ci", 15),
    ("cmdb/cmdb_rel_ci.json", "cmdb_rel_ci", 52),
    ("itsm/problem.json", "problem", 12),
    ("itsm/change_request.json", "change_request", 15),
    ("itsm/incident.csv", "incident", 80),
    ("itsm/incident_labels.csv", "incident", 20),
    ("itsm/sc_request.ndjson", "sc_request", 20),
    ("csm/sn_customerservice_case.xml", "sn_customerservice_case", 40),
]

/// Runs `tally import FILE --entity E --json` in `folder`.
func importFixture(_ file: String, _ entity: String, in folder: URL, _ extra: [String] = []) throws -> (ProcessOutput, [String: Any]) {
    let result = try TallyProcess.run(["import", Paths.fixture(file), "--entity", entity, "--json"] + extra, in: folder)
    let object = (try? jsonObject(result.stdout)) ?? [:]
    return (result, object)
}

@Suite("tally import")
struct ImportTests {
    @Test func everyFixtureImportsCleanAndConserves() throws {
        let folder = try Paths.makeTempDirectory()
        for (file, entity, rows) in fixtureImports {
            let (result, object) = try importFixture(file, entity, in: folder)
            #expect(result.status == 0, "\(file): \(result.stderr)")
            #expect(object["status"] as? String == "committed", "\(file)")
            let c = counts(object)
            #expect(c["read"] == rows, "\(file)")
            #expect(c["inserted"] == rows, "\(file): \(c)")
            #expect(c["rejected"] == 0, "\(file): \(result.stdout)")
        }
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_ci") == 79)
        #expect(try store.count("entity_incident") == 100)
        #expect(try store.count("entity_case") == 40)
        // The three CIs sharing one name stay three records.
        #expect(try store.count("entity_ci", "name = 'srv-legacy-07'") == 3)
        // Values survive exactly: quotes, newlines, unicode.
        let text = try store.text("SELECT short_description FROM entity_incident WHERE number = 'INC0010023'")
        #expect(text?.contains("\n") == true)
        // Every run conserves its rows.
        #expect(try store.count("runs", "read != inserted + updated + unchanged + skipped_stale + rejected") == 0)
        #expect(try store.count("run_inputs", "read != inserted + updated + unchanged + skipped_stale + rejected") == 0)
        // An insert is one audit row.
        #expect(try store.count("audit", "field = '*'") == 79 + 100 + 52 + 12 + 15 + 20 + 40)
    }

    @Test func aPartialUpdateTouchesOnlyItsColumnsAndSkipsTheStaleRow() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try importFixture("csm/sn_customerservice_case.xml", "case", in: folder)
        let store = try StoreProbe(folder)
        let before = try store.text("SELECT account || '|' || coalesce(resolution_code, '') FROM entity_case WHERE number = 'CS0001024'")
        let (result, object) = try importFixture("csm/case_updates.csv", "case", in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let c = counts(object)
        #expect(c["read"] == 8)
        #expect(c["updated"] == 7)
        #expect(c["skipped_stale"] == 1)
        #expect(try store.text("SELECT state FROM entity_case WHERE number = 'CS0001024'") == "10")
        #expect(try store.text("SELECT account || '|' || coalesce(resolution_code, '') FROM entity_case WHERE number = 'CS0001024'") == before)
        #expect(try store.text("SELECT state FROM entity_case WHERE number = 'CS0001028'") == "10")  // stale row not applied
        #expect(try store.count("audit", "field = 'state' AND key = 'CS0001024' AND old = '1' AND new = '10'") == 1)
    }

    @Test func reimportingTheSameFileIsANoOpUnlessForced() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try importFixture("itsm/incident.csv", "incident", in: folder)
        let store = try StoreProbe(folder)
        let state = try store.entityState()
        let (again, object) = try importFixture("itsm/incident.csv", "incident", in: folder)
        #expect(again.status == 0)
        #expect(object["status"] as? String == "skipped")
        #expect((object["message"] as? String)?.contains("already imported by run 1") == true)
        #expect(try store.entityState() == state)

        let (forced, forcedObject) = try importFixture("itsm/incident.csv", "incident", in: folder, ["--force"])
        #expect(forced.status == 0)
        #expect(counts(forcedObject)["unchanged"] == 80)
        #expect(counts(forcedObject)["updated"] == 0)
        // Another process, the same input hashes: every row is recognised before mapping.
        let inputs = forcedObject["inputs"] as? [[String: Any]]
        #expect(inputs?.first?["unchanged_before_mapping"] as? Int == 80)
        #expect(try store.entityState() == state)
    }

    @Test func aDryRunLeavesNoTrace() throws {
        let folder = try Paths.makeTempDirectory()
        _ = try importFixture("itsm/incident.csv", "incident", in: folder)
        let store = try StoreProbe(folder)
        let state = try store.entityState()
        let runs = try store.count("runs")
        let (result, object) = try importFixture("csm/sn_customerservice_case.xml", "case", in: folder, ["--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(object["status"] as? String == "dry_run")
        #expect(object["run"] is NSNull)
        #expect(counts(object)["inserted"] == 40)
        #expect(try store.entityState() == state)
        #expect(try store.count("runs") == runs)
        #expect(try store.count("audit") == 80)
    }

    @Test func humanSummaryNamesCountsAndTheRejectsCommand() throws {
        let folder = try Paths.makeTempDirectory()
        let result = try TallyProcess.run(["import", Paths.fixture("rejects/bad-integer.csv"), "--entity", "incident"], in: folder)
        #expect(result.status == 65)
        #expect(result.stdout.contains("Run 1 committed: incident from source 'default'."))
        #expect(result.stdout.contains("rejected 1"))
        #expect(result.stdout.contains("tally rejects --run 1"))
    }

    @Test func readsStandardInput() throws {
        let folder = try Paths.makeTempDirectory()
        let data = try Data(contentsOf: URL(fileURLWithPath: Paths.fixture("itsm/sc_request.ndjson")))
        let result = try TallyProcess.run(["import", "-", "--entity", "request", "--json"], in: folder, stdin: data)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try jsonObject(result.stdout)
        #expect(counts(object)["inserted"] == 20)
        let inputs = object["inputs"] as? [[String: Any]]
        #expect(inputs?.first?["path"] as? String == "-")
        #expect((inputs?.first?["sha256"] as? String)?.count == 64)
    }
}

@Suite("tally import exit codes")
struct ImportExitCodeTests {
    @Test func missingInputExits66AndWritesNothing() throws {
        let folder = try Paths.makeTempDirectory()
        let result = try TallyProcess.run(["import", "nope.csv", "--entity", "incident"], in: folder)
        #expect(result.status == 66)
        #expect(result.stderr.contains("error: nope.csv: no such file"))
    }

    @Test func unknownEntityIsAUsageError() throws {
        let result = try TallyProcess.run(["import", "x.csv", "--entity", "widget"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown entity 'widget'"))
    }

    @Test func missingEntityIsAUsageError() throws {
        let result = try TallyProcess.run(["import", "x.csv"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("missing --entity"))
    }

    @Test func unreadableInputFailsTheRunAndCommitsNothing() throws {
        let folder = try Paths.makeTempDirectory()
        let broken = folder.appendingPathComponent("broken.json")
        try Data(#"{"result":[{"number":"INC0010001","sys_updated_on":"2026-01-01 00:00:00"},{"number":"#.utf8).write(to: broken)
        let result = try TallyProcess.run(["import", broken.path, "--entity", "incident", "--json"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("nothing was committed"))
        let store = try StoreProbe(folder)
        #expect(try store.count("entity_incident") == 0)
        #expect(try store.text("SELECT status FROM runs WHERE id = 1") == "failed")
        #expect(try store.count("audit") == 0)
    }
}

@Suite("validation rejects")
struct RejectFixtureTests {
    /// The platform does not enforce temporal order: by default the row lands with a warning; a map
    /// whose `severity` makes temporal_order an error rejects it.
    @Test func temporalOrderIsAWarningUnlessTheMapMakesItAnError() throws {
        let folder = try Paths.makeTempDirectory()
        let (landed, object) = try importFixture("rejects/closed-before-opened.csv", "incident", in: folder)
        #expect(landed.status == 0, "\(landed.stderr)")
        #expect(counts(object)["rejected"] == 0)
        #expect(counts(object)["inserted"] == 4)
        #expect(counts(object)["warnings"] == 1)
        let store = try StoreProbe(folder)
        #expect(try store.rows("SELECT rule, severity, rejected, field, line FROM findings WHERE run = 1")
                == [["temporal_order", "warning", "0", "closed_at", "4"]])

        let strict = try Paths.makeTempDirectory()
        try #"{"entity": "incident", "severity": {"temporal_order": "error"}}"#
            .write(to: strict.appendingPathComponent("strict.json"), atomically: true, encoding: .utf8)
        let rejected = try TallyProcess.run(["import", Paths.fixture("rejects/closed-before-opened.csv"), "--entity", "incident",
                                             "--map", "strict.json", "--json"], in: strict)
        #expect(rejected.status == 65, "\(rejected.stderr)")
        let strictCounts = counts(try jsonObject(rejected.stdout))
        #expect(strictCounts["rejected"] == 1)
        #expect(strictCounts["inserted"] == 3)
        #expect(try StoreProbe(strict).rows("SELECT rule, severity, rejected, line FROM findings") == [["temporal_order", "error", "1", "4"]])
    }

    /// A rule checked as a record is written (a case's resolution code) made an error by the map:
    /// the write is undone and the row rejected, and the store still holds.
    @Test func resolutionRequirementsMadeErrorsRejectTheCasesAndLeaveNoTrace() throws {
        let folder = try Paths.makeTempDirectory()
        for (file, entity, _) in fixtureImports where entity != "sn_customerservice_case" {
            _ = try importFixture(file, entity, in: folder)
        }
        try #"{"entity": "case", "severity": {"resolution": "error"}}"#
            .write(to: folder.appendingPathComponent("strict-case.json"), atomically: true, encoding: .utf8)
        let (result, object) = try importFixture("csm/sn_customerservice_case.xml", "case", in: folder, ["--map", "strict-case.json"])
        #expect(result.status == 65, "\(result.stderr)")
        let c = counts(object)
        #expect(c["read"] == 40 && c["rejected"] == 5 && c["inserted"] == 35 && c["warnings"] == 0)
        let store = try StoreProbe(folder)
        let run = try #require(try store.text("SELECT max(id) FROM runs"))
        #expect(try store.count("findings", "run = ? AND rule LIKE 'resolution.%' AND severity = 'error' AND rejected = 1", [.integer(Int64(run)!)]) == 5)
        #expect(try store.count("entity_case", "number IN ('CS0001010', 'CS0001011', 'CS0001012', 'CS0001013', 'CS0001014')") == 0)
        #expect(try store.count("entity_case") == 35)
        let check = try TallyProcess.run(["check"], in: folder)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    static let cases: [(file: String, lines: [Int], rule: String, field: String?)] = [
        ("rejects/bad-sys-id.csv", [3, 5], "pattern.sys_id", "sys_id"),
        ("rejects/bad-number.csv", [4], "pattern.number", "number"),
        ("rejects/unknown-state.csv", [3], "choice", "state"),
        ("rejects/missing-number.csv", [3], "missing_key", nil),
        ("rejects/bad-datetime.csv", [3, 5], "type.datetime", "opened_at"),
        ("rejects/bad-integer.csv", [4], "type.integer", "reassignment_count"),
        ("rejects/bad-boolean.csv", [3], "type.boolean", "active"),
    ]

    @Test(arguments: cases)
    func rejectsTheBadRowsWithRuleAndLine(_ testCase: (file: String, lines: [Int], rule: String, field: String?)) throws {
        let folder = try Paths.makeTempDirectory()
        let (result, object) = try importFixture(testCase.file, "incident", in: folder)
        #expect(result.status == 65, "\(result.stderr)")
        let c = counts(object)
        #expect(c["rejected"] == testCase.lines.count)
        #expect(c["read"] == c["inserted"]! + testCase.lines.count)

        let rejects = try TallyProcess.run(["rejects", "--run", "1"], in: folder)
        #expect(rejects.status == 0)
        let objects = rejects.stdout.split(separator: "\n").compactMap { try? jsonObject(String($0)) }
        #expect(objects.map { $0["line"] as? Int } == testCase.lines.map(Optional.some))
        for object in objects {
            let reasons = object["reasons"] as? [[String: Any]] ?? []
            #expect(reasons.contains { $0["rule"] as? String == testCase.rule && ($0["field"] as? String) == testCase.field },
                    "\(testCase.file): \(reasons)")
            #expect((object["raw"] as? [String: Any])?["number"] != nil)
        }
    }
}
