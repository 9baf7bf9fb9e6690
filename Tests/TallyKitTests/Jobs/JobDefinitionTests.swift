import Foundation
import Testing
import TestSupport
@testable import TallyKit

@Suite("Job files")
struct JobDefinitionTests {
    func decode(_ text: String) throws -> JobDefinition {
        JobSeeds.keep(text)
        return try JSONDecoder().decode(JobDefinition.self, from: Data(text.utf8))
    }

    @Test func inputsRunInEntityOrderStablyUnlessListed() throws {
        let inputs = """
            [{"entity": "case", "glob": "a"}, {"entity": "incident", "glob": "b"}, {"entity": "cmdb_ci", "glob": "c"},
             {"entity": "incident", "glob": "d"}, {"entity": "cmdb_rel_ci", "glob": "e"}, {"entity": "problem", "glob": "f"}]
            """
        let job = try decode(#"{"name": "j", "inputs": \#(inputs)}"#)
        #expect(job.orderedInputs().map(\.glob) == ["c", "e", "f", "b", "d", "a"])
        let listed = try decode(#"{"name": "j", "order": "listed", "inputs": \#(inputs)}"#)
        #expect(listed.orderedInputs().map(\.glob) == ["a", "b", "c", "d", "e", "f"])
        let custom = try decode(#"{"name": "j", "order": ["case", "incident"], "inputs": \#(inputs)}"#)
        #expect(custom.orderedInputs().map(\.glob) == ["a", "b", "d", "c", "e", "f"])
    }

    @Test(arguments: [
        (#"{"name": "j", "inputz": []}"#, "'inputz' is not a key of a job; did you mean 'inputs'?"),
        (#"{"name": "j", "inputs": [{"entity": "ci", "glob": "x", "expect_rows": 5}]}"#, "set \"mode\": \"snapshot\""),
        (#"{"name": "j", "inputs": [{"entity": "ci", "glob": "x", "mode": "snapshot", "max_retire": 2}]}"#, "a fraction from 0 to 1"),
        (#"{"name": "j", "order": "alphabetical"}"#, "'order' is \"listed\" or a list"),
        (#"{"name": "j", "extracts": {"out": "o", "feeds": [{"name": "f", "entity": "incident", "cursor": 1}]}}"#, "'cursor' is not a key of a feed"),
    ])
    func badShapesAreErrors(text: String, message: String) throws {
        #expect {
            try decode(text)
        } throws: { error in
            Importer.describe(error).contains(message)
        }
    }

    @Test(arguments: [
        (#"{"name": "j", "inputs": [{"entity": "widget", "glob": "x"}]}"#, "inputs[0]: unknown entity 'widget'"),
        (#"{"name": "j", "settings": {"colour": "blue"}}"#, "settings: unknown setting 'colour'"),
        // Issue 22: a typo in case_fields_to_sync would silently turn syncing off.
        (#"{"name": "j", "settings": {"case_fields_to_sync": ["incident", "probelm"]}}"#,
         "settings.case_fields_to_sync: unknown field 'probelm'; valid: incident, problem, change_request, caused_by, requests"),
        // `tally report --days` refuses these; the job's page must not silently cover 366 days instead.
        (#"{"name": "j", "report": "r.html", "report_days": 0}"#, "report_days must be from 1 to 366; got 0"),
        (#"{"name": "j", "report": "r.html", "report_days": 1000}"#, "report_days must be from 1 to 366; got 1000"),
        (#"{"name": "j", "extracts": {"out": "o", "names": ["nope"]}}"#, "extracts: unknown extract 'nope'"),
        (#"{"name": "j", "extracts": {"out": "o", "feeds": [{"name": "f", "entity": "case_links"}]}}"#, "extracts: --feed picks up one entity feed"),
    ])
    func jobsThatWouldFailHalfWayAreRefusedUpFront(text: String, message: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("job-\(UUID().uuidString).json")
        JobSeeds.keep(text)
        try Data(text.utf8).write(to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try JobDefinition.load(path: folder.path)
        } throws: { error in
            (error as? JobFileError)?.kind == .invalid && "\(error)".contains(message)
        }
    }

    @Test func reportDaysIsOptional() throws {
        #expect(try decode(#"{"name": "j", "report": "r.html", "report_days": 7}"#).reportDays == 7)
        #expect(try decode(#"{"name": "j", "report": "r.html"}"#).reportDays == nil)
    }

    @Test func settingsAreStoredAsText() throws {
        let job = try decode(#"{"name": "j", "settings": {"sync_enabled": true, "case_fields_to_sync": ["incident", "problem"]}}"#)
        #expect(job.settings["sync_enabled"]?.stored == "true")
        #expect(job.settings["case_fields_to_sync"]?.stored == "incident,problem")
    }

    @Test func theBundledJobsAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for name in ["demo", "nightly", "cmdb-weekly"] {
            let job = try JobDefinition.load(path: root.appendingPathComponent("jobs/\(name).json").path)
            #expect(job.name == name)
        }
    }
}
