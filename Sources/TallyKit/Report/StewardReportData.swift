import Foundation

/// Everything the steward report shows, read from one snapshot of the store.
///
/// Catalogue reports are read through the catalogue (so the page's numbers are the extracts');
/// the few things the catalogue has no report for (examples, conflicts by field, cases by
/// resolution code) are queried here, each with a total `ORDER BY`.
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

        /// Longest place or message shown; a huge value in a message must not bloat the page.
        static let maxCharacters = 300

        init(run: Int64, place: String, message: String) {
            self.run = run
            self.place = Self.shortened(place)
            self.message = Self.shortened(message)
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
    let incidentMetrics: ReportTable
    /// `change_impact`, first rows kept (``changeLimit``), every row counted.
    let changeImpact: ReportTable
    /// Runs that need a person, newest first: the input of "What to do next".
    let runsNeedingAction: [Run]
    /// Runs that needed a person and were followed up by a committed rerun or reject re-import.
    let followedUp: [Int64: Int64]
    /// Outstanding rejected rows per run in scope (runs with none are absent).
    let outstandingByRun: [Int64: Int]

    static let violationLimit = 50
    static let changeLimit = 25
    static let actionLimit = 20

    var overallStatus: Status {
        if let lastRun, lastRun.isFailed { return .failed }
        if rejectTotal + conflictTotal + dangling.total + violations.total > 0 { return .attention }
        return .clean
    }

    init(database: TallyDatabase, options: StewardReportOptions, catalogue: ReportCatalogue) throws {
        let connection = database.connection
        let parameters = ReportParameters(staleDays: options.staleDays)
        func report(_ name: String) -> ReportDefinition {
            guard let report = catalogue.report(named: name) else { preconditionFailure("the catalogue has no report \(name)") }
            return report
        }
        storePath = database.path
        registry = catalogue.registry

        // Scope: which runs.
        let scopeIDs: Set<Int64>?
        var job: JobContext?
        switch options.scope {
        case .all:
            scopeIDs = nil
            scopeDescription = "all runs"
        case .run(let id):
            guard try connection.scalar("SELECT count(*) FROM runs WHERE id = ?", [.integer(id)]).integer == 1 else {
                throw StewardReportError(message: "there is no run \(id) in \(database.path); see 'tally runs'")
            }
            scopeIDs = [id]
            scopeDescription = "run \(id)"
        case .job(let name):
            guard let jobRun = try connection.scalar("SELECT max(id) FROM job_runs WHERE job = ?", [.text(name)]).integer else {
                throw StewardReportError(message: "no job called '\(name)' has run against \(database.path); see 'tally runs --job'")
            }
            (scopeIDs, job, scopeDescription) = try Self.jobScope(name: name, jobRun: jobRun, days: options.days, connection: connection)
        case .jobRun(let jobRun):
            guard let name = try connection.scalar("SELECT job FROM job_runs WHERE id = ?", [.integer(jobRun)]).text else {
                throw StewardReportError(message: "there is no job run \(jobRun) in \(database.path); see 'tally runs --job'")
            }
            (scopeIDs, job, scopeDescription) = try Self.jobScope(name: name, jobRun: jobRun, days: options.days, connection: connection)
        }
        self.job = job
        let inScope = { (run: Int64) in scopeIDs?.contains(run) ?? true }
        // The scope as a JSON array for `json_each`, or NULL for every run.
        let scopeParameter: SQLValue = scopeIDs.map { .text("[" + $0.sorted().map(String.init).joined(separator: ",") + "]") } ?? .null
        let scopeFilter = "(?1 IS NULL OR %@ IN (SELECT value FROM json_each(?1)))"
        func scoped(_ column: String) -> String { scopeFilter.replacingOccurrences(of: "%@", with: column) }

        // Runs.
        var runs: [Run] = []
        try ReportTable.forEachRow(report("run_summary"), in: connection, parameters: parameters) { row in
            let run = Run(row)
            if inScope(run.id) { runs.append(run) }
        }
        self.runs = runs
        let done = runs.filter { $0.status != RunStatus.skipped.rawValue }
        lastRun = done.max { $0.id < $1.id }
        let newestStart = runs.map(\.startedAt).max()
        let windowStart = newestStart.flatMap { Self.date($0) }.map { Timestamp.format($0.addingTimeInterval(-Double(options.days) * 86_400)) }
        self.windowStart = windowStart
        let inWindow = runs.filter { run in windowStart.map { run.startedAt >= $0 } ?? true }
        windowRuns = inWindow.filter { $0.status != RunStatus.skipped.rawValue }
        skippedInWindow = inWindow.count - windowRuns.count

        // Rejects by rule: the catalogue's report for every run; the same query over the scope's runs otherwise.
        var rejectGroups: [RejectGroup] = []
        if scopeIDs == nil {
            try ReportTable.forEachRow(report("rejects_by_rule"), in: connection, parameters: parameters) { rejectGroups.append(RejectGroup($0)) }
        } else {
            let columns = report("rejects_by_rule").columns.map(\.name)
            for row in try connection.rows(ReportCatalogue.rejectsByRuleSQL(runs: scoped("f.run")), [scopeParameter]) {
                let values = row.map { $0.integer.map(String.init) ?? $0.text }
                rejectGroups.append(RejectGroup(ReportTable.Row(columns: columns, values: values)))
            }
        }
        let rejectExamples = try connection.rows("""
            SELECT entity, rule, field, run, file, line, message, record FROM (
                SELECT r.entity, f.rule, coalesce(f.field, '') AS field, f.run, f.file, f.line, f.message, f.record, f.id,
                       row_number() OVER (PARTITION BY r.entity, f.rule, f.field ORDER BY f.run DESC, f.id) AS n
                FROM findings f JOIN runs r ON r.id = f.run
                WHERE f.rejected = 1 AND \(scoped("f.run")) AND \(RejectStatus.sql("f")) = 'outstanding'
            )
            WHERE n <= ?2
            ORDER BY entity, rule, field, n
            """, [scopeParameter, .integer(Int64(options.examples))])
        for index in rejectGroups.indices {
            let group = rejectGroups[index]
            rejectGroups[index].examples = rejectExamples
                .filter { $0[0].text == group.entity && $0[1].text == group.rule && ($0[2].text ?? "") == group.field }
                .map { Example(run: $0[3].integer ?? 0, place: Provenance.place(file: $0[4].text ?? "", line: $0[5].integer.map(Int.init),
                                                                                record: $0[7].integer.map(Int.init)),
                               message: $0[6].text ?? "") }
        }
        // Most outstanding first, then most rejected; ties in the catalogue's order.
        self.rejectGroups = rejectGroups.enumerated().sorted {
            ($0.element.outstanding, $0.element.rejects, $1.offset) > ($1.element.outstanding, $1.element.rejects, $0.offset)
        }.map(\.element)
        var rejectStatuses: [RejectStatus: Int] = [:]
        var outstandingByRun: [Int64: Int] = [:]
        for row in try connection.rows("""
            SELECT run, status, count(DISTINCT key) FROM (
                SELECT f.run, \(RejectStatus.sql("f")) AS status, \(RejectStatus.rowKey("f")) AS key
                FROM findings f WHERE f.rejected = 1 AND \(scoped("f.run"))
            )
            GROUP BY run, status ORDER BY run, status
            """, [scopeParameter]) {
            guard let run = row[0].integer, let status = row[1].text.flatMap(RejectStatus.init(rawValue:)) else { continue }
            let count = Int(row[2].integer ?? 0)
            rejectStatuses[status, default: 0] += count
            if status == .outstanding { outstandingByRun[run] = count }
        }
        self.rejectStatuses = rejectStatuses
        rejectTotal = rejectStatuses[.outstanding] ?? 0
        self.outstandingByRun = outstandingByRun

        // Conflicts by field.
        var conflictGroups = try connection.rows("""
            SELECT entity, field, rule, count(*), count(DISTINCT run), max(run)
            FROM conflicts WHERE \(scoped("run"))
            GROUP BY entity, field, rule
            ORDER BY count(*) DESC, entity, field, rule
            """, [scopeParameter]).map {
            ConflictGroup(entity: $0[0].text ?? "", field: $0[1].text ?? "", rule: $0[2].text ?? "",
                          conflicts: Int($0[3].integer ?? 0), runs: Int($0[4].integer ?? 0), lastRun: $0[5].integer ?? 0)
        }
        let conflictExamples = try connection.rows("""
            SELECT entity, field, rule, run, key, stored, incoming, source, message FROM (
                SELECT c.*, row_number() OVER (PARTITION BY entity, field, rule ORDER BY run DESC, id) AS n
                FROM conflicts c WHERE \(scoped("run"))
            )
            WHERE n <= ?2
            ORDER BY entity, field, rule, n
            """, [scopeParameter, .integer(Int64(options.examples))])
        for index in conflictGroups.indices {
            let group = conflictGroups[index]
            conflictGroups[index].examples = conflictExamples
                .filter { $0[0].text == group.entity && $0[1].text == group.field && $0[2].text == group.rule }
                .map { Example(run: $0[3].integer ?? 0, place: $0[4].text ?? "", message: $0[8].text ?? "") }
        }
        self.conflictGroups = conflictGroups
        conflictTotal = conflictGroups.reduce(0) { $0 + $1.conflicts }

        // Dangling references, grouped by entity, field and target (the report's own order).
        var dangling = Dangling()
        var danglingIndex: [String: Int] = [:]
        try ReportTable.forEachRow(report("dangling_references"), in: connection, parameters: parameters) { row in
            dangling.total += 1
            let entity = row["entity"] ?? "", field = row["field"] ?? "", target = row["target_entity"] ?? ""
            let key = entity + "\u{0}" + field + "\u{0}" + target
            let index: Int
            if let known = danglingIndex[key] {
                index = known
            } else {
                index = dangling.groups.count
                danglingIndex[key] = index
                dangling.groups.append(DanglingGroup(entity: entity, field: field, target: target))
            }
            dangling.groups[index].count += 1
            if dangling.groups[index].examples.count < options.examples {
                let value = row["value"] ?? "", display = row["display_value"] ?? ""
                let shown = display.isEmpty || display == value ? value : "\(value) (\(display))"
                dangling.groups[index].examples.append(Example(
                    run: Int64(row.integer("since_run")), place: row["record"] ?? "", message: "\(field) → \(target) \(shown)"))
            }
        }
        dangling.groups.sort { ($0.count, $1.entity, $1.field, $1.target) > ($1.count, $0.entity, $0.field, $0.target) }
        self.dangling = dangling

        // Resolution codes.
        violations = try ReportTable.read(report("resolution_consistency"), in: connection, parameters: parameters, limit: Self.violationLimit)
        var inconsistentByCode: [String: Int] = [:]
        try ReportTable.forEachRow(report("resolution_consistency"), in: connection, parameters: parameters) { row in
            inconsistentByCode[row["resolution_code"] ?? "", default: 0] += 1
        }
        let sql = ReportSQL(registry: catalogue.registry)
        let codeField = sql.column("c", "resolution_code", of: "case")
        let codeLabels = Self.choiceLabels(entity: "case", field: "resolution_code", registry: catalogue.registry)
        var casesWithoutCode = 0
        var codes: [ResolutionCode] = []
        for row in try connection.rows("""
            SELECT coalesce(\(codeField), ''), count(*) FROM \(sql.table("case")) c GROUP BY 1 ORDER BY 1
            """) {
            let code = row[0].text ?? "", count = Int(row[1].integer ?? 0)
            if code.isEmpty { casesWithoutCode = count; continue }
            codes.append(ResolutionCode(code: code, label: codeLabels[code] ?? code, cases: count, inconsistent: inconsistentByCode[code] ?? 0))
        }
        resolutionCodes = codes.sorted { ($0.cases, $1.code) > ($1.cases, $0.code) }
        self.casesWithoutCode = casesWithoutCode

        cmdbHealth = try ReportTable.read(report("cmdb_health"), in: connection, parameters: parameters)
        var missing: [String: [String: Int]] = [:]
        try ReportTable.forEachRow(report("cmdb_exceptions"), in: connection, parameters: parameters) { row in
            guard let fields = row["missing"], !fields.isEmpty else { return }
            for field in fields.split(separator: " ") { missing[row["sys_class_name"] ?? "", default: [:]][String(field), default: 0] += 1 }
        }
        missingByClass = missing.mapValues { counts in counts.map { (field: $0.key, cis: $0.value) }.sorted { ($0.cis, $1.field) > ($1.cis, $0.field) } }
        incidentMetrics = try ReportTable.read(report("incident_metrics"), in: connection, parameters: parameters)
        changeImpact = try ReportTable.read(report("change_impact"), in: connection, parameters: parameters, limit: Self.changeLimit)

        // Runs needing a person: committed with rejects or conflicts, or failed; unless a later
        // committed run names it as its parent (a rerun, or a fixed reject export fed back).
        var followedUp: [Int64: Int64] = [:]
        for row in try connection.rows("""
            SELECT parent_run, max(id) FROM runs WHERE parent_run IS NOT NULL AND status = 'committed' GROUP BY parent_run ORDER BY parent_run
            """) {
            if let parent = row[0].integer, let child = row[1].integer { followedUp[parent] = child }
        }
        self.followedUp = followedUp
        // A run's rejects need a person while some are outstanding, whether or not it was followed up.
        runsNeedingAction = runs.reversed().filter { run in
            if outstandingByRun[run.id] != nil { return true }
            guard followedUp[run.id] == nil else { return false }
            return run.isFailed || (run.status == RunStatus.committed.rawValue && run.conflicts > 0)
        }
    }

    /// A job's runs (every job run of it up to `jobRun`) that started within `days` before the
    /// newest of them; those of `jobRun` are new.
    static func jobScope(name: String, jobRun: Int64, days: Int, connection: Connection) throws
        -> (ids: Set<Int64>, job: JobContext, description: String) {
        let runs = try connection.rows("""
            SELECT r.id, r.started_at, r.job_run FROM runs r JOIN job_runs j ON j.id = r.job_run
            WHERE j.job = ?1 AND j.id <= ?2 ORDER BY r.id
            """, [.text(name), .integer(jobRun)]).map { (id: $0[0].integer ?? 0, startedAt: $0[1].text ?? "", jobRun: $0[2].integer ?? 0) }
        let newest = runs.map(\.startedAt).max()
        let start = newest.flatMap { date($0) }.map { Timestamp.format($0.addingTimeInterval(-Double(days) * 86_400)) }
        let ids = Set(runs.filter { run in start.map { run.startedAt >= $0 } ?? true }.map(\.id))
        let previous = try connection.rows("SELECT id, started_at FROM job_runs WHERE job = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
                                           [.text(name), .integer(jobRun)]).first.map { (id: $0[0].integer ?? 0, startedAt: $0[1].text ?? "") }
        let context = JobContext(job: name, jobRun: jobRun, previous: previous,
                                 newRuns: Set(runs.filter { $0.jobRun == jobRun }.map(\.id)))
        let description = "job \(name): its runs in the \(days) days up to job run \(jobRun)"
        return (ids, context, description)
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
