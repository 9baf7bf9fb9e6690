import TallyKit

// A job's JSON as the CLI writes it: Kit's events and outcome, numbered with the CLI's exit codes
// (Kit knows none). Keys in `CodingKeys` order, nil as null, as every result.

/// One `--log` NDJSON line; `input` and `outcome` only when the event has them.
struct JobEventLine: JSONOutput {
    var event: JobEvent

    private enum CodingKeys: String, CodingKey { case time, level, job, jobRun = "job_run", run, stage, message, input, counts, outcome }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.time, forKey: .time)
        try container.encode(event.level.rawValue, forKey: .level)
        try container.encode(event.job, forKey: .job)
        try container.encode(event.jobRun, forKey: .jobRun)
        try container.encode(event.run, forKey: .run)
        try container.encode(event.stage, forKey: .stage)
        try container.encode(event.text(exitCode: JobConsole.code), forKey: .message)
        if let input = event.input { try container.encode(input, forKey: .input) }
        try container.encode(event.counts, forKey: .counts)
        if let outcome = event.outcome { try container.encode(Ending(outcome), forKey: .outcome) }
    }

    /// How the job ended: its exit code and status.
    private struct Ending: Encodable {
        var exitCode: Int32
        var status: String

        init(_ exit: JobExit) { (exitCode, status) = (JobConsole.code(exit), exit.status.rawValue) }

        private enum CodingKeys: String, CodingKey { case exitCode = "exit_code", status }
    }
}

/// The one object `tally run --json` prints: the job run, every input's run, the extracts, the end.
struct JobOutcomeLine: JSONOutput {
    var outcome: JobOutcome

    private enum CodingKeys: String, CodingKey {
        case job, jobRun = "job_run", store, dryRun = "dry_run", status, exitCode = "exit_code", message, counts, inputs, extracts
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome.job, forKey: .job)
        try container.encode(outcome.jobRun, forKey: .jobRun)
        try container.encode(outcome.store, forKey: .store)
        try container.encode(outcome.dryRun, forKey: .dryRun)
        try container.encode(outcome.exit.status.rawValue, forKey: .status)
        try container.encode(JobConsole.code(outcome.exit), forKey: .exitCode)
        try container.encode(outcome.message, forKey: .message)
        try container.encode(outcome.counts, forKey: .counts)
        try container.encode(outcome.inputs.map(Input.init), forKey: .inputs)
        try container.encode(outcome.extracts, forKey: .extracts)
    }

    /// One input's run; `message` only when there is one.
    private struct Input: Encodable {
        var input: JobInputOutcome

        init(_ input: JobInputOutcome) { self.input = input }

        private enum CodingKeys: String, CodingKey { case entity, source, files, run, status, exitCode = "exit_code", counts, archived, message }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(input.entity, forKey: .entity)
            try container.encode(input.source, forKey: .source)
            try container.encode(input.files, forKey: .files)
            try container.encode(input.run, forKey: .run)
            try container.encode(input.status, forKey: .status)
            try container.encode(JobConsole.code(input.exit), forKey: .exitCode)
            try container.encode(input.counts, forKey: .counts)
            try container.encode(input.archived, forKey: .archived)
            if let message = input.message { try container.encode(message, forKey: .message) }
        }
    }
}
