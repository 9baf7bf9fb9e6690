import Foundation
import Testing
import TestSupport

/// Issue 30's entities are feeds with no code of their own: each is listed by `tally extract
/// --list` and delivers its rows, once, through `tally extract <entity> --feed`.
@Suite("task_sla, work_order, work_task, knowledge and kb_citation as feeds")
struct PlatformFeedTests {
    static let feeds = [("task_sla", "task-sla-table-api.json"), ("work_order", "work-order-table-api.json"),
                        ("work_task", "work-task-table-api.json"), ("knowledge", "knowledge-table-api.json"),
                        ("kb_citation", "kb-citation-table-api.json")]

    /// The records of a real-shapes Table API fixture.
    static func records(_ file: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Paths.fixture("real-shapes/" + file)))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["result"] as? [[String: Any]] ?? []
    }

    /// Picks up `entity`'s feed (`bi-<entity>`: a feed delivers one entity): its header and rows as cells (no value of these fixtures holds a comma).
    static func pickUp(_ entity: String, in folder: URL) throws -> (header: [String], rows: [[String]]) {
        let out = "pickup-\(UUID().uuidString)"
        let result = try TallyProcess.run(["extract", entity, "--feed", "bi-\(entity)", "--format", "csv", "--out", out], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: folder.appendingPathComponent("\(out)/\(entity).csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (lines.first ?? [], Array(lines.dropFirst()))
    }

    @Test func theListNamesEachOfThem() throws {
        let result = try TallyProcess.run(["extract", "--list"])
        #expect(result.status == 0)
        for (entity, _) in Self.feeds {
            #expect(result.stdout.contains("\n  \(entity) ") && result.stdout.contains("Entity feed:"), "--list lacks \(entity)")
        }
        let json = try TallyProcess.run(["extract", "--list", "--json"]).stdout.split(separator: "\n")
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["name"] as? String }
        #expect(Set(Self.feeds.map(\.0)).isSubset(of: Set(json)))
    }

    @Test func eachDeliversItsRowsOnceAndThenWhatChanged() throws {
        let folder = try Paths.makeTempDirectory()
        for (entity, file) in [("incident", "incident-table-api.json")] + Self.feeds {
            let result = try TallyProcess.run(["import", Paths.fixture("real-shapes/" + file), "--entity", entity], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
        }
        for (entity, file) in Self.feeds {
            let first = try Self.pickUp(entity, in: folder)
            #expect(first.header.first == "sys_id" && first.header.last == "op", "\(entity): \(first.header)")
            #expect(Set(first.rows.map { $0[0] }) == Set(try Self.records(file).compactMap { $0["sys_id"] as? String }), "\(entity)")
            #expect(first.rows.count == (try Self.records(file)).count && first.rows.allSatisfy { $0.last == "c" }, "\(entity)")
            #expect(try Self.pickUp(entity, in: folder).rows.isEmpty, "\(entity): a second pickup has nothing new")
        }
        // Durations are delivered as seconds.
        let full = try TallyProcess.run(["extract", "task_sla", "--format", "csv", "--out", "full"], in: folder)
        #expect(full.status == 0, "\(full.stderr)")
        let text = try String(contentsOf: folder.appendingPathComponent("full/task_sla.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        let row = try #require(lines.first { $0.first == (try? Self.records("task-sla-table-api.json"))?.first?["sys_id"] as? String })
        let value = { (name: String) in header.firstIndex(of: name).map { row[$0] } }
        #expect(value("business_duration") == "5400" && value("stage") == "completed", "\(row)")

        // A newer version of one work order: the next pickup delivers it alone, as an update.
        var orders = try Self.records("work-order-table-api.json")
        orders[2]["state"] = "3"
        orders[2]["sys_updated_on"] = "2026-04-30 12:00:00"
        let changed = try JSONSerialization.data(withJSONObject: ["result": [orders[2]]])
        try changed.write(to: folder.appendingPathComponent("later.json"))
        #expect(try TallyProcess.run(["import", "later.json", "--entity", "work_order"], in: folder).status == 0)
        let later = try Self.pickUp("work_order", in: folder)
        #expect(later.rows.map { [$0[0], $0[1], $0[3], $0.last ?? ""] } == [[orders[2]["sys_id"] as? String ?? "", "WO0010003", "3", "u"]])
    }
}
