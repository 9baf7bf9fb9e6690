/// Case ↔ ITSM reports: links and resolution-code consistency.
extension ReportCatalogue {
    static func caseLinks(_ sql: ReportSQL) -> ReportDefinition {
        let c = { sql.column("c", $0, of: "case") }
        // A case is a child only while its parent is an accepted major case.
        let accepted = ReportSQL.literal(sql.entity("case").caseRules?.acceptedMajorState ?? "accepted")
        return ReportDefinition(
            name: "case_links",
            summary: "One row per case: its incident, problem, change, caused-by change (number and state), requests and major case (an accepted one: a parent that is not makes no child).",
            columns: [
                ReportColumn("case_number"), ReportColumn("case_state", .integer),
                ReportColumn("is_major_case", .boolean), ReportColumn("major_case_state"), ReportColumn("child_cases", .integer),
                ReportColumn("major_case"),
                ReportColumn("incident_number"), ReportColumn("incident_state", .integer),
                ReportColumn("problem_number"), ReportColumn("problem_state", .integer),
                ReportColumn("change_number"), ReportColumn("change_state", .integer),
                ReportColumn("caused_by_number"), ReportColumn("caused_by_state", .integer),
                ReportColumn("request_count", .integer), ReportColumn("request_numbers"),
            ],
            sql: """
                WITH requests AS (
                    SELECT DISTINCT c._id AS case_id, count(*) OVER (PARTITION BY c._id) AS n,
                           \(ReportSQL.orderedList(sql.column("r", "number", of: "request"), partition: "c._id")) AS numbers
                    FROM \(sql.table("request")) r JOIN \(sql.table("case")) c ON \(sql.refers(sql.column("r", "parent", of: "request"), to: "c", of: "case"))
                ),
                children AS (
                    SELECT m._id AS case_id, count(*) AS n
                    FROM \(sql.table("case")) k JOIN \(sql.table("case")) m ON \(sql.refers(sql.column("k", "parent", of: "case"), to: "m", of: "case"))
                    WHERE \(sql.column("m", "major_case_state", of: "case")) = \(accepted)
                    GROUP BY m._id
                )
                SELECT \(c("number")), \(c("state")),
                       CASE WHEN \(c("major_case_state")) = \(accepted) THEN 'true' ELSE 'false' END,
                       \(c("major_case_state")), coalesce(children.n, 0),
                       CASE WHEN \(sql.column("m", "major_case_state", of: "case")) = \(accepted) THEN m."number" END,
                       coalesce(i."number", \(c("incident"))), i."state",
                       coalesce(p."number", \(c("problem"))), p."state",
                       coalesce(ch."number", \(c("change_request"))), ch."state",
                       coalesce(cb."number", \(c("caused_by"))), cb."state",
                       coalesce(requests.n, 0), requests.numbers
                FROM \(sql.table("case")) c
                LEFT JOIN \(sql.table("case")) m ON \(sql.refers(c("parent"), to: "m", of: "case"))
                LEFT JOIN \(sql.table("incident")) i ON \(sql.refers(c("incident"), to: "i", of: "incident"))
                LEFT JOIN \(sql.table("problem")) p ON \(sql.refers(c("problem"), to: "p", of: "problem"))
                LEFT JOIN \(sql.table("change")) ch ON \(sql.refers(c("change_request"), to: "ch", of: "change"))
                LEFT JOIN \(sql.table("change")) cb ON \(sql.refers(c("caused_by"), to: "cb", of: "change"))
                LEFT JOIN children ON children.case_id = c._id
                LEFT JOIN requests ON requests.case_id = c._id
                ORDER BY \(c("number")), \(c("sys_id")), c._id
                """)
    }

    /// A resolution code that requires its case's related record to be in certain states.
    struct ResolutionRequirement {
        var code: String
        /// The case's reference field and the entity it points at.
        var field: String
        var entity: String
        /// SQL over `r."state"` that is true when the requirement holds.
        var satisfied: String
        var requirement: String
    }

    /// The domain rules of the case ↔ ITSM document, as data.
    static let resolutionRequirements: [ResolutionRequirement] = [
        .init(code: "fixed_by_closing_prb", field: "problem", entity: "problem",
              satisfied: "r.\"state\" = 107", requirement: "a related problem that is Closed (107)"),
        .init(code: "workaround_open_prb", field: "problem", entity: "problem",
              satisfied: "r.\"state\" NOT IN (106, 107)", requirement: "a related problem that is open (not Resolved 106 or Closed 107)"),
        .init(code: "fixed_by_closing_change", field: "change_request", entity: "change",
              satisfied: "r.\"state\" = 3", requirement: "a related change request that is Closed (3)"),
        .init(code: "fixed_by_closing_incident", field: "incident", entity: "incident",
              satisfied: "r.\"state\" IN (6, 7)", requirement: "a related incident that is Resolved (6) or Closed (7)"),
    ]

