/// ITSM reports: incident metrics and the changes that caused incidents or cases.
extension ReportCatalogue {
    /// Incident states that are no longer backlog: Resolved, Closed, Canceled.
    static let incidentDoneStates = "6, 7, 8"

    /// The `percent`th percentile (0…100) of `seconds` within each (dimension, value) group of
    /// `ranked` (columns `rn`, 1-based rank by seconds, and `n`, the group's size), in hours with
    /// two decimals. Linear interpolation between closest ranks (the "R-7" / Excel PERCENTILE.INC
    /// definition: position 1 + p·(n−1)), computed with integer positions so it is exact.
    static func percentileHours(_ percent: Int) -> String {
        "printf('%.2f', \(interpolatedPercentile(percent, of: "seconds")) / 3600.0)"
    }

    /// The `percent`th percentile of `value` over `ranked`, unrounded (see ``percentileHours(_:)``).
    static func interpolatedPercentile(_ percent: Int, of value: String) -> String {
        let lower = "(1 + (\(percent) * (n - 1)) / 100)"
        let fraction = "(((\(percent) * (n - 1)) % 100) / 100.0)"
        let low = "max(CASE WHEN rn = \(lower) THEN \(value) END)"
        let high = "coalesce(max(CASE WHEN rn = \(lower) + 1 THEN \(value) END), \(low))"
        return "(\(low) + \(fraction) * (\(high) - \(low)))"
    }

    static func incidentMetrics(_ sql: ReportSQL) -> ReportDefinition {
        let i = { sql.column("i", $0, of: "incident") }
        // Each dimension is aggregated and ranked over the incidents once (not over a union of
        // three copies of them), and only the ranks the percentiles read are grouped: rank, name,
        // and the value an incident is counted under.
        let percentileRanks = [50, 90].flatMap { percent in [1, 2].map { "\($0) + (\(percent) * (m.n - 1)) / 100" } }.joined(separator: ", ")
        let dimensions = [(0, "all", "'all'"), (1, "priority", "coalesce(CAST(priority AS TEXT), '(none)')"),
                          (2, "assignment_group", "coalesce(nullif(assignment_group, ''), '(none)')")]
        return ReportDefinition(
            name: "incident_metrics",
            summary: "Incidents overall, per priority and per assignment group: opened, open backlog, resolved, median and p90 hours to resolve, SLA made %, reopen rate %.",
            columns: [
                ReportColumn("dimension"), ReportColumn("value"),
                ReportColumn("opened", .integer), ReportColumn("open_backlog", .integer), ReportColumn("resolved", .integer),
                ReportColumn("median_hours_to_resolve", .decimal), ReportColumn("p90_hours_to_resolve", .decimal),
                ReportColumn("sla_made_pct", .decimal), ReportColumn("reopen_rate_pct", .decimal),
            ],
            sql: """
                WITH incidents AS (
                    SELECT \(i("priority")) AS priority,
                           coalesce(nullif(\(i("assignment_group_display")), ''), \(i("assignment_group"))) AS assignment_group, \(i("state")) AS state,
                           \(i("resolved_at")) AS resolved_at, \(i("made_sla")) AS made_sla, \(i("reopen_count")) AS reopen_count,
                           CASE WHEN \(i("resolved_at")) IS NOT NULL AND \(i("opened_at")) IS NOT NULL
                                THEN CAST(strftime('%s', \(i("resolved_at"))) AS INTEGER) - CAST(strftime('%s', \(i("opened_at"))) AS INTEGER) END AS seconds
                    FROM \(sql.table("incident")) i
                ),
                measures AS (
                \(dimensions.map { rank, name, value in """
                    SELECT \(rank) AS rank, '\(name)' AS dimension, \(value) AS value, count(*) AS opened,
                           sum(CASE WHEN state IN (\(incidentDoneStates)) THEN 0 ELSE 1 END) AS backlog, sum(resolved_at IS NOT NULL) AS resolved,
                           sum(made_sla = 1) AS made, sum(made_sla IS NOT NULL) AS known, sum(coalesce(reopen_count, 0) > 0) AS reopened,
                           sum(seconds IS NOT NULL) AS n
                    FROM incidents GROUP BY 3
                """ }.joined(separator: "    UNION ALL\n"))
                ),
                ranked AS (
                \(dimensions.map { _, name, value in """
                    SELECT '\(name)' AS dimension, \(value) AS value, seconds, row_number() OVER (PARTITION BY \(value) ORDER BY seconds) AS rn
                    FROM incidents WHERE seconds IS NOT NULL
                """ }.joined(separator: "    UNION ALL\n"))
                ),
                percentiles AS (
                    SELECT r.dimension, r.value, \(percentileHours(50)) AS median, \(percentileHours(90)) AS p90
                    FROM ranked r JOIN measures m ON m.dimension = r.dimension AND m.value = r.value
                    WHERE r.rn IN (\(percentileRanks))
                    GROUP BY r.dimension, r.value
                )
                SELECT m.dimension, m.value, m.opened, m.backlog, m.resolved, p.median, p.p90,
                       \(ReportSQL.percent("m.made", of: "m.known")), \(ReportSQL.percent("m.reopened", of: "m.opened"))
                FROM measures m LEFT JOIN percentiles p ON p.dimension = m.dimension AND p.value = m.value
                ORDER BY m.rank, m.value
                """)
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
