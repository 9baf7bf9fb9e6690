import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// ``IncidentMetrics`` computes in Swift what the report's SQL computed: these tests hold its
/// numbers to SQLite's own arithmetic and `printf` rounding, so the bytes of the report stay the same.
@Suite("incident_metrics in one pass")
struct IncidentMetricsTests {
    /// Random percentiles of random sorted seconds (negative ones too: resolved before opened),
    /// against the R-7 interpolation and `printf('%.2f', …)` the SQL used.
    @Test func percentilesAreSQLitesToTheDigit() throws {
        let connection = try Connection(path: ":memory:")
        var generator = SeededGenerator(seed: 26)
        for round in 0..<400 {
            let count = Int.random(in: 1...(round % 2 == 0 ? 5 : 60), using: &generator)
            let spread: Int64 = round % 3 == 0 ? 7_200 : 3_000_000
            let seconds = (0..<count).map { _ in Int64.random(in: -600...spread, using: &generator) }.sorted()
            for percent: Int64 in [50, 90, 5, 99] {
                let n = Int64(count), position = percent * (n - 1)
                let lower = Int(position / 100)
                let low = seconds[lower], high = lower + 1 < count ? seconds[lower + 1] : low
                let expected = try connection.scalar("SELECT printf('%.2f', (? + ((? % 100) / 100.0) * (? - ?)) / 3600.0)",
                                                     [.integer(low), .integer(position), .integer(high), .integer(low)]).text
                #expect(IncidentMetrics.percentileHours(percent, of: seconds) == expected, "\(seconds) p\(percent)")
            }
        }
        #expect(IncidentMetrics.percentileHours(50, of: []) == nil)
    }

    @Test func percentagesAreSQLitesToTheDigit() throws {
        let connection = try Connection(path: ":memory:")
        for denominator in 1...80 {
            for numerator in 0...denominator {
                let expected = try connection.scalar("SELECT printf('%.1f', 100.0 * ? / ?)", [.integer(Int64(numerator)), .integer(Int64(denominator))]).text
                #expect(IncidentMetrics.percent(numerator, of: denominator) == expected, "\(numerator)/\(denominator)")
            }
        }
        #expect(IncidentMetrics.percent(3, of: 0) == nil)
    }

    /// Half away from zero, and a negative value that rounds to zero keeps its sign, as SQLite writes it.
    @Test(arguments: [(Int64(-1), Int64(1_000), 2, "-0.00"), (-125, 1_000, 2, "-0.13"), (125, 1_000, 2, "0.13"),
                      (285, 1_000, 2, "0.29"), (5, 1, 1, "5.0"), (1_000_000_000_000_000, 3_600, 2, "277777777777.78")])
    func fixedRoundsAsSQLitePrintfDoes(numerator: Int64, denominator: Int64, decimals: Int, text: String) {
        #expect(IncidentMetrics.fixed(numerator, over: denominator, decimals: decimals) == text)
    }

