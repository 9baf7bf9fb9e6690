import Foundation
import TallyStore
import TallyFormats

/// What the steward page keeps of the catalogue reports it shows, gathered row by row: first
/// rows, counts and per-group tallies, never the whole of a report that grows with the store.
///
/// A job hands it to its extracts (``ReportRowObserver``), so each report the job writes is
/// computed once and the page reads the same results; a report no extract computed (not in the
/// job's list, reused, or a page on its own) is read here by its own query — or, when the store
/// kept this reading under the same inputs (`report_readings`, saved by a writer such as a job),
/// taken from there: a night that brought nothing new computes no report for its page.
package final class StewardReportReadings: ReportRowObserver {
    let catalogue: ReportCatalogue
    let parameters: ReportParameters
    /// Examples kept per dangling-reference group.
    let examples: Int
    /// The reports every row of which has been seen.
    private(set) var complete: Set<String> = []
    /// The reports read from, or saved to, the store's `report_readings`.
    private(set) var restored: Set<String> = []
    private var saved: Set<String> = []
    private var tables: [String: ReportTable] = [:]
    /// Per CI class, how many incomplete live CIs miss each field (`cmdb_exceptions`).
    private(set) var missingByClass: [String: [String: Int]] = [:]
    /// `resolution_consistency` rows per resolution code.
    private(set) var inconsistentByCode: [String: Int] = [:]
    /// `dangling_references` by entity, field and target, in first-seen order.
    private(set) var dangling = StewardReportData.Dangling()
    private var danglingIndex: [String: Int] = [:]
    /// `case_fulfilment` rows whose chain is still open, the oldest cases first: at most
    /// ``StewardReportData/chainLimit`` kept, every one counted.
    private(set) var openChains = ReportTable(columns: [])

    /// Rows kept of each report the page reads (the others are only tallied).
    static let kept: [String: Int] = [
        "run_summary": .max, "rejects_by_rule": .max, "cmdb_health": .max, "incident_metrics": .max,
        "resolution_consistency": StewardReportData.violationLimit, "change_impact": StewardReportData.changeLimit,
        "cmdb_exceptions": 0, "dangling_references": 0,
        "ci_relationship_health": .max, "cmdb_health_trend": .max, "ci_duplicates": 0,
        "sla_attainment": .max, "case_fulfilment": 0,
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

    /// Reads each of `reports` that no extract fed: from the store's kept reading under the same
    /// inputs, else by its own query; keeps what it read in the store when it may write.
    func fill(_ reports: [ReportDefinition], in connection: Connection) throws {
        let pending = reports.filter { !saved.contains($0.name) && (!complete.contains($0.name) || !connection.isReadOnly) }
        guard !pending.isEmpty else { return }
        let watermark = try StoreWatermark(connection)
        for report in pending {
            let inputs = StoreWatermark.digest([watermark.rowsDigest(of: .report(report), parameters: parameters),
                                                String(examples), String(Self.storedFormat)])
            if !complete.contains(report.name) {
                // A store opened read-only is not migrated: one older than `report_readings` has nothing kept.
                if let text = (try? connection.scalar("SELECT reading FROM report_readings WHERE report = ?1 AND inputs_sha256 = ?2",
                                                      [.text(report.name), .text(inputs)]))?.text,
                   let stored = try? JSONDecoder().decode(Stored.self, from: Data(text.utf8)) {
                    restore(report, from: stored)
                    restored.insert(report.name)
                    saved.insert(report.name)
                    continue
                }
                reset(report)
                try report.forEachRow(in: connection, parameters: parameters) { observe(report, row: $0) }
                finished(report)
            }
            // run_summary changes with every run, skipped ones too: not worth keeping.
            guard !connection.isReadOnly, !report.readsSkippedRuns else { continue }
            let json = String(decoding: try JSONEncoder().encode(stored(report)), as: UTF8.self)
            try connection.run("INSERT OR REPLACE INTO report_readings (report, inputs_sha256, reading) VALUES (?1, ?2, ?3)",
                               [.text(report.name), .text(inputs), .text(json)])
            saved.insert(report.name)
        }
    }

    /// Bumped when what a reading keeps changes, so kept readings of the old shape are not used.
    static let storedFormat = 1

    /// A reading as the store keeps it.
    private struct Stored: Codable {
        struct Example: Codable { var run: Int64; var place: String; var message: String }
        struct Group: Codable { var entity, field, target: String; var count: Int; var examples: [Example] }
        var total: Int
        var rows: [[String?]]
        var missingByClass: [String: [String: Int]]?
        var inconsistentByCode: [String: Int]?
        var danglingTotal: Int?
        var danglingGroups: [Group]?
        var openChainTotal: Int?
        var openChains: [[String?]]?
    }

    private func stored(_ report: ReportDefinition) -> Stored {
        let table = tables[report.name]!
        var stored = Stored(total: table.total, rows: table.rows.map(\.values))
        switch report.name {
        case "cmdb_exceptions": stored.missingByClass = missingByClass
        case "resolution_consistency": stored.inconsistentByCode = inconsistentByCode
        case "dangling_references":
            stored.danglingTotal = dangling.total
            stored.danglingGroups = dangling.groups.map { group in
                Stored.Group(entity: group.entity, field: group.field, target: group.target, count: group.count,
                             examples: group.examples.map { Stored.Example(run: $0.run, place: $0.place, message: $0.message) })
            }
        case "case_fulfilment":
            stored.openChainTotal = openChains.total
            stored.openChains = openChains.rows.map(\.values)
        default: break
        }
        return stored
    }

    private func restore(_ report: ReportDefinition, from stored: Stored) {
        reset(report)
        let columns = report.columns.map(\.name)
        var table = ReportTable(columns: columns, rows: stored.rows.map { ReportTable.Row(columns: columns, values: $0) })
        table.total = stored.total
        tables[report.name] = table
        if let missing = stored.missingByClass { missingByClass = missing }
        if let codes = stored.inconsistentByCode { inconsistentByCode = codes }
        if let rows = stored.openChains {
            openChains = ReportTable(columns: columns, rows: rows.map { ReportTable.Row(columns: columns, values: $0) })
            openChains.total = stored.openChainTotal ?? rows.count
        }
        if let groups = stored.danglingGroups {
            dangling.total = stored.danglingTotal ?? 0
            dangling.groups = groups.map { group in
                StewardReportData.DanglingGroup(entity: group.entity, field: group.field, target: group.target, count: group.count,
                                                examples: group.examples.map { StewardReportData.Example(run: $0.run, place: $0.place, message: $0.message) })
            }
        }
        complete.insert(report.name)
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
        case "case_fulfilment":
            keepIfOpen(row)
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
        case "case_fulfilment": openChains = ReportTable(columns: report.columns.map(\.name))
        default: break
        }
    }

    /// Counts a case whose chain is open, keeping it among the oldest (by opened_at, then number).
    private func keepIfOpen(_ row: ReportTable.Row) {
        guard row["open_chain"] == "true" else { return }
        func key(_ row: ReportTable.Row) -> (String, String) { (row["opened_at"] ?? "", row["case_number"] ?? "") }
        var rows = openChains.rows
        let at = rows.firstIndex { key(row) < key($0) } ?? rows.count
        rows.insert(row, at: at)
        let total = openChains.total + 1
        openChains = ReportTable(columns: row.columns, rows: Array(rows.prefix(StewardReportData.chainLimit)))
        openChains.total = total
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
