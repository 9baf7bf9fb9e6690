/// Service reports around the tasks: SLA attainment, the fulfilment chain of each case, and the
/// use of knowledge articles.
extension ReportCatalogue {
    /// The windows `sla_attainment` counts over, in days before its `as_of`.
    static let slaWindows = [30, 90]

    static func slaAttainment(_ sql: ReportSQL) -> ReportDefinition {
        // The task's entity is the one whose table holds it; a task in none (a pending reference) is "(unresolved)".
        let attainment = SLAAttainment(sql)
        return ReportDefinition(
            name: "sla_attainment",
            summary: "Task SLAs per window (30d, 90d of start_time up to as_of, the newest start_time), task type, task priority and SLA definition: met, breached, breach rate % of those decided, median and p90 business elapsed %.",
            columns: [
                ReportColumn("window"), ReportColumn("task_type"), ReportColumn("priority", .integer), ReportColumn("sla_definition"),
                ReportColumn("task_slas", .integer), ReportColumn("tasks", .integer), ReportColumn("met", .integer),
                ReportColumn("breached", .integer), ReportColumn("in_progress", .integer), ReportColumn("cancelled", .integer),
                ReportColumn("breach_rate_pct", .decimal), ReportColumn("median_business_pct", .decimal),
                ReportColumn("p90_business_pct", .decimal), ReportColumn("as_of", .datetime),
            ],
            sql: attainment.rowsSQL,
            rows: { connection, _, body in try attainment.rows(connection, body) })
    }

    /// `NUMBER State (opened …, resolved …, closed …)`: a record of a case's chain in one column.
    private static func chainText(_ sql: ReportSQL, _ alias: String, of entity: String) -> String {
        let column = { sql.column(alias, $0, of: entity) }
        let resolved = sql.entity(entity).field(named: "resolved_at") != nil ? "coalesce(', resolved ' || \(column("resolved_at")), '') || " : ""
        return "\(column("number")) || ' ' || \(sql.label(column("state"), field: "state", of: entity)) || ' (opened ' || "
            + "coalesce(\(column("opened_at")), '?') || \(resolved)coalesce(', closed ' || \(column("closed_at")), '') || ')'"
    }

    /// Whether the record `alias` is still open: neither resolved nor closed.
    private static func isOpen(_ sql: ReportSQL, _ alias: String, of entity: String) -> String {
        let resolved = sql.entity(entity).field(named: "resolved_at") != nil ? " AND \(sql.column(alias, "resolved_at", of: entity)) IS NULL" : ""
        return "(\(sql.column(alias, "closed_at", of: entity)) IS NULL\(resolved))"
    }