    static func resolutionConsistency(_ sql: ReportSQL) -> ReportDefinition {
        let c = { sql.column("c", $0, of: "case") }
        var parts = resolutionRequirements.map { rule in
            let reference = c(rule.field)
            let state = sql.label("r.\"state\"", field: "state", of: rule.entity)
            return """
                SELECT \(c("number")) AS case_number, \(c("state")) AS case_state, \(c("resolution_code")) AS resolution_code,
                       \(ReportSQL.literal(rule.requirement)) AS requirement, \(ReportSQL.literal(sql.entity(rule.entity).name)) AS related_entity,
                       coalesce(r."number", \(reference)) AS related_number, CAST(r."state" AS TEXT) AS related_state,
                       CASE WHEN \(reference) IS NULL OR \(reference) = '' THEN 'the case has no related \(sql.entity(rule.entity).name)'
                            WHEN r._id IS NULL THEN 'the related \(sql.entity(rule.entity).name) ' || \(reference) || ' is not in the store'
                            ELSE r."number" || ' is ' || \(state) || ' (' || r."state" || ')' END AS failure,
                       \(c("sys_id")) AS sys_id
                FROM \(sql.table("case")) c
                LEFT JOIN \(sql.table(rule.entity)) r ON \(sql.refers(reference, to: "r", of: rule.entity))
                WHERE \(c("resolution_code")) = \(ReportSQL.literal(rule.code)) AND (r._id IS NULL OR NOT coalesce(\(rule.satisfied), 0))
                """
        }
        let request = { sql.column("q", $0, of: "request") }
        let linked = sql.refers(request("parent"), to: "c", of: "case")
        parts.append("""
            SELECT \(c("number")), \(c("state")), \(c("resolution_code")),
                   'at least one related request that is closed_complete', \(ReportSQL.literal(sql.entity("request").name)),
                   (SELECT group_concat(n, ' ') FROM (SELECT \(request("number")) AS n FROM \(sql.table("request")) q WHERE \(linked) ORDER BY n)),
                   (SELECT group_concat(s, ' ') FROM (SELECT coalesce(\(request("request_state")), '') AS s FROM \(sql.table("request")) q WHERE \(linked) ORDER BY \(request("number")))),
                   CASE WHEN NOT EXISTS (SELECT 1 FROM \(sql.table("request")) q WHERE \(linked)) THEN 'the case has no related request'
                        ELSE 'no related request is closed_complete' END,
                   \(c("sys_id"))
            FROM \(sql.table("case")) c
            WHERE \(c("resolution_code")) = 'related_request_closed_complete'
              AND NOT EXISTS (SELECT 1 FROM \(sql.table("request")) q WHERE \(linked) AND \(request("request_state")) = 'closed_complete')
            """)
        return ReportDefinition(
            name: "resolution_consistency",
            summary: "Cases whose resolution code does not match their related record's state, with the requirement that failed.",
            columns: [
                ReportColumn("case_number"), ReportColumn("case_state", .integer), ReportColumn("resolution_code"),
                ReportColumn("requirement"), ReportColumn("related_entity"), ReportColumn("related_number"),
                ReportColumn("related_state"), ReportColumn("failure"),
            ],
            sql: """
                SELECT case_number, case_state, resolution_code, requirement, related_entity, related_number, related_state, failure
                FROM (
                \(parts.joined(separator: "\nUNION ALL\n"))
                )
                ORDER BY case_number, sys_id, requirement
                """)
    }

    static func caseJournal(_ sql: ReportSQL) -> ReportDefinition {
        ReportDefinition(
            name: "case_journal",
            summary: "The work notes reconciliation wrote to cases when their related incidents, problems, changes or requests changed, each with the case field it came through.",
            columns: [
                ReportColumn("entry", .integer), ReportColumn("run", .integer), ReportColumn("case_number"),
                ReportColumn("related_entity"), ReportColumn("related_number"), ReportColumn("link_field"), ReportColumn("field"),
                ReportColumn("old"), ReportColumn("new"), ReportColumn("copied_from", .integer), ReportColumn("note"),
            ],
            sql: """
                SELECT j.id, j.run, coalesce(c."number", j.case_number) AS case_number, j.related_entity, j.related_number,
                       j.link_field, j.field, j.old, j.new, j.copied_from, j.note
                FROM case_journal j LEFT JOIN \(sql.table("case")) c ON c._id = j.case_record
                WHERE j.run NOT IN (SELECT id FROM runs WHERE status = 'rolled_back')
                ORDER BY case_number, j.run, j.id
                """)
    }
}
