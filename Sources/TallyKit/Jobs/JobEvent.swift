/// One thing a job did, for people (a line on stderr) and for machines (an NDJSON line in `--log`).
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
    /// Set on the last event only: the job's exit code and status.
    package var outcome: (exitCode: Int32, status: String)?

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

    package static func == (lhs: JobEvent, rhs: JobEvent) -> Bool {
        lhs.json == rhs.json
    }

    /// One NDJSON line (no newline), keys in a fixed order.
    package var json: String {
        var text = "{\"time\": \(JSON.quote(time)), \"level\": \(JSON.quote(level.rawValue)), \"job\": \(JSON.quote(job)), "
        text += "\"job_run\": \(jobRun.map(String.init) ?? "null"), \"run\": \(run.map(String.init) ?? "null"), "
        text += "\"stage\": \(JSON.quote(stage)), \"message\": \(JSON.quote(message))"
        if let input { text += ", \"input\": \(JSON.quote(input))" }
        text += ", \"counts\": " + (counts.map(Self.countsJSON) ?? "null")
        if let outcome {
            text += ", \"outcome\": {\"exit_code\": \(outcome.exitCode), \"status\": \(JSON.quote(outcome.status))}"
        }
        return text + "}"
    }

    static func countsJSON(_ counts: RunCounts) -> String {
        "{" + counts.named.map { "\(JSON.quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// The human line: `2026-11-23T01:00:04Z  info  nightly import: run 12 committed …`.
    package func line(color: Bool = false) -> String {
        let label = level.rawValue + String(repeating: " ", count: max(1, 8 - level.rawValue.count))
        var tag = label
        if color {
            let code = switch level { case .info: "2"; case .warning: "33"; case .error: "31;1" }
            tag = "\u{1B}[\(code)m\(label)\u{1B}[0m"
        }
        return "\(time)  \(tag)\(job) \(stage): \(message)"
    }
}
