import Foundation
import TallyStore
import TallyFormats

/// CMDB health: completeness, duplicates, orphans and stale CIs, per class and per CI.
extension ReportCatalogue {
    /// One row per live (not retired) CI with its checks: `missing` (attributes, space-separated),
    /// `duplicate_on`, `orphan`, `stale`, `last_seen`, and `as_of`, the CMDB's own newest time.
    ///
    /// Stale is measured from `as_of` — the newest `last_discovered` or `sys_updated_on` of any
    /// CI — not from the wall clock, so the same store always gives the same report. Takes `?1`,
    /// the stale days, `?2`, the days of the classes that have their own (a JSON object), and `?3`,
    /// the CIs in a `ci_duplicates` pair (a JSON array of store ids, see
    /// ``withDuplicateCandidates(_:registry:)``): duplicates are by the identification rules
    /// (name+class, serial) and by those candidates.
    static func ciChecksCTE(_ sql: ReportSQL) -> String {
        let ci = sql.entity("ci")
        let col = { sql.column("ci", $0, of: "ci") }
        func blank(_ expression: String) -> String { "(\(expression) IS NULL OR CAST(\(expression) AS TEXT) = '')" }
        var missing: [String] = []
        let required = ci.fields.filter(\.required).map(\.name)
        for field in required { missing.append("CASE WHEN \(blank(col(field))) THEN '\(field) ' ELSE '' END") }
        for recommended in ci.recommendedFields {
            let (classes, fields) = (recommended.classes, recommended.fields)
            let scope = classes.map { " AND \(col("sys_class_name")) IN (\($0.map(ReportSQL.literal).joined(separator: ", ")))" } ?? ""
            for field in fields where !required.contains(field) {
                // A reference known only by its display value (a list export's `Ann Lee`) is present.
                let display = ci.field(named: field)?.displayField.map { " AND \(blank(col($0)))" } ?? ""
                missing.append("CASE WHEN \(blank(col(field)))\(display)\(scope) THEN '\(field) ' ELSE '' END")
            }
        }
        let live: String = {
            var conditions = ["retired_in_run IS NULL"]
            if let rule = ci.retireRule {
                conditions.append("coalesce(CAST(\(EntityTable.quoted(rule.field)) AS TEXT), '') != \(ReportSQL.literal(rule.value))")
            }
            return "SELECT * FROM \(sql.table("ci")) WHERE " + conditions.joined(separator: " AND ")
        }()
        let referenced = sql.references(to: "ci").map { entity, field in
            let reference = "x." + EntityTable.quoted(field.name)
            return "EXISTS (SELECT 1 FROM \(sql.table(entity.name)) x WHERE \(sql.refers(reference, to: "ci", of: "ci")))"
        }
        let lastSeen = "max(coalesce(\(col("last_discovered")), ''), coalesce(\(col("sys_updated_on")), ''))"
        return """
            live AS (\(live)),
            as_of AS (
                SELECT max(t) AS at FROM (SELECT "last_discovered" AS t FROM live UNION ALL SELECT "sys_updated_on" FROM live)
            ),
            checks AS (
                SELECT ci._id AS id, \(col("sys_id")) AS sys_id, \(col("name")) AS name, \(col("sys_class_name")) AS sys_class_name,
                       rtrim(\(missing.joined(separator: " || "))) AS missing,
                       rtrim(
                         CASE WHEN EXISTS (SELECT 1 FROM live d WHERE d._id != ci._id AND d."name" = \(col("name"))
                                             AND d."sys_class_name" IS \(col("sys_class_name"))) THEN 'name+class ' ELSE '' END
                         || CASE WHEN NOT \(blank(col("serial_number"))) AND EXISTS (SELECT 1 FROM live d WHERE d._id != ci._id
                                             AND d."serial_number" = \(col("serial_number"))) THEN 'serial ' ELSE '' END
                         || CASE WHEN ci._id IN (SELECT value FROM json_each(?3)) THEN 'candidate' ELSE '' END) AS duplicate_on,
                       NOT (\(referenced.isEmpty ? "0" : referenced.joined(separator: " OR "))) AS orphan,
                       \(lastSeen) AS last_seen,
                       \(staleDays(of: col("sys_class_name"))) AS stale_days,
                       \(lastSeen) < datetime(as_of.at, '-' || \(staleDays(of: col("sys_class_name"))) || ' days') AS stale,
                       as_of.at AS as_of
                FROM live ci CROSS JOIN as_of  -- the CIs outermost: as_of is one row
            )
            """
    }

