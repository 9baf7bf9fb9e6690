/// "CMDB health per CI class" (the whole store): `cmdb_health`, and per class how many
/// incomplete live CIs miss each field (from `cmdb_exceptions`), most missed first.
struct StewardReportCMDBQuery {
    var health: ReportTable
    var missingByClass: [String: [(field: String, cis: Int)]]

    init(_ query: StewardReportQuery) throws {
        let readings = try query.read("cmdb_health", "cmdb_exceptions")
        health = readings.table("cmdb_health")
        missingByClass = readings.missingByClass.mapValues { counts in
            counts.map { (field: $0.key, cis: $0.value) }.sorted { ($0.cis, $1.field) > ($1.cis, $0.field) }
        }
    }
}
