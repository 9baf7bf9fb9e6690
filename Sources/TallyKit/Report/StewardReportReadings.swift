/// What the steward page keeps of the catalogue reports it shows, gathered row by row: first
/// rows, counts and per-group tallies, never the whole of a report that grows with the store.
///
/// A job hands it to its extracts (``ReportRowObserver``), so each report the job writes is
/// computed once and the page reads the same results; a report no extract computed (not in the
/// job's list, reused, or a page on its own) is read here by its own query.
package final class StewardReportReadings: ReportRowObserver {
    let catalogue: ReportCatalogue
    let parameters: ReportParameters
    /// Examples kept per dangling-reference group.
    let examples: Int
    /// The reports every row of which has been seen.
    private(set) var complete: Set<String> = []
    private var tables: [String: ReportTable] = [:]
    /// Per CI class, how many incomplete live CIs miss each field (`cmdb_exceptions`).
    private(set) var missingByClass: [String: [String: Int]] = [:]
    /// `resolution_consistency` rows per resolution code.
    private(set) var inconsistentByCode: [String: Int] = [:]
    /// `dangling_references` by entity, field and target, in first-seen order.
    private(set) var dangling = StewardReportData.Dangling()
    private var danglingIndex: [String: Int] = [:]

    /// Rows kept of each report the page reads (the others are only tallied).
    static let kept: [String: Int] = [
        "run_summary": .max, "rejects_by_rule": .max, "cmdb_health": .max, "incident_metrics": .max,
        "resolution_consistency": StewardReportData.violationLimit, "change_impact": StewardReportData.changeLimit,
        "cmdb_exceptions": 0, "dangling_references": 0,
    ]

    package init(catalogue: ReportCatalogue = .standard, parameters: ReportParameters = ReportParameters(), examples: Int = 3) {
        self.catalogue = catalogue
        self.parameters = parameters
        self.examples = examples
    }

    /// Whether these readings serve a page with `catalogue`, `parameters` and `examples`.
    func serves(catalogue: ReportCatalogue, parameters: ReportParameters, examples: Int) -> Bool {
        self.parameters == parameters && self.examples == examples
            && catalogue.reports.map(\.sql) == self.catalogue.reports.map(\.sql)
    }

    /// `report`'s kept rows and count (see ``kept``).
    func table(_ report: String) -> ReportTable {
        precondition(complete.contains(report), "\(report) was not read")
        return tables[report]!
    }

    /// Reads each of `reports` that no extract fed, by its own query.
    func fill(_ reports: [ReportDefinition], in connection: Connection) throws {
        for report in reports where !complete.contains(report.name) {
            reset(report)
            try report.forEachRow(in: connection, parameters: parameters) { observe(report, row: $0) }
            finished(report)
        }
    }

    package func wants(_ report: ReportDefinition, parameters: ReportParameters) -> Bool {
        Self.kept[report.name] != nil && parameters == self.parameters && catalogue.report(named: report.name)?.sql == report.sql
    }

    package func observe(_ report: ReportDefinition, row values: [String?]) {
        if tables[report.name] == nil { tables[report.name] = ReportTable(columns: report.columns.map(\.name)) }
        let row = ReportTable.Row(columns: tables[report.name]!.columns, values: values)
        tables[report.name]!.append(row, keeping: Self.kept[report.name] ?? 0)
        switch report.name {
        case "cmdb_exceptions":
            guard let fields = row["missing"], !fields.isEmpty else { return }
            for field in fields.split(separator: " ") { missingByClass[row["sys_class_name"] ?? "", default: [:]][String(field), default: 0] += 1 }
        case "resolution_consistency":
            inconsistentByCode[row["resolution_code"] ?? "", default: 0] += 1
        case "dangling_references":
            tallyDangling(row)
        default:
            break
        }
    }

    package func finished(_ report: ReportDefinition) {
        if tables[report.name] == nil { tables[report.name] = ReportTable(columns: report.columns.map(\.name)) }
        complete.insert(report.name)
    }

    /// Forgets what an interrupted reading of `report` gathered.
    private func reset(_ report: ReportDefinition) {
        tables[report.name] = nil
        switch report.name {
        case "cmdb_exceptions": missingByClass = [:]
        case "resolution_consistency": inconsistentByCode = [:]
        case "dangling_references": (dangling, danglingIndex) = (StewardReportData.Dangling(), [:])
        default: break
        }
    }

    private func tallyDangling(_ row: ReportTable.Row) {
        dangling.total += 1
        let entity = row["entity"] ?? "", field = row["field"] ?? "", target = row["target_entity"] ?? ""
        let key = entity + "\u{0}" + field + "\u{0}" + target
        let group: Int
        if let known = danglingIndex[key] {
            group = known
        } else {
            group = dangling.groups.count
            danglingIndex[key] = group
            dangling.groups.append(StewardReportData.DanglingGroup(entity: entity, field: field, target: target))
        }
        dangling.groups[group].count += 1
        if dangling.groups[group].examples.count < examples {
            let value = row["value"] ?? "", display = row["display_value"] ?? ""
            let shown = display.isEmpty || display == value ? value : "\(value) (\(display))"
            dangling.groups[group].examples.append(StewardReportData.Example(
                run: Int64(row.integer("since_run")), place: row["record"] ?? "", message: "\(field) → \(target) \(shown)"))
        }
    }
}

extension StewardReportQuery {
    /// The page's readings with each of `reports` read: from the page's shared readings (fed by a
    /// job's extracts where it wrote them), else from fresh ones.
    func read(_ reports: String...) throws -> StewardReportReadings {
        let readings = self.readings ?? StewardReportReadings(catalogue: catalogue, parameters: parameters, examples: examples)
        try readings.fill(reports.map(report), in: connection)
        return readings
    }
}