    /// The stale days of the class `expression`: its own (`--stale-days cmdb_ci_computer=30`), else `?1`.
    static func staleDays(of expression: String) -> String {
        "coalesce((SELECT CAST(value AS INTEGER) FROM json_each(?2) WHERE key = \(expression)), ?1)"
    }

    /// `report` run with the ids of the CIs in a `ci_duplicates` pair bound to its
    /// ``ReportParameter/duplicateCandidates`` (found in Swift first: SQL cannot normalise).
    static func withDuplicateCandidates(_ report: ReportDefinition, registry: EntityRegistry) -> ReportDefinition {
        ReportDefinition(name: report.name, summary: report.summary, columns: report.columns, parameters: report.parameters, sql: report.sql,
                         rows: { connection, parameters, body in
                             var parameters = parameters
                             parameters.duplicateCandidates = try CIDuplicateFinder.candidateIDs(in: connection, registry: registry)
                             try report.forEachRow(in: connection, parameters: parameters, body)
                         })
    }

    static func cmdbHealth(_ sql: ReportSQL) -> ReportDefinition {
        func measure(_ name: String, _ condition: String) -> String {
            "sum(\(condition)) AS \(name), \(ReportSQL.percent("sum(\(condition))", of: "count(*)")) AS \(name)_pct"
        }
        let measures = [
            measure("complete", "missing = ''"), measure("duplicate", "duplicate_on != ''"),
            measure("orphan", "orphan"), measure("stale", "stale"),
        ].joined(separator: ", ")
        // Rows of one input that identified one CI under different identities (or shared a MAC
        // address across classes), as the newest committed import of each CI source found them:
        // every file of it when a job imported the source from several.
        let collisions = """
            (SELECT count(*) FROM findings f JOIN runs r ON r.id = f.run
             JOIN runs l ON l.id = (SELECT max(n.id) FROM runs n WHERE n.entity = r.entity AND n.source IS r.source
                                    AND n.status = 'committed' AND n.kind IN ('import', 'rerun'))
             WHERE f.rule = \(ReportSQL.literal(IdentityCollisions.rule.rawValue)) AND r.entity = 'ci' AND r.status = 'committed'
               AND (r.id = l.id OR r.job_run = l.job_run))
            """
        return withDuplicateCandidates(ReportDefinition(
            name: "cmdb_health",
            summary: "Per CI class and overall: the count and share of live CIs that are complete, duplicate (identification rules and ci_duplicates candidates), orphan and stale (--stale-days, default 60, or per class); overall, the identity collisions of each CI source's newest import (all its files when a job imported several).",
            columns: [
                ReportColumn("sys_class_name"), ReportColumn("cis", .integer),
                ReportColumn("complete", .integer), ReportColumn("complete_pct", .decimal),
                ReportColumn("duplicate", .integer), ReportColumn("duplicate_pct", .decimal),
                ReportColumn("orphan", .integer), ReportColumn("orphan_pct", .decimal),
                ReportColumn("stale", .integer), ReportColumn("stale_pct", .decimal),
                ReportColumn("stale_days", .integer), ReportColumn("as_of", .datetime),
                ReportColumn("identity_collisions", .integer),
            ],
            parameters: [.staleDays, .staleDaysByClass, .duplicateCandidates],
            sql: """
                WITH \(ciChecksCTE(sql))
                SELECT sys_class_name, cis, complete, complete_pct, duplicate, duplicate_pct, orphan, orphan_pct,
                       stale, stale_pct, stale_days, as_of, CASE WHEN rank = 0 THEN \(collisions) END
                FROM (
                    SELECT 0 AS rank, '(all)' AS sys_class_name, count(*) AS cis, \(measures), ?1 AS stale_days, max(as_of) AS as_of
                    FROM checks
                    UNION ALL
                    SELECT 1, coalesce(sys_class_name, ''), count(*), \(measures), max(stale_days), max(as_of)
                    FROM checks GROUP BY sys_class_name
                )
                ORDER BY rank, sys_class_name
                """), registry: sql.registry)
    }