    /// The report as the SQL computed it before (ranked windows per dimension), kept here as the
    /// reference model the Swift computation must match row for row.
    static let referenceSQL = """
        WITH incidents AS (
            SELECT priority, coalesce(nullif(assignment_group_display, ''), assignment_group) AS assignment_group, state,
                   resolved_at, made_sla, reopen_count,
                   CASE WHEN resolved_at IS NOT NULL AND opened_at IS NOT NULL
                        THEN CAST(strftime('%s', resolved_at) AS INTEGER) - CAST(strftime('%s', opened_at) AS INTEGER) END AS seconds
            FROM entity_incident WHERE _deleted_at IS NULL
        ),
        dims AS (
            SELECT 0 AS rank, 'all' AS dimension, 'all' AS value, * FROM incidents
            UNION ALL SELECT 1, 'priority', coalesce(CAST(priority AS TEXT), '(none)'), * FROM incidents
            UNION ALL SELECT 2, 'assignment_group', coalesce(nullif(assignment_group, ''), '(none)'), * FROM incidents
        ),
        measures AS (
            SELECT rank, dimension, value, count(*) AS opened, sum(CASE WHEN state IN (6, 7, 8) THEN 0 ELSE 1 END) AS backlog,
                   sum(resolved_at IS NOT NULL) AS resolved, sum(made_sla = 1) AS made, sum(made_sla IS NOT NULL) AS known,
                   sum(coalesce(reopen_count, 0) > 0) AS reopened, sum(seconds IS NOT NULL) AS n
            FROM dims GROUP BY rank, dimension, value
        ),
        ranked AS (
            SELECT d.dimension, d.value, d.seconds, m.n, row_number() OVER (PARTITION BY d.dimension, d.value ORDER BY d.seconds) AS rn
            FROM dims d JOIN measures m ON m.dimension = d.dimension AND m.value = d.value WHERE d.seconds IS NOT NULL
        ),
        percentiles AS (
            SELECT dimension, value,
                   printf('%.2f', (max(CASE WHEN rn = 1 + (50 * (n - 1)) / 100 THEN seconds END)
                       + (((50 * (n - 1)) % 100) / 100.0) * (coalesce(max(CASE WHEN rn = 2 + (50 * (n - 1)) / 100 THEN seconds END),
                           max(CASE WHEN rn = 1 + (50 * (n - 1)) / 100 THEN seconds END)) - max(CASE WHEN rn = 1 + (50 * (n - 1)) / 100 THEN seconds END))) / 3600.0) AS median,
                   printf('%.2f', (max(CASE WHEN rn = 1 + (90 * (n - 1)) / 100 THEN seconds END)
                       + (((90 * (n - 1)) % 100) / 100.0) * (coalesce(max(CASE WHEN rn = 2 + (90 * (n - 1)) / 100 THEN seconds END),
                           max(CASE WHEN rn = 1 + (90 * (n - 1)) / 100 THEN seconds END)) - max(CASE WHEN rn = 1 + (90 * (n - 1)) / 100 THEN seconds END))) / 3600.0) AS p90
            FROM ranked GROUP BY dimension, value
        )
        SELECT m.dimension, m.value, m.opened, m.backlog, m.resolved, p.median, p.p90,
               CASE WHEN m.known > 0 THEN printf('%.1f', 100.0 * m.made / m.known) END,
               CASE WHEN m.opened > 0 THEN printf('%.1f', 100.0 * m.reopened / m.opened) END
        FROM measures m LEFT JOIN percentiles p ON p.dimension = m.dimension AND p.value = m.value
        ORDER BY m.rank, m.value
        """

    /// Random incidents (states, priorities, groups by name or empty, times missing or out of
    /// order, SLA flags unknown), three seeds: the report equals the reference SQL's rows.
    @Test(arguments: [UInt64(1), 2, 3])
    func theReportEqualsTheReferenceSQL(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let store = try StoreHarness()
        let groups = ["", "Service Desk", "Network", "network", "Database", "Ωmega"]
        let rows = (1...400).map { n -> String in
            let opened = Int.random(in: 0...20, using: &generator)
            let resolvedAfter = Int.random(in: -2...400, using: &generator)
            let openedAt = opened == 0 ? "" : String(format: "2026-03-%02d %02d:%02d:00", opened, n % 24, n % 60)
            let resolvedAt = resolvedAfter < 0 || opened == 0 ? (resolvedAfter == -2 ? "2026-03-01 00:00:00" : "")
                : String(format: "2026-04-%02d %02d:%02d:%02d", 1 + resolvedAfter % 28, resolvedAfter % 24, (n * 7) % 60, n % 60)
            let state = [1, 2, 3, 6, 7, 8][Int.random(in: 0...5, using: &generator)]
            let priority = Int.random(in: 0...5, using: &generator)
            let made = ["", "true", "false"][Int.random(in: 0...2, using: &generator)]
            return [sysID("metrics-\(seed)-\(n)"), String(format: "INC%07d", n), "\(state)", priority == 0 ? "" : "\(priority)",
                    groups[Int.random(in: 0..<groups.count, using: &generator)], openedAt, resolvedAt, made,
                    "\(Int.random(in: 0...2, using: &generator))", "2026-05-01 00:00:00"].joined(separator: ",")
        }
        try store.importText(csv("sys_id,number,state,priority,assignment_group,opened_at,resolved_at,made_sla,reopen_count,sys_updated_on", rows),
                             entity: "incident")
        let expected = try store.connection.rows(Self.referenceSQL).map { $0.map { $0.isNull ? nil : ($0.text ?? $0.integer.map(String.init)) } }
        var actual: [[String?]] = []
        try ReportCatalogue.standard.report(named: "incident_metrics")!.forEachRow(in: store.connection, parameters: ReportParameters()) { actual.append($0) }
        #expect(actual == expected)
        #expect(actual.count > 10)
    }
}
