/// "CMDB health per CI class" (the whole store): `cmdb_health`, and per class how many
/// incomplete live CIs miss each field (from `cmdb_exceptions`), most missed first; the
/// relationships (`ci_relationship_health`), the trend (`cmdb_health_trend`) and how many
/// `ci_duplicates` pairs wait for a steward.
struct StewardReportCMDBQuery {
    var health: ReportTable
    var missingByClass: [String: [(field: String, cis: Int)]]
    var relationships: ReportTable
    var trend: ReportTable
    var duplicatePairs: Int

    init(_ query: StewardReportQuery) throws {
        health = try ReportTable.read(query.report("cmdb_health"), in: query.connection, parameters: query.parameters)
        relationships = try ReportTable.read(query.report("ci_relationship_health"), in: query.connection, parameters: query.parameters)
        trend = try ReportTable.read(query.report("cmdb_health_trend"), in: query.connection, parameters: query.parameters)
        duplicatePairs = try ReportTable.read(query.report("ci_duplicates"), in: query.connection, parameters: query.parameters, limit: 0).total
        var missing: [String: [String: Int]] = [:]
        try ReportTable.forEachRow(query.report("cmdb_exceptions"), in: query.connection, parameters: query.parameters) { row in
            guard let fields = row["missing"], !fields.isEmpty else { return }
            for field in fields.split(separator: " ") { missing[row["sys_class_name"] ?? "", default: [:]][String(field), default: 0] += 1 }
        }
        missingByClass = missing.mapValues { counts in
            counts.map { (field: $0.key, cis: $0.value) }.sorted { ($0.cis, $1.field) > ($1.cis, $0.field) }
        }
    }
}
