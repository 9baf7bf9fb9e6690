import TallyStore

/// The `job_runs` ledger: one row per `tally run` (not for dry runs), grouping its import runs
/// through `runs.job_run`.
///
/// Status: `running`, then `ok` (exit 0), `issues` (65: committed with rejects or conflicts),
/// `failed` (1 or 66), or `abandoned` (its process died; set by the next job that takes the lock).
package struct JobRunLedger {
    let connection: Connection

    package init(_ database: TallyDatabase) { connection = database.connection }

    /// Marks job runs left `running` by a dead process as `abandoned` (call while holding the
    /// store's lock: no other writer can be running then), and starts a new one.
    package func begin(job: String, pid: Int32) throws -> Int64 {
        try connection.transaction {
            try connection.run("""
                UPDATE job_runs SET status = 'abandoned', finished_at = ?,
                  message = coalesce(message || '; ', '') || 'its process ended before the job finished'
                WHERE status = 'running'
                """, [.text(Timestamp.now())])
            try connection.run("INSERT INTO job_runs (job, status, started_at, pid) VALUES (?, 'running', ?, ?)",
                               [.text(job), .text(Timestamp.now()), .integer(Int64(pid))])
            return connection.lastInsertRowID
        }
    }

    /// Links an import run to its job run.
    package func attach(run: Int64, to jobRun: Int64) throws {
        try connection.run("UPDATE runs SET job_run = ? WHERE id = ?", [.integer(jobRun), .integer(run)])
    }

    package func finish(jobRun: Int64, status: JobRunStatus, message: String) throws {
        try connection.run("UPDATE job_runs SET status = ?, finished_at = ?, message = ? WHERE id = ?",
                           [.text(status.rawValue), .text(Timestamp.now()), .text(message), .integer(jobRun)])
    }
}
