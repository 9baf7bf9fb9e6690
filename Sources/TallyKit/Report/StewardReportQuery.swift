import Foundation
import TallyStore

/// What every section's query reads from: one connection, the catalogue, the runs in scope.
///
/// Catalogue reports are read through the catalogue, so the page's numbers are the extracts'.
struct StewardReportQuery {
    let connection: Connection
    let catalogue: ReportCatalogue
    let parameters: ReportParameters
    let scope: StewardReportScope
    /// Examples shown per group.
    let examples: Int
    /// The catalogue reports read for the whole page (``read(_:)``); nil: each section reads its own.
    var readings: StewardReportReadings? = nil

    func report(_ name: String) -> ReportDefinition {
        guard let report = catalogue.report(named: name) else { preconditionFailure("the catalogue has no report \(name)") }
        return report
    }

    /// The newest `examples` rows of each group, from `sql` over the scope (`?1`) that numbers
    /// its rows `n` within a group and keeps `n <= ?2`; keyed by the group's first `keyColumns` values.
    func examples(_ sql: String, keyColumns: Int) throws -> [[String?]: [[SQLValue]]] {
        var groups: [[String?]: [[SQLValue]]] = [:]
        for row in try connection.rows(sql, [scope.parameter, .integer(Int64(examples))]) {
            groups[row.prefix(keyColumns).map(\.text), default: []].append(row)
        }
        return groups
    }
}

/// Which runs the run-based sections cover: every run, one run, or a job's recent runs.
struct StewardReportScope {
    /// The runs in scope; nil for every run.
    let ids: Set<Int64>?
    /// Set when the page is a job's.
    let job: StewardReportData.JobContext?
    let description: String

    func contains(_ run: Int64) -> Bool { ids?.contains(run) ?? true }

    /// The scope as a JSON array for `json_each`, or NULL for every run; bound as `?1`.
    var parameter: SQLValue {
        ids.map { .text("[" + $0.sorted().map(String.init).joined(separator: ",") + "]") } ?? .null
    }

    /// A predicate keeping rows whose `column` is a run in scope (the scope bound as `?1`).
    static func filter(_ column: String) -> String {
        "(?1 IS NULL OR \(column) IN (SELECT value FROM json_each(?1)))"
    }

    init(_ scope: StewardReportOptions.Scope, days: Int, database: TallyDatabase) throws {
        let connection = database.connection
        switch scope {
        case .all:
            self.init(ids: nil, job: nil, description: "all runs")
        case .run(let id):
            guard try connection.scalar("SELECT count(*) FROM runs WHERE id = ?", [.integer(id)]).integer == 1 else {
                throw StewardReportError(message: "there is no run \(id) in \(database.path); see 'tally runs'")
            }
            self.init(ids: [id], job: nil, description: "run \(id)")
        case .job(let name):
            guard let jobRun = try connection.scalar("SELECT max(id) FROM job_runs WHERE job = ?", [.text(name)]).integer else {
                throw StewardReportError(message: "no job called '\(name)' has run against \(database.path); see 'tally runs --job'")
            }
            try self.init(job: name, jobRun: jobRun, days: days, connection: connection)
        case .jobRun(let jobRun):
            guard let name = try connection.scalar("SELECT job FROM job_runs WHERE id = ?", [.integer(jobRun)]).text else {
                throw StewardReportError(message: "there is no job run \(jobRun) in \(database.path); see 'tally runs --job'")
            }
            try self.init(job: name, jobRun: jobRun, days: days, connection: connection)
        }
    }

    private init(ids: Set<Int64>?, job: StewardReportData.JobContext?, description: String) {
        (self.ids, self.job, self.description) = (ids, job, description)
    }

    /// A job's runs (every job run of it up to `jobRun`) that started within `days` before the
    /// newest of them; those of `jobRun` are new.
    private init(job name: String, jobRun: Int64, days: Int, connection: Connection) throws {
        let runs = try connection.rows("""
            SELECT r.id, r.started_at, r.job_run FROM runs r JOIN job_runs j ON j.id = r.job_run
            WHERE j.job = ?1 AND j.id <= ?2 ORDER BY r.id
            """, [.text(name), .integer(jobRun)]).map { (id: $0[0].integer ?? 0, startedAt: $0[1].text ?? "", jobRun: $0[2].integer ?? 0) }
        let newest = runs.map(\.startedAt).max()
        let start = newest.flatMap { StewardReportData.date($0) }.map { Timestamp.format($0.addingTimeInterval(-Double(days) * 86_400)) }
        ids = Set(runs.filter { run in start.map { run.startedAt >= $0 } ?? true }.map(\.id))
        let previous = try connection.rows("SELECT id, started_at FROM job_runs WHERE job = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
                                           [.text(name), .integer(jobRun)]).first.map { (id: $0[0].integer ?? 0, startedAt: $0[1].text ?? "") }
        job = StewardReportData.JobContext(job: name, jobRun: jobRun, previous: previous,
                                           newRuns: Set(runs.filter { $0.jobRun == jobRun }.map(\.id)))
        description = "job \(name): its runs in the \(days) days up to job run \(jobRun)"
    }
}
