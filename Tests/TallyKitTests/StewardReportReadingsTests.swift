import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

/// A job computes each report once: the steward page reads what the extracts computed
/// (``StewardReportReadings``) instead of running the catalogue's queries again (issue 26).
@Suite("Steward report readings")
struct StewardReportReadingsTests {
    /// Every bundled fixture imported, so every report the page reads has rows.
    static func store() throws -> (folder: URL, path: String) {
        let folder = try Paths.makeTempDirectory("tally-readings")
        let path = folder.appendingPathComponent("tally.db").path
        let database = try TallyDatabase.open(path: path)
        for (file, entity) in [("cmdb/cmdb_ci.csv", "ci"), ("cmdb/cmdb_rel_ci.json", "ci_relationship"), ("itsm/problem.json", "problem"),
                               ("itsm/change_request.json", "change"), ("itsm/incident.csv", "incident"), ("itsm/sc_request.ndjson", "request"),
                               ("csm/sn_customerservice_case.xml", "case"), ("rejects/bad-sys-id.csv", "incident"),
                               ("sla/task_sla.json", "task_sla"), ("fsm/wm_order.csv", "work_order"), ("fsm/wm_task.json", "work_task")] {
            _ = try Importer(database: database).run(ImportRequest(paths: [Paths.fixture(file)], entity: entity, command: "test"))
        }
        return (folder, path)
    }

    static let options = StewardReportOptions(generatedAt: "2026-11-23T00:00:00Z")

    /// The catalogue reports whose SQL `database`'s connection prepared.
    static func reportsPrepared(by database: TallyDatabase) -> Set<String> {
        let prepared = Set(database.connection.cachedSQL)
        return Set(ReportCatalogue.standard.reports.filter { prepared.contains($0.sql) }.map(\.name))
    }

    @Test func thePageReadsWhatTheExtractsComputedAndRunsNoReportAgain() throws {
        let (folder, path) = try Self.store()
        // The page on its own runs every report it shows.
        let alone = try TallyDatabase.open(path: path, readOnly: true)
        let expected = try StewardReport(database: alone, options: Self.options).render()
        #expect(Self.reportsPrepared(by: alone) == Set(StewardReportReadings.kept.keys))

        // A job's way: the extracts feed the readings, the page takes them.
        let readings = StewardReportReadings()
        let extracting = try TallyDatabase.open(path: path, readOnly: true)
        let request = ExtractRequest(names: ReportCatalogue.standard.reports.map(\.name))
        _ = try Extractor(database: extracting).write(request, toFolder: folder.appendingPathComponent("out").path, observer: readings)
        #expect(Self.reportsPrepared(by: extracting) == Set(ReportCatalogue.standard.reports.map(\.name)))
        let page = try TallyDatabase.open(path: path, readOnly: true)
        let html = try StewardReport(database: page, options: Self.options, readings: readings).render()
        #expect(Self.reportsPrepared(by: page).isEmpty, "the page ran \(Self.reportsPrepared(by: page).sorted()) again")
        #expect(html == expected, "the page from the extracts' rows is the page from its own queries")
        #expect(html.contains("bad-sys-id.csv"), "the page shows data")
    }

    @Test func readingsForOtherParametersOrAReusedReportAreReadAgain() throws {
        let (folder, path) = try Self.store()
        let out = folder.appendingPathComponent("out").path
        let request = ExtractRequest(names: ReportCatalogue.standard.reports.map(\.name))
        let extracting = try TallyDatabase.open(path: path, readOnly: true)
        _ = try Extractor(database: extracting).write(request, toFolder: out)

        // Every file is reused: nothing is fed, and the page reads every report itself.
        let readings = StewardReportReadings()
        let result = try Extractor(database: extracting).write(request, toFolder: out, observer: readings)
        #expect(result.manifest.files.allSatisfy { $0.reused })
        #expect(readings.complete.isEmpty)
        let page = try TallyDatabase.open(path: path, readOnly: true)
        let html = try StewardReport(database: page, options: Self.options, readings: readings).render()
        #expect(Self.reportsPrepared(by: page) == Set(StewardReportReadings.kept.keys))
        let again = try StewardReport(database: page, options: Self.options).render()
        #expect(html == again)

        // Readings taken with another --stale-days do not serve the page.
        let other = StewardReportReadings(parameters: ReportParameters(staleDays: 7))
        _ = try Extractor(database: extracting).write(ExtractRequest(names: request.names, parameters: ReportParameters(staleDays: 7)),
                                                      toFolder: out, observer: other)
        #expect(other.complete == Set(StewardReportReadings.kept.keys))
        let fresh = try TallyDatabase.open(path: path, readOnly: true)
        _ = try StewardReport(database: fresh, options: Self.options, readings: other).render()
        #expect(Self.reportsPrepared(by: fresh) == Set(StewardReportReadings.kept.keys))
    }

    @Test func aWriterKeepsThePagesReadingsAndALaterPageTakesThemUntilARunChangesTheStore() throws {
        let (_, path) = try Self.store()
        // A writer (a job) renders the page: it keeps what it read of each report but run_summary.
        let writer = try TallyDatabase.open(path: path)
        let expected = try StewardReport(database: writer, options: Self.options).render()
        let kept = try writer.connection.rows("SELECT report FROM report_readings ORDER BY report").compactMap(\.first?.text)
        #expect(Set(kept) == Set(StewardReportReadings.kept.keys).subtracting(["run_summary"]))

        // A later page (read-only, as `tally report`) computes only run_summary, and says the same.
        let reader = try TallyDatabase.open(path: path, readOnly: true)
        #expect(try StewardReport(database: reader, options: Self.options).render() == expected)
        #expect(Self.reportsPrepared(by: reader) == ["run_summary"])

        // A skipped run changes run_summary only; another --stale-days or a committed run, the rest too.
        _ = try Importer(database: writer).run(ImportRequest(paths: [Paths.fixture("itsm/incident.csv")], entity: "incident", command: "test"))
        let afterSkip = try TallyDatabase.open(path: path, readOnly: true)
        _ = try StewardReport(database: afterSkip, options: Self.options).render()
        #expect(Self.reportsPrepared(by: afterSkip) == ["run_summary"])
        let otherDays = try TallyDatabase.open(path: path, readOnly: true)
        _ = try StewardReport(database: otherDays, options: StewardReportOptions(staleDays: 7, generatedAt: "2026-11-23T00:00:00Z")).render()
        #expect(Self.reportsPrepared(by: otherDays) == Set(StewardReportReadings.kept.keys))
        _ = try Importer(database: writer).run(ImportRequest(paths: [Paths.fixture("itsm/incident_labels.csv")], entity: "incident", command: "test"))
        let afterRun = try TallyDatabase.open(path: path, readOnly: true)
        let changed = try StewardReport(database: afterRun, options: Self.options).render()
        #expect(Self.reportsPrepared(by: afterRun) == Set(StewardReportReadings.kept.keys))
        let fresh = try TallyDatabase.open(path: path, readOnly: true)
        #expect(changed == (try StewardReport(database: fresh, options: Self.options).render()))
    }
}
