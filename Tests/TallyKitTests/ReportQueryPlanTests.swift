import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore
import TallyFormats

/// Every report of the catalogue and every query of the steward page reads a large table
/// (an entity's, the audit, findings, …) through an index wherever it joins or filters on it:
/// a full scan of one inside a join runs once per outer row, which is what made `cmdb_health`
/// take 13 s on a real CMDB (issue 26).
///
/// Without `ANALYZE` statistics (Tally never gathers them) SQLite's plan does not depend on the
/// data, so an empty store shows the plan a large one gets.
@Suite("Report query plans")
struct ReportQueryPlanTests {
    /// Tables that grow with the data; the others (runs, settings, job runs, …) stay small.
    static func isLarge(_ table: String) -> Bool {
        table.hasPrefix("entity_") || ["audit", "findings", "pending_references", "case_journal", "conflicts"].contains(table)
    }

    /// One line of `EXPLAIN QUERY PLAN`.
    struct Step {
        var id: Int64
        var parent: Int64
        var detail: String
    }

    static func plan(of sql: String, in connection: Connection) throws -> [Step] {
        let statement = try connection.uncachedStatement("EXPLAIN QUERY PLAN " + sql)
        try statement.bind(Array(repeating: SQLValue.null, count: Int(statement.parameterCount)))
        var steps: [Step] = []
        while try statement.step() {
            steps.append(Step(id: statement.int64(0), parent: statement.int64(1), detail: statement.text(3) ?? ""))
        }
        return steps
    }

    /// The names each alias or CTE of `sql` may stand for (`FROM entity_ci ci`, `live AS (SELECT * FROM entity_ci …`):
    /// an alias reused for several tables stands for all of them.
    static func tables(in sql: String) -> [String: Set<String>] {
        var names: [String: Set<String>] = [:]
        let text = sql as NSString
        let from = try! NSRegularExpression(pattern: #"\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+(?:AS\s+)?([A-Za-z_][A-Za-z0-9_]*))?"#,
                                            options: [.caseInsensitive])
        let keywords: Set<String> = ["where", "join", "left", "on", "group", "order", "union", "inner", "cross", "limit", "using", "natural", "window"]
        for match in from.matches(in: sql, range: NSRange(location: 0, length: text.length)) {
            let table = text.substring(with: match.range(at: 1))
            names[table, default: []].insert(table)
            if match.range(at: 2).location != NSNotFound {
                let alias = text.substring(with: match.range(at: 2))
                if !keywords.contains(alias.lowercased()) { names[alias, default: []].insert(table) }
            }
        }
        // A CTE stands for the tables its body reads first: `live AS (SELECT * FROM entity_ci …)`.
        let cte = try! NSRegularExpression(pattern: #"\b([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+\(\s*SELECT\b[^()]*?\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)"#,
                                           options: [.caseInsensitive])
        for match in cte.matches(in: sql, range: NSRange(location: 0, length: text.length)) {
            names[text.substring(with: match.range(at: 1)), default: []].insert(text.substring(with: match.range(at: 2)))
        }
        // Resolve aliases of CTEs (`FROM live d`) to the CTE's tables.
        for _ in 0..<3 {
            for (alias, targets) in names {
                names[alias] = targets.union(targets.flatMap { names[$0] ?? [] })
            }
        }
        return names
    }

    /// The full scans of a large table that run inside a join: a scan nested in an outer loop of
    /// the same query, or inside a correlated subquery (run once per outer row).
    static func scansInsideJoins(_ sql: String, in connection: Connection) throws -> [String] {
        let steps = try plan(of: sql, in: connection)
        let byID = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let names = tables(in: sql)
        func isLoop(_ step: Step) -> Bool { step.detail.hasPrefix("SCAN ") || step.detail.hasPrefix("SEARCH ") }
        var found: [String] = []
        for step in steps where step.detail.hasPrefix("SCAN ") {
            let name = String(step.detail.dropFirst(5).prefix { $0 != " " })
            guard (names[name] ?? [name]).contains(where: isLarge) else { continue }
            let nested = steps.contains { $0.parent == step.parent && $0.id < step.id && isLoop($0) }
            var correlated = false
            var ancestor = byID[step.parent]
            while let node = ancestor {
                if node.detail.hasPrefix("MATERIALIZE") || node.detail.hasPrefix("CO-ROUTINE") { break }
                if node.detail.hasPrefix("CORRELATED") { correlated = true; break }
                ancestor = byID[node.parent]
            }
            if nested || correlated {
                found.append("\(step.detail) (\(nested ? "inner loop of a join" : "in a correlated subquery"); "
                             + "\(name) is \((names[name] ?? [name]).sorted().joined(separator: " or ")))")
            }
        }
        return found
    }

