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
        let readings = try query.read("cmdb_health", "cmdb_exceptions", "ci_relationship_health", "cmdb_health_trend", "ci_duplicates")
        health = readings.table("cmdb_health")
        relationships = readings.table("ci_relationship_health")
        trend = readings.table("cmdb_health_trend")
        duplicatePairs = readings.table("ci_duplicates").total
        missingByClass = readings.missingByClass.mapValues { counts in
            counts.map { (field: $0.key, cis: $0.value) }.sorted { ($0.cis, $1.field) > ($1.cis, $0.field) }
        }
    }
}
