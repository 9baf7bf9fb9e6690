import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// ``SLAAttainment`` computes in Swift what `sla_attainment`'s SQL computed: the report equals
/// that SQL, kept here as the reference model, on random task SLAs.
@Suite("sla_attainment in one pass")
struct SLAAttainmentTests {
    /// The `percent`th percentile of `value` within each group of `ranked` (columns `rn`, 1-based
    /// rank, and `n`, the group's size), R-7 with integer positions, two decimals: the report's SQL.
    static func percentile(_ percent: Int, of value: String) -> String {
        let lower = "(1 + (\(percent) * (n - 1)) / 100)"
        let fraction = "(((\(percent) * (n - 1)) % 100) / 100.0)"
        let low = "max(CASE WHEN rn = \(lower) THEN \(value) END)"
        let high = "coalesce(max(CASE WHEN rn = \(lower) + 1 THEN \(value) END), \(low))"
        return "printf('%.2f', (\(low) + \(fraction) * (\(high) - \(low))))"
    }

    /// The report as its SQL computed it before ``SLAAttainment``, the reference model.
    static func referenceSQL(_ sql: ReportSQL) -> String {
        let s = { sql.column("s", $0, of: "task_sla") }
        // The task's entity is the one whose table holds it; a task in none (a pending reference) is "(unresolved)".
        let targets = sql.entity("task_sla").field(named: "task")?.type.referenceTargets ?? []
        let aliases = targets.indices.map { "t\($0)" }
        let joins = zip(targets, aliases).map { target, alias in
            "LEFT JOIN \(sql.table(target)) \(alias) ON \(sql.refers(s("task"), to: alias, of: target))"
        }
        let taskType = "CASE " + zip(targets, aliases).map { "WHEN \($1)._id IS NOT NULL THEN \(ReportSQL.literal($0))" }.joined(separator: " ")
            + " ELSE '(unresolved)' END"
        let priority = "coalesce(" + zip(targets, aliases).map { sql.column($1, "priority", of: $0) }.joined(separator: ", ") + ")"
        let group = "win, task_type, priority, definition"
        return """
                WITH slas AS (
                    SELECT \(s("task")) AS task, coalesce(nullif(\(s("sla_display")), ''), \(s("sla"))) AS definition,
                           \(s("stage")) AS stage, coalesce(\(s("has_breached")), 0) AS has_breached, \(s("start_time")) AS start_time,
                           \(s("business_percentage")) AS business_pct, \(taskType) AS task_type, \(priority) AS priority
                    FROM \(sql.table("task_sla")) s
                    \(joins.joined(separator: "\n        "))
                ),
                as_of AS (SELECT max(start_time) AS as_of FROM slas),
                scoped AS (
                \(ReportCatalogue.slaWindows.map { days in """
                    SELECT '\(days)d' AS win, slas.* FROM slas, as_of WHERE start_time > datetime(as_of.as_of, '-\(days) days')
                """ }.joined(separator: "    UNION ALL\n"))
                ),
                measures AS (
                    SELECT \(group), count(*) AS task_slas, count(DISTINCT task) AS tasks,
                           sum(stage = 'completed' AND has_breached = 0) AS met, sum(has_breached = 1) AS breached,
                           sum(stage IN ('in_progress', 'paused')) AS open, sum(stage = 'cancelled') AS cancelled
                    FROM scoped GROUP BY \(group)
                ),
                ranked AS (
                    SELECT \(group), business_pct,
                           row_number() OVER (PARTITION BY \(group) ORDER BY business_pct) AS rn,
                           count(*) OVER (PARTITION BY \(group)) AS n
                    FROM scoped WHERE business_pct IS NOT NULL AND coalesce(stage, '') <> 'cancelled'
                ),
                percentiles AS (
                    SELECT \(group), \(Self.percentile(50, of: "business_pct")) AS median, \(Self.percentile(90, of: "business_pct")) AS p90
                    FROM ranked GROUP BY \(group)
                )
                SELECT m.win, m.task_type, m.priority, m.definition, m.task_slas, m.tasks, m.met, m.breached, m.open, m.cancelled,
                       \(ReportSQL.percent("m.breached", of: "m.met + m.breached")), p.median, p.p90, (SELECT as_of FROM as_of)
                FROM measures m
                LEFT JOIN percentiles p ON p.win = m.win AND p.task_type = m.task_type AND p.priority IS m.priority AND p.definition IS m.definition
                ORDER BY m.win, m.task_type, m.priority, m.definition
                """
    }


