/// One thing a job did. Kit only reports it (``JobEventSink``); the CLI renders it, as a line on
/// stderr and as an NDJSON line in `--log`.
package struct JobEvent: Sendable, Equatable {
    package enum Level: String, Sendable { case info, warning, error }

    /// RFC 3339 UTC.
    package var time: String
    package var level: Level
    package var job: String
    /// The `job_runs` row (nil for dry runs and before it exists).
    package var jobRun: Int64?
    /// The import run the event is about.
    package var run: Int64?
    /// `job`, `lock`, `settings`, `import`, `archive`, `extract`, `report`.
    package var stage: String
    package var message: String
    /// The input file the event is about.
    package var input: String?
    package var counts: RunCounts?
    /// Set on the last event only: how the job ended.
    package var outcome: JobExit?

    package init(level: Level, job: String, jobRun: Int64? = nil, run: Int64? = nil, stage: String, message: String,
                input: String? = nil, counts: RunCounts? = nil, time: String = Timestamp.now()) {
        self.time = time
        self.level = level
        self.job = job
        self.jobRun = jobRun
        self.run = run
        self.stage = stage
        self.message = message
        self.input = input
        self.counts = counts
    }

    /// The message as people and logs read it: the outcome's ends with its exit code and status.
    package func text(exitCode: (JobExit) -> Int32) -> String {
        guard let outcome else { return message }
        return "\(message) — exit \(exitCode(outcome)) (\(outcome.status.rawValue))"
    }
}
