import TallyStore

/// "Service picture": incident metrics, cases by resolution code against its rule, and the
/// changes with the most impact (the whole store).
struct StewardReportServiceQuery {
    var incidentMetrics: ReportTable
    /// `resolution_consistency`, its first rows kept (``StewardReportData/violationLimit``), every row counted.
    var violations: ReportTable
    var resolutionCodes: [StewardReportData.ResolutionCode] = []
    var casesWithoutCode = 0
    /// `change_impact`, first rows kept (``StewardReportData/changeLimit``), every row counted.
    var changeImpact: ReportTable

    init(_ query: StewardReportQuery) throws {
        let connection = query.connection
        let readings = try query.read("resolution_consistency", "incident_metrics", "change_impact")
        violations = readings.table("resolution_consistency")
        let inconsistentByCode = readings.inconsistentByCode
        let registry = query.catalogue.registry
        let sql = ReportSQL(registry: registry)
        let codeField = sql.column("c", "resolution_code", of: "case")
        let codeLabels = StewardReportData.choiceLabels(entity: "case", field: "resolution_code", registry: registry)
        var codes: [StewardReportData.ResolutionCode] = []
        for row in try connection.rows("""
            SELECT coalesce(\(codeField), ''), count(*) FROM \(sql.table("case")) c GROUP BY 1 ORDER BY 1
            """) {
            let code = row[0].text ?? "", count = Int(row[1].integer ?? 0)
            if code.isEmpty { casesWithoutCode = count; continue }
            codes.append(.init(code: code, label: codeLabels[code] ?? code, cases: count, inconsistent: inconsistentByCode[code] ?? 0))
        }
        resolutionCodes = codes.sorted { ($0.cases, $1.code) > ($1.cases, $0.code) }
        incidentMetrics = readings.table("incident_metrics")
        changeImpact = readings.table("change_impact")
    }
}
