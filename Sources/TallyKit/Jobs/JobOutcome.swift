/// How a job (or one of its inputs) ended, as an exit code. Ordered by severity: when several
/// inputs end differently, the worst wins — failed (1) over input missing (66) over committed with
/// rejects or conflicts (65) over clean (0).
package enum JobExit: Int32, Sendable, Comparable {
    case clean = 0
    case dataIssues = 65
    case inputMissing = 66
    case failed = 1
    /// Another process holds the store's lock: nothing was done.
    case locked = 75
    /// The job file or command line is wrong: nothing was done.
    case usage = 64

    var severity: Int {
        switch self {
        case .clean: 0
        case .dataIssues: 1
        case .inputMissing: 2
        case .failed: 3
        case .locked: 4
        case .usage: 5
        }
    }

    package static func < (lhs: JobExit, rhs: JobExit) -> Bool { lhs.severity < rhs.severity }

    /// The job run's status for this exit: `ok`, `issues`, `failed`, `locked`, `invalid`.
    package var status: String {
        switch self {
        case .clean: "ok"
        case .dataIssues: "issues"
        case .inputMissing, .failed: "failed"
        case .locked: "locked"
        case .usage: "invalid"
        }
    }
}

/// What happened to one run of a job input (one file, or every file of a snapshot input).
package struct JobInputOutcome: Sendable {
    package var entity: String
    package var source: String?
    package var files: [String]
    package var run: Int64?
    package var status: JobInputStatus
    package var exit: JobExit
    package var counts: RunCounts
    package var message: String?
    /// Where the files were moved.
    package var archived: [String] = []

    var json: String {
        var text = "{\"entity\": \(JSON.quote(entity)), \"source\": \(source.map(JSON.quote) ?? "null"), "
        text += "\"files\": [\(files.map(JSON.quote).joined(separator: ", "))], \"run\": \(run.map(String.init) ?? "null"), "
        text += "\"status\": \(JSON.quote(status.rawValue)), \"exit_code\": \(exit.rawValue), \"counts\": \(JobEvent.countsJSON(counts))"
        text += ", \"archived\": [\(archived.map(JSON.quote).joined(separator: ", "))]"
        if let message { text += ", \"message\": \(JSON.quote(message))" }
        return text + "}"
    }
}

/// What `tally run` did: the job run, every input's run, the extracts, the exit code.
package struct JobOutcome: Sendable {
    package var job: String
    package var jobRun: Int64?
    package var store: String?
    package var dryRun: Bool
    package var exit: JobExit
    package var message: String
    package var inputs: [JobInputOutcome] = []
    /// Files the extract stage wrote (data files, manifests, checksums).
    package var extracts: [String] = []
    package var counts: RunCounts { inputs.reduce(RunCounts()) { $0 + $1.counts } }

    /// The one JSON object `tally run --json` prints.
    package var json: String {
        var text = "{\"job\": \(JSON.quote(job)), \"job_run\": \(jobRun.map(String.init) ?? "null"), "
        text += "\"store\": \(store.map(JSON.quote) ?? "null"), \"dry_run\": \(dryRun), "
        text += "\"status\": \(JSON.quote(exit.status)), \"exit_code\": \(exit.rawValue), \"message\": \(JSON.quote(message)), "
        text += "\"counts\": \(JobEvent.countsJSON(counts)), "
        text += "\"inputs\": [\(inputs.map(\.json).joined(separator: ", "))], "
        text += "\"extracts\": [\(extracts.map(JSON.quote).joined(separator: ", "))]}"
        return text
    }
}
