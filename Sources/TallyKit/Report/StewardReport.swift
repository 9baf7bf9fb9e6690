import Foundation
import TallyFormats
import TallyStore

/// What the steward report covers and how it judges what it shows.
package struct StewardReportOptions: Sendable, Equatable {
    /// Which runs the run-based sections (runs over time, rejects, conflicts, what to do next)
    /// cover. The store's state — CMDB health, the service picture, dangling references and
    /// resolution-code violations — is always the whole store's.
    package enum Scope: Sendable, Equatable {
        /// Every run.
        case all
        /// One run.
        case run(Int64)
        /// The runs of the newest job run of the job called this (`tally run` records it).
        case job(String)
        /// The runs of one job run, by id (a job writing its own report knows it).
        case jobRun(Int64)
    }

    /// Targets for the CMDB health bars, in percent of live CIs.
    package struct CMDBTargets: Sendable, Equatable {
        /// At least this share complete.
        package var completeAtLeast: Double
        /// At most this share duplicate, orphan, stale.
        package var duplicateAtMost: Double
        package var orphanAtMost: Double
        package var staleAtMost: Double

        package init(completeAtLeast: Double = 95, duplicateAtMost: Double = 1, orphanAtMost: Double = 5, staleAtMost: Double = 10) {
            self.completeAtLeast = completeAtLeast
            self.duplicateAtMost = duplicateAtMost
            self.orphanAtMost = orphanAtMost
            self.staleAtMost = staleAtMost
        }
    }

    /// Runs over time shows the runs that started within this many days before the newest run in
    /// scope (the store's own time, not the wall clock, so the same store gives the same page).
    package var days: Int
    package var scope: Scope
    /// As `tally extract --stale-days`: days without an update or discovery that make a CI stale.
    package var staleDays: Int
    /// Classes with stale days of their own (`--stale-days cmdb_ci_computer=30`).
    package var staleDaysByClass: [String: Int]
    package var targets: CMDBTargets
    /// Examples shown per reject rule, conflict field and dangling reference field.
    package var examples: Int
    /// The generated-at stamp; nil means now (tests fix it to compare pages byte for byte).
    package var generatedAt: String?

    package init(days: Int = 30, scope: Scope = .all, staleDays: Int = 60, staleDaysByClass: [String: Int] = [:],
                targets: CMDBTargets = CMDBTargets(), examples: Int = 3, generatedAt: String? = nil) {
        self.days = min(max(days, 1), 366)
        self.scope = scope
        self.staleDays = staleDays
        self.staleDaysByClass = staleDaysByClass
        self.targets = targets
        self.examples = examples
        self.generatedAt = generatedAt
    }
}

/// A report that cannot be made as asked (no such run or job).
package typealias StewardReportError = RequestError

/// What a written report said, for a log line, a job's summary or `report --json`.
package struct StewardReportSummary: Sendable, Equatable, JSONOutput {
    package var path: String
    package var bytes: Int
    /// `clean`, `attention` or `failed` (see ``StewardReport``).
    package var status: String
    /// Outstanding rejected rows in scope (see ``RejectStatus``).
    package var rejects: Int
    package var conflicts: Int
    package var danglingReferences: Int
    package var resolutionViolations: Int

    private enum CodingKeys: String, CodingKey {
        case path = "file", bytes, status, rejects, conflicts
        case danglingReferences = "dangling_references", resolutionViolations = "resolution_violations"
    }
}

/// The steward report: one self-contained HTML page of what the runs did and what needs a person.
///
/// Its numbers come from the report catalogue's queries in one snapshot, so they equal the
/// extracts'; it holds aggregates and capped examples only, so its size does not grow with the
/// store. Status: `failed` (newest run in scope failed or was abandoned), `attention` (outstanding
/// rejects, conflicts, dangling references or resolution violations), else `clean`.
package final class StewardReport {
    let database: TallyDatabase
    package let options: StewardReportOptions
    let catalogue: ReportCatalogue
    /// Catalogue reports a job's extracts already read (see ``StewardReportReadings``).
    let readings: StewardReportReadings?

    /// `readings`: what a job's extracts gathered of the reports the page shows, so they are not computed again.
    package init(database: TallyDatabase, options: StewardReportOptions = StewardReportOptions(),
                catalogue: ReportCatalogue = .standard, readings: StewardReportReadings? = nil) {
        self.database = database
        self.options = options
        self.catalogue = catalogue
        self.readings = readings
    }

    /// The page, as HTML text.
    package func render() throws -> String {
        try renderWithSummary().html
    }

    /// Writes the page to `path` atomically (a reader sees the old file or the whole new one).
    @discardableResult
    package func write(to path: String) throws -> StewardReportSummary {
        let (html, data) = try renderWithSummary()
        let bytes = Array(html.utf8)
        let file = try AtomicFile(path: path)
        do {
            try file.sink.write(bytes)
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
        return StewardReportSummary(
            path: path, bytes: bytes.count, status: data.overallStatus.rawValue, rejects: data.rejectTotal,
            conflicts: data.conflictTotal, danglingReferences: data.dangling.total, resolutionViolations: data.violations.total)
    }

    private func renderWithSummary() throws -> (html: String, data: StewardReportData) {
        let data = try database.connection.transaction(.deferred) {
            try StewardReportData(database: database, options: options, catalogue: catalogue, readings: readings)
        }
        let page = StewardReportPage(data: data, options: options,
                                     generatedAt: options.generatedAt ?? Timestamp.now())
        return (page.render().markup, data)
    }
}
