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

    /// One part of `resolution_consistency` per requirement of the case rules: the cases with its
    /// resolution code whose related records fail it.
    static func resolutionConsistency(_ sql: ReportSQL) -> ReportDefinition {
        let rules = sql.entity("case").caseRules ?? .standard
        let parts = rules.requirements.map { requirement in
            requirement.caseField.map { resolutionPart(sql, requirement, caseField: $0) }
                ?? resolutionPart(sql, requirement, backLink: rules.requestLink)
        }
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

    /// The cases with `requirement`'s code whose record in `caseField` is missing or fails it.
    private static func resolutionPart(_ sql: ReportSQL, _ requirement: CaseRules.Requirement, caseField: String) -> String {
        let c = { sql.column("c", $0, of: "case") }
        let entity = sql.entity(requirement.entity).name
        let reference = c(caseField)
        let number = sql.column("r", sql.businessKey(of: entity), of: entity)
        let state = sql.column("r", requirement.stateField, of: entity)
        let noun = (sql.entity("case").field(named: caseField)?.labels.first ?? caseField).lowercased()
        let wording = "a related \(noun) that is \(described(requirement, sql))"
        return """
            SELECT \(c("number")) AS case_number, \(c("state")) AS case_state, \(c("resolution_code")) AS resolution_code,
                   \(ReportSQL.literal(wording)) AS requirement, \(ReportSQL.literal(entity)) AS related_entity,
                   coalesce(\(number), \(reference)) AS related_number, CAST(\(state) AS TEXT) AS related_state,
                   CASE WHEN \(reference) IS NULL OR \(reference) = '' THEN \(ReportSQL.literal("the case has no related \(entity)"))
                        WHEN r._id IS NULL THEN \(ReportSQL.literal("the related \(entity) ")) || \(reference) || ' is not in the store'
                        ELSE \(number) || ' is ' || \(sql.label(state, field: requirement.stateField, of: entity)) || ' (' || \(state) || ')' END AS failure,
                   \(c("sys_id")) AS sys_id
            FROM \(sql.table("case")) c
            LEFT JOIN \(sql.table(entity)) r ON \(sql.refers(reference, to: "r", of: entity))
            WHERE \(c("resolution_code")) = \(ReportSQL.literal(requirement.code)) AND (r._id IS NULL OR NOT \(satisfied(requirement, state, sql)))
            """
    }

    /// The cases with `requirement`'s code none of whose records pointing at them (`link`) satisfies it.
    private static func resolutionPart(_ sql: ReportSQL, _ requirement: CaseRules.Requirement, backLink link: CaseRules.BackLink) -> String {
        precondition(sql.entity(link.entity).name == sql.entity(requirement.entity).name, "\(requirement.code) reads \(requirement.entity), linked by \(link.entity)")
        let c = { sql.column("c", $0, of: "case") }
        let entity = sql.entity(requirement.entity).name
        let q = { sql.column("q", $0, of: entity) }
        let number = q(sql.businessKey(of: entity))
        let table = sql.table(entity)
        let linked = sql.refers(q(link.field), to: "c", of: "case")
        let states = described(requirement, sql)
        return """
            SELECT \(c("number")), \(c("state")), \(c("resolution_code")),
                   \(ReportSQL.literal("at least one related \(entity) that is \(states)")), \(ReportSQL.literal(entity)),
                   (SELECT group_concat(n, ' ') FROM (SELECT \(number) AS n FROM \(table) q WHERE \(linked) ORDER BY n)),
                   (SELECT group_concat(s, ' ') FROM (SELECT coalesce(\(q(requirement.stateField)), '') AS s FROM \(table) q WHERE \(linked) ORDER BY \(number))),
                   CASE WHEN NOT EXISTS (SELECT 1 FROM \(table) q WHERE \(linked)) THEN \(ReportSQL.literal("the case has no related \(entity)"))
                        ELSE \(ReportSQL.literal("no related \(entity) is \(states)")) END,
                   \(c("sys_id"))
            FROM \(sql.table("case")) c
            WHERE \(c("resolution_code")) = \(ReportSQL.literal(requirement.code))
              AND NOT EXISTS (SELECT 1 FROM \(table) q WHERE \(linked) AND \(satisfied(requirement, q(requirement.stateField), sql)))
            """
    }

    /// SQL that is true when the state `column` satisfies `requirement` (false for no state), as
    /// ``CaseRules/States/accepts(_:)`` decides it.
    private static func satisfied(_ requirement: CaseRules.Requirement, _ column: String, _ sql: ReportSQL) -> String {
        let list = choices(requirement, sql)
        func literals(_ codes: [String]) -> String {
            codes.map { list.kind == .integer ? Int($0).map(String.init) ?? ReportSQL.literal($0) : ReportSQL.literal($0) }.joined(separator: ", ")
        }
        return switch requirement.states {
        case .anyOf(let codes): "coalesce(\(column) IN (\(literals(codes))), 0)"
        case .noneOf(let codes, _): "coalesce(\(column) NOT IN (\(literals(codes))), 0)"
        }
    }

    /// The accepted states in words: a text code as it is (`closed_complete`), an integer code
    /// with its label (`Resolved (6) or Closed (7)`, `open (not Resolved 106 or Closed 107)`).
    private static func described(_ requirement: CaseRules.Requirement, _ sql: ReportSQL) -> String {
        let list = choices(requirement, sql)
        func name(_ code: String, _ form: (String, String) -> String) -> String {
            guard list.kind == .integer, let label = list.choice(code: code)?.label else { return code }
            return form(label, code)
        }
        return switch requirement.states {
        case .anyOf(let codes): codes.map { name($0) { "\($0) (\($1))" } }.joined(separator: " or ")
        case .noneOf(let codes, let called): "\(called) (not " + codes.map { name($0) { "\($0) \($1)" } }.joined(separator: " or ") + ")"
        }
    }

    private static func choices(_ requirement: CaseRules.Requirement, _ sql: ReportSQL) -> ChoiceList {
        guard case .choice(let list)? = sql.entity(requirement.entity).field(named: requirement.stateField)?.type else {
            preconditionFailure("\(requirement.entity).\(requirement.stateField) is not a choice field")
        }
        return list
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