    static func cmdbExceptions(_ sql: ReportSQL) -> ReportDefinition {
        withDuplicateCandidates(ReportDefinition(
            name: "cmdb_exceptions",
            summary: "One row per live CI that is incomplete, duplicate, orphan or stale, with what is wrong.",
            columns: [
                ReportColumn("sys_id"), ReportColumn("name"), ReportColumn("sys_class_name"),
                ReportColumn("complete", .boolean), ReportColumn("missing"),
                ReportColumn("duplicate", .boolean), ReportColumn("duplicate_on"),
                ReportColumn("orphan", .boolean), ReportColumn("stale", .boolean),
                ReportColumn("last_seen", .datetime),
            ],
            parameters: [.staleDays, .staleDaysByClass, .duplicateCandidates],
            sql: """
                WITH \(ciChecksCTE(sql))
                SELECT sys_id, name, sys_class_name,
                       CASE WHEN missing = '' THEN 'true' ELSE 'false' END, missing,
                       CASE WHEN duplicate_on != '' THEN 'true' ELSE 'false' END, duplicate_on,
                       CASE WHEN orphan THEN 'true' ELSE 'false' END,
                       CASE WHEN stale THEN 'true' ELSE 'false' END,
                       nullif(last_seen, '')
                FROM checks
                WHERE missing != '' OR duplicate_on != '' OR orphan OR stale
                ORDER BY sys_class_name, name, sys_id, id
                """), registry: sql.registry)
    }

    /// Candidate duplicate CIs (``CIDuplicateFinder``): one row per pair, best first, with an
    /// empty `decision` column a steward fills (`keep_a`, `keep_b`, `distinct`) and feeds back
    /// with `tally dedupe --file`.
    static func ciDuplicates(_ sql: ReportSQL) -> ReportDefinition {
        let registry = sql.registry
        return ReportDefinition(
            name: "ci_duplicates",
            summary: "Pairs of live CIs that are probably one: the same serial, MAC, FQDN, host name or IP once normalised, within or across classes, scored 0-1 with the reasons and the values that matched; junk values and values more than cmdb_shared_value_limit (default 5) CIs share never match; pairs declared distinct are left out.",
            columns: [
                ReportColumn("sys_id_a"), ReportColumn("name_a"), ReportColumn("class_a"),
                ReportColumn("sys_id_b"), ReportColumn("name_b"), ReportColumn("class_b"),
                ReportColumn("score", .decimal), ReportColumn("reasons"), ReportColumn("evidence"), ReportColumn("decision"),
            ],
            sql: CIDuplicateFinder.liveCIsSQL(registry),
            rows: { connection, _, body in
                let finder = try CIDuplicateFinder(connection: connection)
                for pair in try finder.pairs(in: connection, registry: registry) {
                    try body([pair.a.sysID, pair.a.name, pair.a.className, pair.b.sysID, pair.b.name, pair.b.className,
                              String(format: "%.2f", pair.score), pair.reasons.joined(separator: " "), pair.evidence.joined(separator: "; "), nil])
                }
            })
    }

