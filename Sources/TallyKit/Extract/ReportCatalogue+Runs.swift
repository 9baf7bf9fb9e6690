/// Reports on the store's own bookkeeping: runs, rejects, dangling references.
extension ReportCatalogue {
    static func runSummary(_ sql: ReportSQL) -> ReportDefinition {
        // `recovered` came after the report's columns were published; a feed's columns stay as they are.
        let counts = RunCounts.Field.allCases.filter { $0 != .recovered }.map(\.name)
        return ReportDefinition(
            name: "run_summary",
            summary: "Every run: kind, entity, source, status, times, inputs and counts.",
            columns: [
                ReportColumn("run", .integer), ReportColumn("kind"), ReportColumn("entity"), ReportColumn("source"),
                ReportColumn("status"), ReportColumn("parent_run", .integer), ReportColumn("started_at"), ReportColumn("finished_at"),
                ReportColumn("inputs", .integer),
            ] + counts.map { ReportColumn($0, .integer) },
            readsSkippedRuns: true,
            sql: """
                SELECT r.id, r.kind, r.entity, r.source, r.status, r.parent_run, r.started_at, r.finished_at,
                       (SELECT count(*) FROM run_inputs i WHERE i.run = r.id),
                       \(counts.map { "r.\($0)" }.joined(separator: ", "))
                FROM runs r
                ORDER BY r.id
                """)
    }

    /// Rows, not reasons: a row rejected for two rules counts once under each, and once in a
    /// group whatever its number of reasons there. Each row's ``RejectStatus`` splits the rejects.
    static func rejectsByRule(_ sql: ReportSQL) -> ReportDefinition {
        ReportDefinition(
            name: "rejects_by_rule",
            summary: "Rejected rows counted by entity, rule and field: outstanding, recovered by a later run, rejected again by one, or rolled back; with the runs they came from and one example message.",
            columns: [
                ReportColumn("entity"), ReportColumn("rule"), ReportColumn("field"), ReportColumn("rejects", .integer),
            ] + RejectStatus.allCases.map { ReportColumn($0.rawValue, .integer) } + [
                ReportColumn("runs", .integer), ReportColumn("first_run", .integer), ReportColumn("last_run", .integer),
                ReportColumn("example"),
            ],
            sql: rejectsByRuleSQL(runs: "1"))
    }

    /// `rejects_by_rule`'s query over the findings of the runs `runs` (an SQL condition on `f.run`)
    /// selects: the steward page groups a scope's rejects with it.
    static func rejectsByRuleSQL(runs condition: String) -> String {
        """
        SELECT entity, rule, field, count(*), \(RejectStatus.allCases.map { "sum(status = '\($0.rawValue)')" }.joined(separator: ", ")),
               count(DISTINCT run), min(run), max(run), min(message)
        FROM (
            SELECT r.entity, f.rule, f.field, f.run, min(f.message) AS message, \(RejectStatus.sql("f")) AS status
            FROM findings f JOIN runs r ON r.id = f.run
            WHERE f.rejected = 1 AND \(condition)
            GROUP BY r.entity, f.rule, f.field, \(RejectStatus.rowKey("f"))
        )
        GROUP BY entity, rule, field
        ORDER BY entity, rule, field
        """
    }

    static func danglingReferences(_ sql: ReportSQL) -> ReportDefinition {
        let keys = sql.registry.entities.map { entity in
            let key = EntityTable.quoted(sql.businessKey(of: entity.name))
            return "WHEN \(ReportSQL.literal(entity.name)) THEN (SELECT coalesce(\(key), \"sys_id\") FROM \(EntityTable(entity).name) WHERE _id = p.record)"
        }
        return ReportDefinition(
            name: "dangling_references",
            summary: "References still waiting for their target (pending, not resolved by any later run).",
            columns: [
                ReportColumn("entity"), ReportColumn("record"), ReportColumn("field"), ReportColumn("target_entity"),
                ReportColumn("value"), ReportColumn("display_value"), ReportColumn("since_run", .integer),
            ],
            sql: """
                SELECT entity, record, field, target_entity, raw_value, display_value, run FROM (
                    SELECT p.id, p.entity, CASE p.entity \(keys.joined(separator: " ")) END AS record,
                           p.field, p.target_entity, p.raw_value, p.display_value, p.run
                    FROM pending_references p
                    WHERE p.resolved_in_run IS NULL
                )
                ORDER BY entity, record, field, id
                """)
    }
}
