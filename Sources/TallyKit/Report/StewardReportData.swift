import Foundation

/// Everything the steward report shows, read from one snapshot of the store.
///
/// Each section has its own query type; the few things the catalogue has no report for
/// (examples, conflicts by field, cases by resolution code) are queried there, each with a
/// total `ORDER BY`.
struct StewardReportData {
    enum Status: String { case clean, attention, failed }

    /// One run, as `run_summary` gives it.
    struct Run {
        var id: Int64
        var kind: String
        var entity: String
        var source: String
        var status: String
        var parentRun: Int64?
        var startedAt: String
        var finishedAt: String
        var inserted, updated, unchanged, skippedStale, rejected, read, warnings, conflicts, retired: Int

        init(_ row: ReportTable.Row) {
            id = Int64(row.integer("run"))
            kind = row["kind"] ?? ""
            entity = row["entity"] ?? ""
            source = row["source"] ?? ""
            status = row["status"] ?? ""
            parentRun = row["parent_run"].flatMap { Int64($0) }
            startedAt = row["started_at"] ?? ""
            finishedAt = row["finished_at"] ?? ""
            inserted = row.integer("inserted")
            updated = row.integer("updated")
            unchanged = row.integer("unchanged")
            skippedStale = row.integer("skipped_stale")
            rejected = row.integer("rejected")
            read = row.integer("read")
            warnings = row.integer("warnings")
            conflicts = row.integer("conflicts")
            retired = row.integer("retired")
        }

        var isFailed: Bool { status == RunStatus.failed.rawValue || status == RunStatus.abandoned.rawValue }
        var isRolledBack: Bool { status == RunStatus.rolledBack.rawValue }
    }

    /// A file, line and message (or record and message) showing what a group is about.
    struct Example {
        var run: Int64
        var place: String
        var message: String
        /// The command that says more (a conflict's `tally explain`): the page is a static file, so it shows the line to run.
        var command: String?

        /// Longest place or message shown; a huge value in a message must not bloat the page.
        static let maxCharacters = 300

        init(run: Int64, place: String, message: String, command: String? = nil) {
            self.run = run
            self.place = Self.shortened(place)
            self.message = Self.shortened(message)
            self.command = command.map(Self.shortened)
        }

        static func shortened(_ text: String) -> String {
            text.count > maxCharacters ? String(text.prefix(maxCharacters - 1)) + "…" : text
        }
    }

    /// Rejects of one entity, rule and field (a `rejects_by_rule` row), with examples.
    struct RejectGroup {
        var entity, rule, field: String
        /// Rows rejected, and how many of them are in each ``RejectStatus``.
        var rejects: Int
        var statuses: [RejectStatus: Int]
        var runs: Int
        var firstRun, lastRun: String
        /// Examples of its outstanding rows.
        var examples: [Example] = []
        var label: String { entity + " · " + rule + (field.isEmpty ? "" : " · " + field) }
        var outstanding: Int { statuses[.outstanding] ?? 0 }
        var recovered: Int { statuses[.recovered] ?? 0 }

        init(_ row: ReportTable.Row) {
            entity = row["entity"] ?? ""
            rule = row["rule"] ?? ""
            field = row["field"] ?? ""
            rejects = row.integer("rejects")
            var statuses: [RejectStatus: Int] = [:]
            for status in RejectStatus.allCases { statuses[status] = row.integer(status.rawValue) }
            self.statuses = statuses
            runs = row.integer("runs")
            firstRun = row["first_run"] ?? ""
            lastRun = row["last_run"] ?? ""
        }
    }

    /// Conflicts of one entity, field and rule, with examples.
    struct ConflictGroup {
        var entity, field, rule: String
        var conflicts, runs: Int
        var lastRun: Int64
        var examples: [Example] = []
        var label: String { entity + "." + field + " · " + rule }
    }

    /// Dangling references of one entity, field and target.
    struct DanglingGroup {
        var entity, field, target: String
        var count = 0
        var examples: [Example] = []
    }

    /// Read by its query (`StewardReportDanglingQuery.swift`).
    struct Dangling {
        var total = 0
        var groups: [DanglingGroup] = []
    }

    /// Cases with one resolution code, and how many of them break its rule.
    struct ResolutionCode {
        var code: String
        var label: String
        var cases: Int
        var inconsistent: Int
    }

    /// Task SLAs started in one week (Monday first): how many, met and breached.
    struct SLAWeek {
        var week: String
        var slas, met, breached: Int
        /// Breached of those decided (met or breached), in %; nil when none is decided.
        var breachRate: Double? { met + breached > 0 ? 100 * Double(breached) / Double(met + breached) : nil }
    }

    /// A job's page: which job run it was written for and what came before.
    struct JobContext {
        var job: String
        var jobRun: Int64
        /// The job's previous job run and when it started, if any.
        var previous: (id: Int64, startedAt: String)?
        /// Runs of this job run: new since the previous one (skipped ones included).
        var newRuns: Set<Int64>
    }

