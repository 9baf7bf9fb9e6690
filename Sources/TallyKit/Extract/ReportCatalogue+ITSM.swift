/// ITSM reports: incident metrics and the changes that caused incidents or cases.
extension ReportCatalogue {
    /// Incident states that are no longer backlog: Resolved, Closed, Canceled.
    static let incidentDoneStates = "6, 7, 8"

    static func incidentMetrics(_ sql: ReportSQL) -> ReportDefinition {
        let rowsSQL = IncidentMetrics.rowsSQL(sql)
        return ReportDefinition(
            name: "incident_metrics",
            summary: "Incidents overall, per priority and per assignment group: opened, open backlog, resolved, median and p90 hours to resolve, SLA made %, reopen rate %.",
            columns: [
                ReportColumn("dimension"), ReportColumn("value"),
                ReportColumn("opened", .integer), ReportColumn("open_backlog", .integer), ReportColumn("resolved", .integer),
                ReportColumn("median_hours_to_resolve", .decimal), ReportColumn("p90_hours_to_resolve", .decimal),
                ReportColumn("sla_made_pct", .decimal), ReportColumn("reopen_rate_pct", .decimal),
            ],
            sql: rowsSQL,
            rows: { connection, _, body in try IncidentMetrics.rows(connection, sql: rowsSQL, body) })
    }

    static func changeImpact(_ sql: ReportSQL) -> ReportDefinition {
        let ch = { sql.column("ch", $0, of: "change") }
        let causes = ["incident", "case"].map { entity in
            """
            SELECT ch._id AS change_id, \(ReportSQL.literal(entity)) AS kind, \(sql.column("x", "number", of: entity)) AS number
            FROM \(sql.table(entity)) x JOIN \(sql.table("change")) ch ON \(sql.refers(sql.column("x", "caused_by", of: entity), to: "ch", of: "change"))
            """
        }
        return ReportDefinition(
            name: "change_impact",
            summary: "Changes that caused incidents or cases (caused_by), with counts and numbers.",
            columns: [
                ReportColumn("change_number"), ReportColumn("type"), ReportColumn("state", .integer), ReportColumn("risk", .integer),
                ReportColumn("incidents_caused", .integer), ReportColumn("incident_numbers"),
                ReportColumn("cases_caused", .integer), ReportColumn("case_numbers"),
            ],
            sql: """
                WITH caused AS (
                \(causes.joined(separator: "\nUNION ALL\n"))
                ),
                lists AS (
                    SELECT DISTINCT change_id, kind, count(*) OVER (PARTITION BY change_id, kind) AS n,
                           \(ReportSQL.orderedList("number", partition: "change_id, kind")) AS numbers
                    FROM caused
                )
                SELECT \(ch("number")), \(ch("type")), \(ch("state")), \(ch("risk")),
                       coalesce(li.n, 0), li.numbers, coalesce(lc.n, 0), lc.numbers
                FROM \(sql.table("change")) ch
                LEFT JOIN lists li ON li.change_id = ch._id AND li.kind = 'incident'
                LEFT JOIN lists lc ON lc.change_id = ch._id AND lc.kind = 'case'
                WHERE li.n > 0 OR lc.n > 0
                ORDER BY \(ch("number")), \(ch("sys_id")), ch._id
                """)
    }
}
