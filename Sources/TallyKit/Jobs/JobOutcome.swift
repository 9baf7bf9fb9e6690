/// How a job (or one of its inputs) ended. Ordered by severity: when several inputs end
/// differently, the worst wins — failed over input missing over committed with rejects or conflicts
/// over clean. The CLI maps each to its exit code; Kit knows none.
package enum JobExit: Sendable, Comparable, CaseIterable {
    case clean
    case dataIssues
    case inputMissing
    case failed
    /// Another process holds the store's lock: nothing was done.
    case locked
    /// The job file or command line is wrong: nothing was done.
    case usage

    /// The job run's status for this exit.
    package var status: JobRunStatus {
        switch self {
        case .clean: .ok
        case .dataIssues: .issues
        case .inputMissing, .failed: .failed
        case .locked: .locked
        case .usage: .invalid
        }
    }
}

/// A job run's status in the `job_runs` ledger, stored as its raw value: `running` until it
/// finishes as one of the others (`abandoned` when its process died before).
package enum JobRunStatus: String, Sendable, CaseIterable {
    case running, ok, issues, failed, locked, invalid, abandoned
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
}

/// What `tally run` did: the job run, every input's run, the extracts, how it ended.
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
}