    static func caseFulfilment(_ sql: ReportSQL) -> ReportDefinition {
        let c = { sql.column("c", $0, of: "case") }
        let w = { sql.column("w", $0, of: "work_order") }
        let t = { sql.column("t", $0, of: "work_task") }
        let related = [("i", "incident", "incident"), ("p", "problem", "problem"), ("ch", "change_request", "change")]
        let workOrder = "JOIN \(sql.table("work_order")) w ON w._id = x.wo_id"
        let ciName = sql.column("ci", "name", of: "ci")
        return ReportDefinition(
            name: "case_fulfilment",
            summary: "One row per case with its chain: its incident, problem and change, the work orders raised from it or its incident, their tasks, the CIs and assets they touched (each `NUMBER State (opened …, closed …)`), hours from case opened to the last work order closed (empty while one is open), and whether a record of the chain is still open.",
            columns: [
                ReportColumn("case_number"), ReportColumn("case_state"), ReportColumn("priority", .integer),
                ReportColumn("opened_at", .datetime), ReportColumn("resolved_at", .datetime), ReportColumn("closed_at", .datetime),
                ReportColumn("incident"), ReportColumn("problem"), ReportColumn("change"),
                ReportColumn("work_orders", .integer), ReportColumn("work_order_chain"),
                ReportColumn("work_tasks", .integer), ReportColumn("work_task_chain"),
                ReportColumn("cis_touched"), ReportColumn("assets_touched"),
                ReportColumn("last_work_order_closed_at", .datetime), ReportColumn("elapsed_hours", .decimal),
                ReportColumn("open_chain", .boolean),
            ],
            sql: """
                WITH wo AS (
                    SELECT c._id AS case_id, w._id AS wo_id
                    FROM \(sql.table("case")) c JOIN \(sql.table("work_order")) w ON \(sql.refers(w("initiated_from"), to: "c", of: "case"))
                    UNION
                    SELECT c._id, w._id
                    FROM \(sql.table("case")) c JOIN \(sql.table("incident")) i ON \(sql.refers(c("incident"), to: "i", of: "incident"))
                    JOIN \(sql.table("work_order")) w ON \(sql.refers(w("initiated_from"), to: "i", of: "incident"))
                ),
                items AS (
                    SELECT DISTINCT x.case_id, 1 AS kind, \(chainText(sql, "w", of: "work_order")) AS text FROM wo x \(workOrder)
                    UNION
                    SELECT x.case_id, 2, \(chainText(sql, "t", of: "work_task")) FROM wo x \(workOrder)
                    JOIN \(sql.table("work_task")) t ON \(sql.refers(t("parent"), to: "w", of: "work_order"))
                    UNION
                    SELECT x.case_id, 3, coalesce(\(ciName), \(w("cmdb_ci"))) FROM wo x \(workOrder)
                    LEFT JOIN \(sql.table("ci")) ci ON \(sql.refers(w("cmdb_ci"), to: "ci", of: "ci")) WHERE nullif(\(w("cmdb_ci")), '') IS NOT NULL
                    UNION
                    SELECT x.case_id, 3, coalesce(\(ciName), \(t("cmdb_ci"))) FROM wo x \(workOrder)
                    JOIN \(sql.table("work_task")) t ON \(sql.refers(t("parent"), to: "w", of: "work_order"))
                    LEFT JOIN \(sql.table("ci")) ci ON \(sql.refers(t("cmdb_ci"), to: "ci", of: "ci")) WHERE nullif(\(t("cmdb_ci")), '') IS NOT NULL
                    UNION
                    SELECT x.case_id, 4, coalesce(nullif(\(w("asset_display")), ''), \(w("asset"))) FROM wo x \(workOrder)
                    WHERE coalesce(nullif(\(w("asset_display")), ''), nullif(\(w("asset")), '')) IS NOT NULL
                ),
                lists AS (
                    SELECT DISTINCT case_id, kind, count(*) OVER (PARTITION BY case_id, kind) AS n,
                           \(ReportSQL.orderedList("text", partition: "case_id, kind", separator: "; ")) AS texts
                    FROM items
                ),
                work AS (
                    SELECT x.case_id, sum(\(isOpen(sql, "w", of: "work_order"))) AS open_orders, max(\(w("closed_at"))) AS last_closed
                    FROM wo x \(workOrder)
                    GROUP BY x.case_id
                ),
                tasks AS (
                    SELECT x.case_id, sum(\(isOpen(sql, "t", of: "work_task"))) AS open_tasks
                    FROM wo x \(workOrder) JOIN \(sql.table("work_task")) t ON \(sql.refers(t("parent"), to: "w", of: "work_order"))
                    GROUP BY x.case_id
                )
                SELECT \(c("number")), \(sql.label(c("state"), field: "state", of: "case")), \(c("priority")),
                       \(c("opened_at")), \(c("resolved_at")), \(c("closed_at")),
                       \(related.map { alias, _, entity in "CASE WHEN \(alias)._id IS NOT NULL THEN \(chainText(sql, alias, of: entity)) END" }.joined(separator: ", ")),
                       coalesce(lw.n, 0), lw.texts, coalesce(lt.n, 0), lt.texts, lc.texts, la.texts,
                       CASE WHEN work.open_orders = 0 THEN work.last_closed END,
                       CASE WHEN work.open_orders = 0 AND \(c("opened_at")) IS NOT NULL
                            THEN printf('%.2f', (julianday(work.last_closed) - julianday(\(c("opened_at")))) * 24) END,
                       CASE WHEN \(isOpen(sql, "c", of: "case")) OR coalesce(work.open_orders, 0) + coalesce(tasks.open_tasks, 0) > 0
                            \(related.map { alias, _, entity in "OR (\(alias)._id IS NOT NULL AND \(isOpen(sql, alias, of: entity)))" }.joined(separator: " "))
                            THEN 'true' ELSE 'false' END
                FROM \(sql.table("case")) c
                \(related.map { alias, field, entity in "LEFT JOIN \(sql.table(entity)) \(alias) ON \(sql.refers(c(field), to: alias, of: entity))" }.joined(separator: "\n"))
                LEFT JOIN work ON work.case_id = c._id
                LEFT JOIN tasks ON tasks.case_id = c._id
                LEFT JOIN lists lw ON lw.case_id = c._id AND lw.kind = 1
                LEFT JOIN lists lt ON lt.case_id = c._id AND lt.kind = 2
                LEFT JOIN lists lc ON lc.case_id = c._id AND lc.kind = 3
                LEFT JOIN lists la ON la.case_id = c._id AND la.kind = 4
                ORDER BY \(c("number")), \(c("sys_id")), c._id
                """)
    }