    /// A store with one job run and two runs, so every scope of the page has something to select.
    static func store() throws -> TallyDatabase {
        let folder = try Paths.makeTempDirectory("tally-plans")
        let database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path)
        try database.connection.transaction {
            try database.connection.run("INSERT INTO job_runs (id, job, status, started_at) VALUES (1, 'nightly', 'committed', '2026-11-23T10:00:00Z')")
            for id in 1...2 {
                try database.connection.run("""
                    INSERT INTO runs (id, kind, entity, source, status, command, started_at, finished_at, job_run)
                    VALUES (?, 'import', 'incident', 'default', 'committed', 'tally import', '2026-11-23T10:00:00Z', '2026-11-23T10:01:00Z', 1)
                    """, [.integer(Int64(id))])
            }
        }
        return database
    }

    @Test func theDetectorSeesAScanInsideAJoinAndNotAnIndexedLookup() throws {
        let database = try Self.store()
        let connection = database.connection
        let scan = try Self.scansInsideJoins("""
            SELECT count(*) FROM entity_ci ci WHERE EXISTS (SELECT 1 FROM entity_incident x WHERE x."short_description" = ci."name")
            """, in: connection)
        #expect(scan.count == 1, "\(scan)")
        let nested = try Self.scansInsideJoins("""
            SELECT count(*) FROM entity_ci ci JOIN entity_incident x ON instr(x."short_description", ci."name") > 0
            """, in: connection)
        #expect(nested.count == 1, "\(nested)")
        let indexed = try Self.scansInsideJoins("""
            SELECT count(*) FROM entity_incident x JOIN entity_ci ci ON ci."sys_id" = x."short_description"
            """, in: connection)
        #expect(indexed.isEmpty, "\(indexed)")
    }

    @Test func noReportOfTheCatalogueScansALargeTableInsideAJoin() throws {
        let database = try Self.store()
        let catalogue = ReportCatalogue.standard
        #expect(catalogue.reports.count >= 10)
        for report in catalogue.reports {
            let scans = try Self.scansInsideJoins(report.sql, in: database.connection)
            #expect(scans.isEmpty, "\(report.name): \(scans.joined(separator: "; "))")
        }
    }

    @Test(arguments: [StewardReportOptions.Scope.all, .run(2), .job("nightly"), .jobRun(1)])
    func noQueryOfTheStewardPageScansALargeTableInsideAJoin(_ scope: StewardReportOptions.Scope) throws {
        let database = try Self.store()
        _ = try StewardReport(database: database, options: .init(scope: scope)).render()
        let queries = database.connection.cachedSQL.filter { $0.uppercased().contains("SELECT") }
        #expect(queries.count >= 15, "the page ran \(queries.count) queries")
        for sql in queries {
            let scans = try Self.scansInsideJoins(sql, in: database.connection)
            #expect(scans.isEmpty, "\(scans.joined(separator: "; ")) in:\n\(sql)")
        }
    }
}

extension ReportQueryPlanTests {
    /// Findings grow with every warning a run stores: the reports that filter them by rule or by
    /// rejection read them through the indexes migration 6 adds.
    @Test(arguments: [("cmdb_health", "findings_rule"), ("rejects_by_rule", "findings_rejected")])
    func findingsAreFilteredThroughAnIndex(_ report: String, _ index: String) throws {
        let database = try Self.store()
        let sql = try #require(ReportCatalogue.standard.report(named: report)).sql
        let plan = try Self.plan(of: sql, in: database.connection).map(\.detail)
        #expect(plan.contains { $0.contains("INDEX \(index)") }, "\(report): \(plan.joined(separator: " | "))")
    }
}