    /// Relationship health, as the platform's relationship dashboard counts it: duplicate (the same
    /// parent, child and type as another), orphan (an end that names no live CI) and stale (not
    /// updated within the stale days before `as_of`, the newest update of any relationship or live CI).
    static func relationshipHealth(_ sql: ReportSQL) -> ReportDefinition {
        let ci = sql.entity("ci")
        /// The conditions a live CI meets, its columns named through `alias` ("" for none).
        func live(_ alias: String) -> String {
            let at = alias.isEmpty ? "" : alias + "."
            var conditions = ["\(at)retired_in_run IS NULL"]
            if let rule = ci.retireRule {
                conditions.append("coalesce(CAST(\(at)\(EntityTable.quoted(rule.field)) AS TEXT), '') != \(ReportSQL.literal(rule.value))")
            }
            return conditions.joined(separator: " AND ")
        }
        let rel = { sql.column("r", $0, of: "ci_relationship") }
        // The checks read the tables themselves, not the CTEs: a CTE read more than once is
        // materialised without indexes, and a lookup in it per relationship is a scan.
        func end(_ field: String) -> String {
            "EXISTS (SELECT 1 FROM \(sql.table("ci")) c WHERE \(sql.refers(rel(field), to: "c", of: "ci")) AND \(live("c")))"
        }
        func measure(_ name: String) -> String {
            "sum(\(name)) AS \(name), \(ReportSQL.percent("sum(\(name))", of: "count(*)")) AS \(name)_pct"
        }
        let measures = ["duplicate", "orphan", "stale"].map(measure).joined(separator: ", ")
        return ReportDefinition(
            name: "ci_relationship_health",
            summary: "Per relationship type and overall: relationships, and the count and share that are duplicate (same parent, child and type as another), orphan (an end that names no live CI) and stale (not updated within --stale-days).",
            columns: [
                ReportColumn("type"), ReportColumn("relationships", .integer),
                ReportColumn("duplicate", .integer), ReportColumn("duplicate_pct", .decimal),
                ReportColumn("orphan", .integer), ReportColumn("orphan_pct", .decimal),
                ReportColumn("stale", .integer), ReportColumn("stale_pct", .decimal),
                ReportColumn("stale_days", .integer), ReportColumn("as_of", .datetime),
            ],
            parameters: [.staleDays],
            sql: """
                WITH live AS (SELECT * FROM \(sql.table("ci")) WHERE \(live(""))),
                rels AS (SELECT * FROM \(sql.table("ci_relationship")) WHERE retired_in_run IS NULL),
                as_of AS (
                    SELECT max(t) AS at FROM (SELECT "sys_updated_on" AS t FROM rels UNION ALL SELECT "sys_updated_on" FROM live
                                              UNION ALL SELECT "last_discovered" FROM live)
                ),
                checks AS (
                    SELECT coalesce(\(rel("type")), '') AS type,
                           EXISTS (SELECT 1 FROM \(sql.table("ci_relationship")) d WHERE d."parent" IS \(rel("parent"))
                                   AND d."child" IS \(rel("child")) AND d."type" IS \(rel("type"))
                                   AND d._id != r._id AND d.retired_in_run IS NULL) AS duplicate,
                           NOT (\(end("parent")) AND \(end("child"))) AS orphan,
                           coalesce(\(rel("sys_updated_on")), '') < datetime((SELECT at FROM as_of), '-' || ?1 || ' days') AS stale,
                           (SELECT at FROM as_of) AS as_of
                    FROM rels r
                )
                SELECT type, relationships, duplicate, duplicate_pct, orphan, orphan_pct, stale, stale_pct, ?1, as_of
                FROM (
                    SELECT 0 AS rank, '(all)' AS type, count(*) AS relationships, \(measures), max(as_of) AS as_of FROM checks
                    HAVING count(*) > 0
                    UNION ALL
                    SELECT 1, type, count(*), \(measures), max(as_of) FROM checks GROUP BY type
                )
                ORDER BY rank, type
                """)
    }

    /// How many recorded runs the trend shows.
    static let trendRuns = 30

    /// The CMDB's overall health after each of the last runs that changed it (``CMDBHealthHistory``),
    /// oldest first; a run rolled back since drops out.
    static func cmdbHealthTrend(_ sql: ReportSQL) -> ReportDefinition {
        func pct(_ count: String, of total: String) -> String { ReportSQL.percent("h.\(count)", of: "h.\(total)") }
        let report = ReportDefinition(
            name: "cmdb_health_trend",
            summary: "The CMDB's overall health after each of the last \(trendRuns) runs that changed CIs or relationships (imports, dedupe), oldest first: live CIs, complete, duplicate, orphan and stale %, relationships and their duplicate, orphan and stale % (at the default 60 stale days).",
            columns: [
                ReportColumn("run", .integer), ReportColumn("kind"), ReportColumn("entity"), ReportColumn("as_of", .datetime),
                ReportColumn("cis", .integer), ReportColumn("complete_pct", .decimal), ReportColumn("duplicate_pct", .decimal),
                ReportColumn("orphan_pct", .decimal), ReportColumn("stale_pct", .decimal), ReportColumn("relationships", .integer),
                ReportColumn("relationship_duplicate_pct", .decimal), ReportColumn("relationship_orphan_pct", .decimal),
                ReportColumn("relationship_stale_pct", .decimal),
            ],
            sql: """
                SELECT * FROM (
                    SELECT h.run, r.kind, r.entity, h.as_of, h.cis, \(pct("complete", of: "cis")), \(pct("duplicate", of: "cis")),
                           \(pct("orphan", of: "cis")), \(pct("stale", of: "cis")), h.relationships,
                           \(pct("relationship_duplicate", of: "relationships")), \(pct("relationship_orphan", of: "relationships")),
                           \(pct("relationship_stale", of: "relationships"))
                    FROM cmdb_health_history h JOIN runs r ON r.id = h.run
                    WHERE r.status = 'committed'
                    ORDER BY h.run DESC LIMIT \(trendRuns)
                )
                ORDER BY run
                """)
        // A store from before the history (read-only, so not migrated) has no trend yet.
        return ReportDefinition(name: report.name, summary: report.summary, columns: report.columns, sql: report.sql, rows: { connection, parameters, body in
            guard try connection.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cmdb_health_history'").integer == 1 else { return }
            try report.forEachRow(in: connection, parameters: parameters, body)
        })
    }
}
