import Foundation
import Testing
import TestSupport

/// A store holding every bundled fixture (and some rejects), built once per test process by the
/// real `tally import`, and only read afterwards.
enum ExtractFixtureStore {
    static let folder: URL = {
        do { return try build() } catch { fatalError("cannot build the fixture store: \(error)") }
    }()

    static var database: String { folder.appendingPathComponent("tally.db").path }

    static let imports: [(file: String, entity: String)] = [
        ("cmdb/cmdb_ci.csv", "ci"), ("cmdb/cmdb_ci_labels.csv", "ci"), ("cmdb/cmdb_rel_ci.json", "ci_relationship"),
        ("itsm/problem.json", "problem"), ("itsm/change_request.json", "change"),
        ("itsm/incident.csv", "incident"), ("itsm/incident_labels.csv", "incident"),
        ("itsm/sc_request.ndjson", "request"),
        ("csm/sn_customerservice_case.xml", "case"), ("csm/case_updates.csv", "case"),
        ("sla/task_sla.json", "task_sla"), ("fsm/wm_order.csv", "work_order"), ("fsm/wm_task.json", "work_task"),
        ("knowledge/kb_knowledge.csv", "knowledge"), ("knowledge/m2m_kb_task.json", "kb_citation"),
        ("rejects/bad-sys-id.csv", "incident"), ("rejects/bad-number.csv", "incident"),
        ("rejects/unknown-state.csv", "incident"), ("rejects/bad-datetime.csv", "incident"),
    ]

    static func build() throws -> URL {
        let folder = try Paths.makeTempDirectory("tally-extract-store")
        for (file, entity) in imports {
            let result = try TallyProcess.run(["import", Paths.fixture(file), "--entity", entity, "--db", "tally.db"], in: folder)
            guard result.status == 0 || result.status == 65 else {
                throw FixtureStoreError(message: "import \(file) exited \(result.status): \(result.stderr)")
            }
        }
        return folder
    }
}

struct FixtureStoreError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Golden files for extracts: `Tests/Golden/extract/NAME`. `TALLY_UPDATE_GOLDEN=1` rewrites them.
enum Golden {
    static let folder = Paths.packageRoot.appendingPathComponent("Tests/Golden/extract")
    static var updating: Bool { ProcessInfo.processInfo.environment["TALLY_UPDATE_GOLDEN"] == "1" }

    /// Compares `actual` with the golden file `name`, or rewrites it when updating.
    static func check(_ actual: Data, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appendingPathComponent(name)
        if updating {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try actual.write(to: url)
            return
        }
        guard let expected = FileManager.default.contents(atPath: url.path) else {
            Issue.record("no golden file \(name); run with TALLY_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
            return
        }
        #expect(expected == actual, "\(name) differs from its golden file:\n\(String(decoding: actual, as: UTF8.self))", sourceLocation: sourceLocation)
    }
}
