import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// The steward page's section queries, read directly (the page tests render them).
@Suite("StewardReport queries")
struct StewardReportQueryTests {
    func query(_ database: TallyDatabase, _ scope: StewardReportOptions.Scope = .all, days: Int = 30, examples: Int = 3) throws -> StewardReportQuery {
        StewardReportQuery(connection: database.connection, catalogue: ReportCatalogue(registry: .standard),
                           parameters: ReportParameters(staleDays: 60),
                           scope: try StewardReportScope(scope, days: days, database: database), examples: examples)
    }

    @Test func aJobRunsScopeIsItsRunsOfTheLastDays() throws {
        let database = try StewardReportTests.jobStore()
        let scope = try StewardReportScope(.jobRun(3), days: 7, database: database)
        #expect(scope.ids == [3, 4, 5, 6])
        #expect(scope.job?.newRuns == [5, 6])
        #expect(scope.job?.previous?.id == 2)
        #expect(scope.description == "job nightly: its runs in the 7 days up to job run 3")
        #expect(scope.parameter == .text("[3,4,5,6]"))
        #expect(try StewardReportScope(.all, days: 7, database: database).parameter == .null)
        let runs = try StewardReportRunsQuery(try query(database, .jobRun(3), days: 7), days: 7)
        #expect(runs.runs.map(\.id) == [3, 4, 5, 6])
        #expect(runs.windowRuns.map(\.id) == [3, 4] && runs.skippedInWindow == 2 && runs.lastRun?.id == 4)
    }

    @Test func rejectsKeepTheFirstExamplesOfEachGroupAndCountRowsOnce() throws {
        let database = try StewardReportTests.store(runs: 3, rejects: 5)
        let rejects = try StewardReportRejectsQuery(try query(database, examples: 2))
        let group = try #require(rejects.groups.first)
        #expect(rejects.groups.count == 1 && group.label == "incident · choice · state")
        #expect(group.examples.map(\.place) == ["big.csv:2", "big.csv:3"])
        #expect(rejects.statuses == [.outstanding: 5] && rejects.outstandingByRun == [1: 5])
        #expect(try StewardReportRejectsQuery(try query(database, .run(2))).groups.isEmpty, "run 2 rejected nothing")
    }

    @Test func conflictsAreGroupedMostFirstWithTheNewestExamples() throws {
        let database = try StewardReportTests.store(runs: 3, rejects: 0)
        try database.connection.transaction {
            for (run, field, key) in [(1, "state", "A"), (2, "state", "B"), (3, "state", "C"), (3, "priority", "D")] {
                try database.connection.run("""
                    INSERT INTO conflicts (run, entity, key, field, rule, message) VALUES (?, 'incident', ?, ?, 'precedence.owner', ?)
                    """, [.integer(Int64(run)), .text(key), .text(field), .text("kept \(key)")])
            }
        }
        let all = try StewardReportConflictsQuery(try query(database, examples: 2))
        #expect(all.groups.map(\.label) == ["incident.state · precedence.owner", "incident.priority · precedence.owner"])
        #expect(all.total == 4 && all.groups[0].runs == 3 && all.groups[0].lastRun == 3)
        #expect(all.groups[0].examples.map(\.place) == ["C", "B"], "newest run first")
        let runTwo = try StewardReportConflictsQuery(try query(database, .run(2)))
        #expect(runTwo.total == 1 && runTwo.groups.map(\.examples.count) == [1])
    }
}