    let storePath: String
    let registry: EntityRegistry
    let scopeDescription: String
    /// Set when the page is a job's.
    let job: JobContext?
    /// Runs in scope, oldest first (`run_summary` order), skipped ones included.
    let runs: [Run]
    /// Runs in scope that started within `days` before the newest one, skipped ones left out
    /// (an input already imported did nothing worth a column).
    let windowRuns: [Run]
    let windowStart: String?
    /// Skipped runs in the window.
    let skippedInWindow: Int
    /// The newest run in scope that did something: a skipped run is never the last run.
    let lastRun: Run?
    let rejectGroups: [RejectGroup]
    /// Outstanding rejected rows in scope (each row once, whatever its reasons): the header's count.
    let rejectTotal: Int
    /// Rejected rows in scope per status, each row once.
    let rejectStatuses: [RejectStatus: Int]
    let conflictGroups: [ConflictGroup]
    let conflictTotal: Int
    let dangling: Dangling
    /// `resolution_consistency`, its first rows kept (``violationLimit``), every row counted.
    let violations: ReportTable
    let resolutionCodes: [ResolutionCode]
    let casesWithoutCode: Int
    let cmdbHealth: ReportTable
    /// Per CI class, how many incomplete live CIs miss each field (from `cmdb_exceptions`), most missed first.
    let missingByClass: [String: [(field: String, cis: Int)]]
    /// `ci_relationship_health`, `cmdb_health_trend`, and the count of `ci_duplicates` pairs.
    let relationshipHealth: ReportTable
    let cmdbTrend: ReportTable
    let duplicatePairs: Int
    let incidentMetrics: ReportTable
    /// `change_impact`, first rows kept (``changeLimit``), every row counted.
    let changeImpact: ReportTable
    let slaAttainment: ReportTable
    let slaWeeks: [SLAWeek]
    /// `case_fulfilment` rows whose chain is still open, oldest case first (``chainLimit`` kept, all counted), of `fulfilmentCases`.
    let openChains: ReportTable
    let fulfilmentCases: Int
    /// Runs that need a person, newest first: the input of "What to do next".
    let runsNeedingAction: [Run]
    /// Runs that needed a person and were followed up by a committed rerun or reject re-import.
    let followedUp: [Int64: Int64]
    /// Outstanding rejected rows per run in scope (runs with none are absent).
    let outstandingByRun: [Int64: Int]

    static let violationLimit = 50
    static let changeLimit = 25
    static let actionLimit = 20
    static let chainLimit = 25

    var overallStatus: Status {
        if let lastRun, lastRun.isFailed { return .failed }
        if rejectTotal + conflictTotal + dangling.total + violations.total > 0 { return .attention }
        return .clean
    }

    /// Reads each section through its own query (`StewardReport*Query`), all from one connection.
    /// `readings`: catalogue reports already read (a job's extracts), used when they serve these options.
    init(database: TallyDatabase, options: StewardReportOptions, catalogue: ReportCatalogue, readings: StewardReportReadings? = nil) throws {
        storePath = database.path
        registry = catalogue.registry
        let scope = try StewardReportScope(options.scope, days: options.days, database: database)
        scopeDescription = scope.description
        job = scope.job
        let parameters = ReportParameters(staleDays: options.staleDays, staleDaysByClass: options.staleDaysByClass)
        let shared = readings.flatMap { $0.serves(catalogue: catalogue, parameters: parameters, examples: options.examples) ? $0 : nil }
        let query = StewardReportQuery(connection: database.connection, catalogue: catalogue, parameters: parameters, scope: scope,
                                       examples: options.examples,
                                       readings: shared ?? StewardReportReadings(catalogue: catalogue, parameters: parameters, examples: options.examples))

        let runs = try StewardReportRunsQuery(query, days: options.days)
        (self.runs, windowRuns, windowStart, skippedInWindow, lastRun) =
            (runs.runs, runs.windowRuns, runs.windowStart, runs.skippedInWindow, runs.lastRun)
        let rejects = try StewardReportRejectsQuery(query)
        (rejectGroups, rejectStatuses, outstandingByRun) = (rejects.groups, rejects.statuses, rejects.outstandingByRun)
        rejectTotal = rejects.statuses[.outstanding] ?? 0
        let conflicts = try StewardReportConflictsQuery(query)
        (conflictGroups, conflictTotal) = (conflicts.groups, conflicts.total)
        dangling = try Dangling(query)
        let service = try StewardReportServiceQuery(query)
        (violations, resolutionCodes, casesWithoutCode, incidentMetrics, changeImpact) =
            (service.violations, service.resolutionCodes, service.casesWithoutCode, service.incidentMetrics, service.changeImpact)
        let fulfilment = try StewardReportFulfilmentQuery(query)
        (slaAttainment, slaWeeks, openChains, fulfilmentCases) =
            (fulfilment.slaAttainment, fulfilment.slaWeeks, fulfilment.openChains, fulfilment.cases)
        let cmdb = try StewardReportCMDBQuery(query)
        (cmdbHealth, missingByClass) = (cmdb.health, cmdb.missingByClass)
        (relationshipHealth, cmdbTrend, duplicatePairs) = (cmdb.relationships, cmdb.trend, cmdb.duplicatePairs)
        let actions = try StewardReportActionsQuery(query, runs: runs.runs, outstandingByRun: rejects.outstandingByRun)
        (runsNeedingAction, followedUp) = (actions.runsNeedingAction, actions.followedUp)
    }

    /// Labels of a choice field's codes, from the registry (`"1"` → `"Critical"`).
    static func choiceLabels(entity: String, field: String, registry: EntityRegistry) -> [String: String] {
        guard case .choice(let list)? = registry.entity(named: entity)?.field(named: field)?.type else { return [:] }
        var labels: [String: String] = [:]
        for choice in list.choices { labels[choice.code] = choice.label }
        return labels
    }

    /// An RFC 3339 UTC timestamp (`2026-11-23T18:32:26Z`) as a date.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
