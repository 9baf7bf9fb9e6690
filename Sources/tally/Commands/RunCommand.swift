import TallyKit

/// `tally run JOB`: a job file end to end, for cron and people alike.
struct RunCommand: Command {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Run a job file end to end: imports (one run per file), archive, extracts, report.",
        discussion: """
            The job file (JSON, see docs/jobs.md) names the store, the inputs, the archive folder, store settings, \
            extracts and report; its paths are relative to its own folder. Inputs run in entity order (CIs, \
            relationships, problems, changes, incidents, requests, cases) unless the job says 'order'; each file is \
            its own atomic run (a snapshot input: one run for all its files), grouped under one job run. A file is \
            moved to the archive folder, as <run>-<name>, only after its run commits. Extracts are written only \
            once every import committed. Only one writer per store: if another 'tally run' or 'tally import' holds \
            the store's lock, this exits 75 at once naming the holder, or waits with --wait. Log lines go to stderr \
            (RFC 3339 UTC); --log FILE appends the same events as NDJSON, the last one stating the outcome. Exit: the \
            worst of the inputs' — 1 a run or extract failed; 66 an input is missing; 65 committed with rejects or \
            conflicts; 0 clean (inputs already imported are skipped: 0). 64: the job file is invalid; 75: locked.
            """,
        arguments: [ArgumentSpec(name: "job", help: "The job file (e.g. jobs/nightly.json).")],
        options: [
            .database,
            OptionSpec(name: "dry-run", help: "Check every input against the store and report what would change; write nothing (no job run, no archive move, no extract files).", takesValue: false),
            .json,
            OptionSpec(name: "log", valueName: "FILE", help: "Append every event to FILE as NDJSON (time, level, job, run, stage, message, counts)."),
            .flag("quiet", short: "q", help: "Only warnings, errors and the outcome on stderr; no progress."),
            OptionSpec(name: "wait", valueName: "SECONDS", help: "If another process holds the store's lock, wait up to SECONDS for it (default: exit 75 at once)."),
            OptionSpec(name: "stage", valueName: "STAGE", help: "Run one stage alone (e.g. redo the extracts after a failure).",
                       choices: JobStage.allCases.map(\.rawValue)),
            .flag("follow-symlinks", help: "An input the job names by path (not a pattern) may be a symbolic link (default: refused; links a pattern matches are always skipped)."),
        ]
    )

    var jobPath: String
    var options: JobRunOptions
    var json: Bool
    var logPath: String?
    var quiet: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        jobPath = arguments.positional("job") ?? ""
        let wait = try arguments.seconds("wait", command: Self.spec.name)
        quiet = arguments.has("quiet")
        json = arguments.has("json")
        logPath = arguments.value("log")
        options = JobRunOptions(
            jobPath: jobPath, databasePath: arguments.value("db"), dryRun: arguments.has("dry-run"),
            stage: arguments.value("stage").flatMap(JobStage.init(rawValue:)), wait: wait,
            command: typedCommandLine)
        options.followSymlinks = arguments.has("follow-symlinks")
    }

    func run(_ console: Console) throws -> ExitCode {
        let job: JobDefinition
        do { job = try JobDefinition.load(path: jobPath) }
        catch {
            throw CommandFailure(exitCode: error.kind == .missing ? .noInput : .usage, message: error.message)
        }
        let sink = try JobConsole(logPath: logPath, quiet: quiet, console: console)
        console.flush()
        let outcome = JobRunner(job: job, options: options, sink: sink).run()
        if json { console.line(JobOutcomeLine(outcome: outcome).json) }
        return ExitCode(outcome.exit)
    }
}

extension ParsedArguments {
    /// A number of seconds (`--wait 30`, `--wait 0.5`), checked.
    func seconds(_ name: String, command: String) throws(UsageError) -> Double? {
        guard let text = value(name) else { return nil }
        guard let seconds = Double(text), seconds >= 0, seconds.isFinite else {
            throw UsageError(message: "'--\(name)' must be a number of seconds (0 or more); got '\(text)'", command: command)
        }
        return seconds
    }
}

extension StoreLock {
    /// Takes the store's lock for a command that writes (`tally import`): exit 75 naming the
    /// holder when it is busy (after `wait` seconds, if given); a stale lock's takeover is told.
    static func take(_ storePath: String, command: String, wait: Double?, _ console: Console) throws -> StoreLock {
        let lock: StoreLock
        do throws(StoreLockError) {
            lock = try StoreLock.acquire(storePath: storePath, job: nil, command: command, wait: wait) { holder in
                console.error("\(Timestamp.now())  waiting up to \(StoreLockError.seconds(wait ?? 0)) for the store's lock, held by \(holder?.description ?? "another process")")
            }
        } catch {
            if case .unavailable = error { throw CommandFailure.failed(error.description) }
            throw CommandFailure(exitCode: .locked, message: error.description)
        }
        if let previous = lock.takenOver {
            console.error("\(Timestamp.now())  warning: took over a stale lock left by \(previous.description); that process is gone")
        } else if lock.tookOverUnreadable {
            console.error("\(Timestamp.now())  warning: took over a stale lock file \(lock.path) whose content could not be read")
        }
        return lock
    }
}
