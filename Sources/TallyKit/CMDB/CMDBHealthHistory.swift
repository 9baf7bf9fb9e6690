import TallyStore
import TallyFormats
/// Keeps the CMDB's overall health as each run that changed it left it, so the steward page and
/// `cmdb_health_trend` show the trend over the last runs. Written inside the run's own transaction
/// (it commits, or rolls back, with the run); a run the store later rolls back drops out of the trend.
package enum CMDBHealthHistory {
    /// Whether a run of `entity` changes what CMDB health counts: CIs, and relationships between them.
    package static func tracks(_ entity: EntityDefinition, in registry: EntityRegistry) -> Bool {
        guard let ci = registry.entity(named: "ci") else { return false }
        if entity.name == ci.name { return true }
        let references = entity.fields.flatMap(\.type.referenceTargets)
        // A relationship: references to CIs alone (a task, which has a number, is no part of the CMDB).
        return entity.numberPrefix == nil && !references.isEmpty && references.allSatisfy { $0 == ci.name }
    }

    /// Records the health the store has now as run `run`'s (at the default stale days).
    package static func record(run: Int64, database: TallyDatabase) throws {
        let catalogue = database.registry == .standard ? ReportCatalogue.standard : ReportCatalogue(registry: database.registry)
        guard let health = catalogue.report(named: "cmdb_health"), let relationships = catalogue.report(named: "ci_relationship_health") else { return }
        var ci: [String: String] = [:], rel: [String: String] = [:]
        func first(_ report: ReportDefinition, into values: inout [String: String]) throws {
            var seen = false
            try report.forEachRow(in: database.connection, parameters: ReportParameters()) { row in
                guard !seen else { return }
                seen = true
                for (column, value) in zip(report.columns, row) { values[column.name] = value }
            }
        }
        try first(health, into: &ci)
        try first(relationships, into: &rel)
        func count(_ values: [String: String], _ key: String) -> SQLValue { .integer(Int64(values[key] ?? "") ?? 0) }
        try database.connection.run("""
            INSERT OR REPLACE INTO cmdb_health_history (run, as_of, cis, complete, duplicate, orphan, stale, relationships,
                relationship_duplicate, relationship_orphan, relationship_stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(run), (ci["as_of"] ?? rel["as_of"]).sqlValue, count(ci, "cis"), count(ci, "complete"), count(ci, "duplicate"),
                  count(ci, "orphan"), count(ci, "stale"), count(rel, "relationships"), count(rel, "duplicate"), count(rel, "orphan"),
                  count(rel, "stale")])
    }
}
