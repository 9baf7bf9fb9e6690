import Foundation
import TallyStore

/// "Runs over time": the runs in scope, the window the chart shows, and the last run that did something.
struct StewardReportRunsQuery {
    var runs: [StewardReportData.Run] = []
    var windowRuns: [StewardReportData.Run]
    var windowStart: String?
    var skippedInWindow: Int
    var lastRun: StewardReportData.Run?

    init(_ query: StewardReportQuery, days: Int) throws {
        var runs: [StewardReportData.Run] = []
        for row in try query.read("run_summary").table("run_summary").rows {
            let run = StewardReportData.Run(row)
            if query.scope.contains(run.id) { runs.append(run) }
        }
        self.runs = runs
        let done = runs.filter { $0.status != RunStatus.skipped.rawValue }
        lastRun = done.max { $0.id < $1.id }
        let newestStart = runs.map(\.startedAt).max()
        let windowStart = newestStart.flatMap { StewardReportData.date($0) }
            .map { Timestamp.format($0.addingTimeInterval(-Double(days) * 86_400)) }
        self.windowStart = windowStart
        let inWindow = runs.filter { run in windowStart.map { run.startedAt >= $0 } ?? true }
        windowRuns = inWindow.filter { $0.status != RunStatus.skipped.rawValue }
        skippedInWindow = inWindow.count - windowRuns.count
    }
}

/// "What to do next": runs needing a person, newest first — committed with rejects or conflicts,
/// or failed — unless a later committed run names it as its parent (a rerun, or a fixed reject
/// export fed back).
struct StewardReportActionsQuery {
    var runsNeedingAction: [StewardReportData.Run]
    var followedUp: [Int64: Int64] = [:]

    init(_ query: StewardReportQuery, runs: [StewardReportData.Run], outstandingByRun: [Int64: Int]) throws {
        for row in try query.connection.rows("""
            SELECT parent_run, max(id) FROM runs WHERE parent_run IS NOT NULL AND status = 'committed' GROUP BY parent_run ORDER BY parent_run
            """) {
            if let parent = row[0].integer, let child = row[1].integer { followedUp[parent] = child }
        }
        let followedUp = followedUp
        // A run's rejects need a person while some are outstanding, whether or not it was followed up.
        runsNeedingAction = runs.reversed().filter { run in
            if outstandingByRun[run.id] != nil { return true }
            guard followedUp[run.id] == nil else { return false }
            return run.isFailed || (run.status == RunStatus.committed.rawValue && run.conflicts > 0)
        }
    }
}