    static func knowledgeUse(_ sql: ReportSQL) -> ReportDefinition {
        let k = { sql.column("k", $0, of: "knowledge") }
        let m = { sql.column("m", $0, of: "kb_citation") }
        let retired = ReportSQL.literal(sql.entity("knowledge").retireRule?.value ?? "retired")
        return ReportDefinition(
            name: "knowledge_use",
            summary: "Per knowledge base and workflow state: articles, articles cited, citations (by incidents, by cases), and the retired or expired (valid_to before as_of, the newest knowledge time) articles still cited, with their numbers.",
            columns: [
                ReportColumn("knowledge_base"), ReportColumn("workflow_state"), ReportColumn("articles", .integer),
                ReportColumn("articles_cited", .integer), ReportColumn("citations", .integer),
                ReportColumn("citations_by_incidents", .integer), ReportColumn("citations_by_cases", .integer),
                ReportColumn("retired_or_expired_cited", .integer), ReportColumn("retired_or_expired_numbers"),
                ReportColumn("as_of", .datetime),
            ],
            sql: """
                WITH as_of AS (
                    SELECT max(t) AS as_of FROM (
                        SELECT max(\(k("sys_updated_on"))) AS t FROM \(sql.table("knowledge")) k
                        UNION ALL SELECT max(\(m("sys_created_on"))) FROM \(sql.table("kb_citation")) m)
                ),
                cited AS (
                    SELECT k._id AS article, count(*) AS citations,
                           sum(i._id IS NOT NULL) AS by_incidents, sum(c._id IS NOT NULL) AS by_cases
                    FROM \(sql.table("knowledge")) k JOIN \(sql.table("kb_citation")) m ON \(sql.refers(m("kb_knowledge"), to: "k", of: "knowledge"))
                    LEFT JOIN \(sql.table("incident")) i ON \(sql.refers(m("task"), to: "i", of: "incident"))
                    LEFT JOIN \(sql.table("case")) c ON \(sql.refers(m("task"), to: "c", of: "case"))
                    GROUP BY k._id
                ),
                articles AS (
                    SELECT coalesce(nullif(\(k("kb_knowledge_base_display")), ''), nullif(\(k("kb_knowledge_base")), ''), '(none)') AS base,
                           coalesce(\(k("workflow_state")), '(none)') AS state, \(k("number")) AS number,
                           coalesce(d.citations, 0) AS citations, coalesce(d.by_incidents, 0) AS by_incidents, coalesce(d.by_cases, 0) AS by_cases,
                           (d.citations > 0 AND (\(k("workflow_state")) = \(retired) OR \(k("valid_to")) < a.as_of)) AS flagged
                    FROM \(sql.table("knowledge")) k CROSS JOIN as_of a LEFT JOIN cited d ON d.article = k._id
                ),
                flagged AS (
                    SELECT DISTINCT base, state, \(ReportSQL.orderedList("number", partition: "base, state")) AS numbers
                    FROM articles WHERE flagged
                )
                SELECT a.base, a.state, count(*), sum(a.citations > 0), sum(a.citations), sum(a.by_incidents), sum(a.by_cases),
                       sum(coalesce(a.flagged, 0)), f.numbers, (SELECT as_of FROM as_of)
                FROM articles a LEFT JOIN flagged f ON f.base = a.base AND f.state = a.state
                GROUP BY a.base, a.state
                ORDER BY a.base, a.state
                """)
    }
}
