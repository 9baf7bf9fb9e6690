import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// The SLA and fulfilment panels of the steward page, on a store small enough to count by hand.
@Suite("Steward report: SLAs and fulfilment")
struct StewardReportFulfilmentTests {
    /// Two incidents and three cases; a closed work order on CS0000001, an open one raised from
    /// CS0000002's incident; four task SLAs in three weeks with an empty week between.
    static func store() throws -> TallyDatabase {
        // The SLA definition by sys_id, its name beside it: a name alone in `sla` is taken for its
        // display value and leaves the required `sla` empty (see the hand-back note on task_sla list exports).
        func definition(_ n: Int) -> String { String(repeating: "\(n)", count: 32) }
        let folder = try Paths.makeTempDirectory("tally-fulfilment")
        let files: [(name: String, entity: String, text: String)] = [
            ("incident.csv", "incident", """
                number,state,priority,opened_at,resolved_at,sys_updated_on
                INC0000001,6,1,2026-10-05 09:00:00,2026-10-05 15:00:00,2026-10-05 15:00:00
                INC0000002,2,2,2026-10-19 10:00:00,,2026-10-19 10:00:00

                """),
            ("case.csv", "case", """
                number,state,priority,opened_at,resolved_at,closed_at,incident,sys_updated_on
                CS0000001,3,4,2026-10-01 08:00:00,2026-10-03 08:00:00,2026-10-04 08:00:00,,2026-10-04 08:00:00
                CS0000002,10,4,2026-10-02 08:00:00,,,INC0000002,2026-10-19 11:00:00
                CS0000003,1,3,2026-09-20 08:00:00,,,,2026-09-20 08:00:00

                """),
            ("work_order.csv", "work_order", """
                number,state,initiated_from,opened_at,closed_at,sys_updated_on
                WO0000001,3,CS0000001,2026-10-01 10:00:00,2026-10-02 10:00:00,2026-10-02 10:00:00
                WO0000002,18,INC0000002,2026-10-19 12:00:00,,2026-10-19 12:00:00

                """),
            ("task_sla.csv", "task_sla", """
                task,sla,sla.display_value,stage,has_breached,start_time,end_time,business_percentage,sys_updated_on
                INC0000001,\(definition(1)),P1 resolution,completed,true,2026-10-05 09:00:00,2026-10-05 15:00:00,150,2026-10-05 15:00:00
                INC0000002,\(definition(2)),P2 resolution,in_progress,true,2026-10-19 10:00:00,,120,2026-10-19 18:00:00
                CS0000001,\(definition(3)),Case resolution,completed,false,2026-10-01 08:00:00,2026-10-03 08:00:00,50,2026-10-03 08:00:00
                CS0000002,\(definition(3)),Case resolution,in_progress,false,2026-10-02 08:00:00,,30,2026-10-19 11:00:00

                """),
        ]
        let database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path)
        for file in files {
            let url = folder.appendingPathComponent(file.name)
            try file.text.write(to: url, atomically: true, encoding: .utf8)
            _ = try Importer(database: database).run(ImportRequest(paths: [url.path], entity: file.entity, command: "test"))
        }
        return database
    }

    /// The rows of table `id`: each row's key and its cells' text.
    static func rows(_ html: String, table id: String) -> [(key: String, cells: [String])] {
        guard let start = html.range(of: "<table id=\"\(id)\""), let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex) else { return [] }
        let table = String(html[start.upperBound..<end.lowerBound])
        let row = try! NSRegularExpression(pattern: #"<tr data-key="([^"]*)"[^>]*>(.*?)</tr>"#)
        return row.matches(in: table, range: NSRange(table.startIndex..., in: table)).map { match in
            let key = (table as NSString).substring(with: match.range(at: 1))
            let cells = (table as NSString).substring(with: match.range(at: 2)).components(separatedBy: #"</t"#).dropLast().map {
                $0.replacingOccurrences(of: #"<[^>]*>"#, with: "", options: .regularExpression).replacingOccurrences(of: "d>", with: "")
                    .replacingOccurrences(of: "h>", with: "")
            }
            return (key, cells)
        }
    }

    @Test func theSLAPanelCountsBreachesByPriorityAndPerWeek() throws {
        let html = try StewardReport(database: try Self.store(), options: .init(generatedAt: "2026-11-23T00:00:00Z")).render()
        #expect(html.contains("<section id=\"sla\"><h2>SLAs and fulfilment</h2>"))
        #expect(html.contains("Task SLAs started in the 90 days up to 2026-10-19 10:00:00 (the newest start time)"))
        let priorities = Self.rows(html, table: "sla-priority-table")
        #expect(priorities.map(\.key) == ["1", "2", "4"])
        #expect(priorities.map(\.cells) == [["1 – Critical", "1", "0", "1", "100.0"], ["2 – High", "1", "0", "1", "100.0"],
                                            ["4 – Low", "2", "1", "0", "0.0"]])
        // Weeks from Monday: 09-28 has CS0000001 met (CS0000002 still running), 10-05 INC0000001
        // breached, 10-12 nothing, 10-19 INC0000002 breached while running.
        #expect(html.contains("<desc id=\"chart-sla-trend-desc\">week of 2026-09-28: 0 breached of 1 decided; week of 2026-10-05: 1 breached of 1 decided; "
                              + "week of 2026-10-12: 0 breached of 0 decided; week of 2026-10-19: 1 breached of 1 decided</desc>"))
        let trend = try #require(html.range(of: "<svg id=\"chart-sla-trend\"").map { html[$0.lowerBound...] })
        let chart = trend[..<(trend.range(of: "</svg>")?.upperBound ?? trend.endIndex)]
        #expect(chart.components(separatedBy: "<circle ").count - 1 == 3, "no point for the week with nothing decided: \(chart)")
        let detail = Self.rows(html, table: "sla-table")
        #expect(detail.first { $0.key == "case:4:Case resolution" }?.cells == ["case", "4", "Case resolution", "2", "1", "0", "1", "0.0", "40.00", "48.00"])
    }

    @Test func theFulfilmentPanelListsTheOpenChainsOldestFirst() throws {
        let html = try StewardReport(database: try Self.store(), options: .init(generatedAt: "2026-11-23T00:00:00Z")).render()
        #expect(html.contains("<p id=\"fulfilment-summary\"><strong>2</strong> of 3 cases have a chain still open"))
        let chains = Self.rows(html, table: "fulfilment-table")
        // CS0000001 and its work order are closed; CS0000003 opened first; CS0000002's chain holds its incident's work order.
        #expect(chains.map(\.key) == ["CS0000003", "CS0000002"])
        #expect(chains.last?.cells[4] == "WO0000002 Work in Progress (opened 2026-10-19 12:00:00)")
        #expect(chains.last?.cells[3] == "INC0000002 In Progress (opened 2026-10-19 10:00:00)")
    }

    /// The readings keep the oldest open chains of a report that grows with the store, and count them all.
    @Test func theReadingsKeepTheOldestOpenChainsAndCountEvery() throws {
        let report = try #require(ReportCatalogue.standard.report(named: "case_fulfilment"))
        let readings = StewardReportReadings()
        let columns = report.columns.map(\.name)
        var generator = SeededGenerator(seed: 30)
        let days = Array(1...(StewardReportData.chainLimit + 5)).shuffled(using: &generator)
        for day in days {
            var values = [String?](repeating: nil, count: columns.count)
            values[columns.firstIndex(of: "case_number")!] = String(format: "CS%07d", day)
            values[columns.firstIndex(of: "opened_at")!] = String(format: "2026-01-%02d 10:00:00", day)
            values[columns.firstIndex(of: "open_chain")!] = "true"
            readings.observe(report, row: values)
            var closed = values
            closed[columns.firstIndex(of: "open_chain")!] = "false"
            readings.observe(report, row: closed)
        }
        readings.finished(report)
        #expect(readings.openChains.total == StewardReportData.chainLimit + 5)
        #expect(readings.openChains.rows.map { $0["case_number"] ?? "" } == (1...StewardReportData.chainLimit).map { String(format: "CS%07d", $0) })
        #expect(readings.table("case_fulfilment").total == 2 * (StewardReportData.chainLimit + 5))
    }
}