    /// Random SLAs on incidents and cases (by sys_id, by number, on tasks in no file), every stage
    /// and none, breached or not, percentages missing, start times over four months: the report's
    /// rows are the reference SQL's, three seeds.
    @Test(arguments: [UInt64(1), 2, 3])
    func theReportEqualsTheReferenceSQL(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let store = try StoreHarness()
        let incidents = (1...40).map { n in
            "\(sysID("sla-inc-\(seed)-\(n)")),INC\(String(format: "%07d", n)),\(n % 6 == 0 ? "" : String(1 + n % 4)),2026-01-01 00:00:00"
        }
        try store.importText(csv("sys_id,number,priority,sys_updated_on", incidents), entity: "incident")
        let cases = (1...10).map { n in "\(sysID("sla-case-\(seed)-\(n)")),CS\(String(format: "%07d", n)),\(1 + n % 3),2026-01-01 00:00:00" }
        try store.importText(csv("sys_id,number,priority,sys_updated_on", cases), entity: "case")
        let stages = ["in_progress", "paused", "completed", "cancelled", "breached", ""]
        let definitions = ["P1 resolution", "P2 resolution", "Response", ""]
        let rows = (1...300).map { n -> String in
            let pick = Int.random(in: 0..<10, using: &generator)
            let task = switch pick {
            case 0...4: sysID("sla-inc-\(seed)-\(Int.random(in: 1...40, using: &generator))")
            case 5: "INC\(String(format: "%07d", Int.random(in: 1...45, using: &generator)))"
            case 6, 7: sysID("sla-case-\(seed)-\(Int.random(in: 1...10, using: &generator))")
            case 8: "CS\(String(format: "%07d", Int.random(in: 1...12, using: &generator)))"
            default: sysID("sla-nowhere-\(n % 7)")
            }
            let start = String(format: "2026-%02d-%02d %02d:00:00", Int.random(in: 6...9, using: &generator), Int.random(in: 1...28, using: &generator), n % 24)
            let percentage = Int.random(in: 0...4, using: &generator) == 0 ? "" : String(format: "%.2f", Double.random(in: 0...250, using: &generator))
            return [sysID("sla-\(seed)-\(n)"), task, definitions[Int.random(in: 0..<definitions.count, using: &generator)],
                    stages[Int.random(in: 0..<stages.count, using: &generator)], ["true", "false", ""][Int.random(in: 0...2, using: &generator)],
                    start, percentage, "2026-10-01 00:00:00"].joined(separator: ",")
        }
        try store.importText(csv("sys_id,task,sla_display,stage,has_breached,start_time,business_percentage,sys_updated_on", rows), entity: "task_sla")
        let reference = Self.referenceSQL(ReportSQL(registry: .standard))
        let expected = try store.connection.rows(reference).map { row in row.map { value -> String? in
            switch value {
            case .null: nil
            case .integer(let number): String(number)
            case .real(let number): String(number)
            case .text(let text): text
            case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
            }
        } }
        var actual: [[String?]] = []
        try ReportCatalogue.standard.report(named: "sla_attainment")!.forEachRow(in: store.connection, parameters: ReportParameters()) { actual.append($0) }
        #expect(actual.count > 20)
        #expect(actual == expected)
    }
}
