import Foundation
import TallyFormats

/// The stages of a job, in the order they run.
package enum JobStage: String, Sendable, CaseIterable {
    case `import`, extract, report
}

/// How `tally run` was asked to run a job.
package struct JobRunOptions: Sendable {
    /// The job file's path (its folder anchors the job's relative paths).
    package var jobPath: String
    /// `--db`: overrides the job's store.
    package var databasePath: String?
    package var dryRun = false
    /// Run this stage alone (nil: every stage).
    package var stage: JobStage?
    /// `--wait SECONDS`: wait for the store's lock instead of exiting 75 at once.
    package var wait: Double?
    /// The command line, for the lock file and the run ledger.
    package var command: String
    /// `--follow-symlinks`: an input named by path may be a symbolic link (pattern matches never are).
    package var followSymlinks = false

    package init(jobPath: String, databasePath: String? = nil, dryRun: Bool = false, stage: JobStage? = nil,
                wait: Double? = nil, command: String) {
        self.jobPath = jobPath
        self.databasePath = databasePath
        self.dryRun = dryRun
        self.stage = stage
        self.wait = wait
        self.command = command
    }
}

/// Runs a job end to end: takes the store's lock, records a job run, applies settings, imports
/// each input as its own atomic run (archiving its files once it commits), writes the extracts
/// once every import has committed, then the report; reports every step to its sink, the
/// outcome last.
package final class JobRunner {
    package let job: JobDefinition
    package let options: JobRunOptions
    let paths: JobPaths
    let catalogue: ReportCatalogue
    private let sink: any JobEventSink
    private var jobRun: Int64?

    package init(job: JobDefinition, options: JobRunOptions, catalogue: ReportCatalogue = .standard, sink: any JobEventSink) {
        self.job = job
        self.options = options
        self.paths = JobPaths(jobFile: options.jobPath)
        self.catalogue = catalogue
        self.sink = sink
    }

    package convenience init(job: JobDefinition, options: JobRunOptions, catalogue: ReportCatalogue = .standard,
                             emit: @escaping (JobEvent) -> Void) {
        self.init(job: job, options: options, catalogue: catalogue, sink: JobEventHandler(emit))
    }

    /// The store: `--db`, else the job's `store` (relative to the job file), else as every command finds it.
    package var storePath: String {
        StoreLocation.path(option: options.databasePath, job: job.store.map(paths.resolve))
    }

    private func emitEvent(_ event: JobEvent) { sink.record(event) }

    private func emit(_ level: JobEvent.Level, _ stage: String, _ message: String, run: Int64? = nil,
                      input: String? = nil, counts: RunCounts? = nil) {
        emitEvent(JobEvent(level: level, job: job.name, jobRun: jobRun, run: run, stage: stage, message: message,
                           input: input, counts: counts))
    }

    /// Runs the job and returns its outcome, after emitting it as the last event.
    package func run() -> JobOutcome {
        var outcome = JobOutcome(job: job.name, jobRun: nil, store: storePath, dryRun: options.dryRun, exit: .clean, message: "")
        let store = storePath
        let stages = options.stage.map { [$0] } ?? JobStage.allCases

        let lock: StoreLock
        do {
            lock = try StoreLock.acquire(storePath: store, job: job.name, command: options.command, wait: options.wait) { holder in
                self.emit(.info, "lock", "waiting up to \(StoreLockError.seconds(self.options.wait ?? 0)) for the store's lock, held by "
                          + (holder?.description ?? "another process"))
            }
        } catch {
            return finish(&outcome, .locked, "not started: \(error)")
        }
        defer { lock.release() }
        if let previous = lock.takenOver {
            let state = previous.isAlive == true ? "its pid is alive but does not hold the lock (a reused pid)" : "that process is gone"
            emit(.warning, "lock", "took over a stale lock left by \(previous.description); \(state)")
        } else if lock.tookOverUnreadable {
            emit(.warning, "lock", "took over a stale lock file \(lock.path) whose content could not be read")
        }

        // A dry run leaves no trace: without a store yet, it runs against an empty temporary one.
        var databasePath = store
        var temporary: String?
        if options.dryRun && !FileManager.default.fileExists(atPath: store) {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-dry-run-\(UUID().uuidString)").path
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            temporary = folder
            databasePath = folder + "/tally.db"
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }

        // Only importing creates the store: extracts or a page of a store that is not there would say nothing true.
        let database: TallyDatabase
        do { database = try TallyDatabase.open(path: databasePath, access: stages.contains(.import) ? .create : .write) }
        catch where [.missing, .notATallyStore, .newerSchema].contains(error.code) {
            return finish(&outcome, error.code == .missing ? .inputMissing : .usage, "not started: \(error.message)")
        }
        catch { return finish(&outcome, .failed, "not started: cannot open the store \(store): \(ErrorText.describe(error))") }
        if !options.dryRun {
            do {
                jobRun = try JobRunLedger(database).begin(job: job.name, pid: getpid())
                outcome.jobRun = jobRun
            } catch {
                return finish(&outcome, .failed, "not started: cannot record the job run in \(store): \(error)")
            }
        }
        let what = options.stage.map { "stage \($0.rawValue) of " } ?? ""
        emit(.info, "job", (options.dryRun ? "dry run of " : "started ") + "\(what)job '\(job.name)' (\(options.jobPath)) on store \(store)"
             + (temporary != nil ? " (no store yet: the dry run uses an empty temporary one)" : ""))

        var importsCommitted = true
        if stages.contains(.import) {
            applySettings(database)
            outcome.inputs = importInputs(database)
            importsCommitted = !outcome.inputs.contains { $0.exit == .failed || $0.exit == .inputMissing }
            // The imports' page cache and buffers are free now: give them back, so the reports'
            // memory does not add to theirs (a job's peak RSS, issue 26).
            FreedMemory.release()
        }
        var extractExit = JobExit.clean
        // The page reads the reports the extracts compute, rather than computing them again.
        let readings = StewardReportReadings(catalogue: catalogue, parameters: ReportParameters(staleDays: job.extracts?.staleDays ?? 60))
        if stages.contains(.extract) {
            (outcome.extracts, extractExit) = writeExtracts(database, importsCommitted: importsCommitted || options.stage == .extract,
                                                            observer: job.report != nil ? readings : nil)
        }
        if stages.contains(.report), let report = job.report {
            writeReport(paths.resolve(report), database, readings: readings)
        }

        let exit = ([extractExit] + outcome.inputs.map(\.exit)).max() ?? .clean
        let message = summary(outcome, extractExit: extractExit)
        if let jobRun {
            do { try JobRunLedger(database).finish(jobRun: jobRun, status: exit.status, message: message) }
            catch { emit(.error, "job", "cannot record the job run's end: \(error)") }
        }
        return finish(&outcome, exit, message)
    }

    private func finish(_ outcome: inout JobOutcome, _ exit: JobExit, _ message: String) -> JobOutcome {
        outcome.exit = exit
        outcome.message = message
        let level: JobEvent.Level = switch exit { case .clean: .info; case .dataIssues: .warning; default: .error }
        var event = JobEvent(level: level, job: job.name, jobRun: jobRun, stage: "job", message: message, counts: outcome.counts)
        event.outcome = exit
        emitEvent(event)
        return outcome
    }

    private func summary(_ outcome: JobOutcome, extractExit: JobExit) -> String {
        func count(_ status: JobInputStatus) -> Int { outcome.inputs.filter { $0.status == status }.count }
        let committed = count(.committed), issues = outcome.inputs.filter { $0.exit == .dataIssues }.count
        var parts: [String] = []
        if options.dryRun {
            parts.append("dry run finished: \(count(.dryRun)) run(s) checked, nothing written")
        } else {
            parts.append("finished: \(committed) run(s) committed" + (issues > 0 ? " (\(issues) with rejects or conflicts)" : ""))
            parts.append("\(count(.skipped)) skipped (already imported)")
        }
        if count(.failed) > 0 { parts.append("\(count(.failed)) failed") }
        if count(.missing) > 0 {
            // The last line a person (or cron's mail) reads names the files to look for.
            let missing = outcome.inputs.filter { $0.status == .missing }.flatMap(\.files)
            parts.append("\(count(.missing)) input(s) missing (\(missing.joined(separator: ", ")))")
        }
        if count(.notRun) > 0 { parts.append("\(count(.notRun)) not run (stop_on_error)") }
        if !outcome.extracts.isEmpty { parts.append("\(outcome.extracts.count) extract file(s) written") }
        if extractExit == .failed { parts.append("extracts failed") }
        return parts.joined(separator: ", ")
    }

    // MARK: - Settings

    private func applySettings(_ database: TallyDatabase) {
        let settings = StoreSettings(database)
        for key in job.settings.keys.sorted() {
            let value = job.settings[key]!.stored
            if options.dryRun {
                emit(.info, "settings", "would set \(key) = \(value)")
                continue
            }
            do {
                if try settings.value(key) != value {
                    try settings.set(key, value)
                    emit(.info, "settings", "set \(key) = \(value)")
                }
            } catch {
                emit(.error, "settings", "cannot set \(key): \(error)")
            }
        }
    }

    // MARK: - Imports

    private func importInputs(_ database: TallyDatabase) -> [JobInputOutcome] {
        var outcomes: [JobInputOutcome] = []
        var stopped = false
        let importer = Importer(database: database)
        for input in job.orderedInputs(registry: database.registry) {
            let entity = database.registry.entity(named: input.entity)?.name ?? input.entity
            let expansion = paths.expand(input.glob, store: storePath)
            let (files, isPattern) = (expansion.files, expansion.isPattern)
            for (path, reason) in expansion.skipped {
                emit(.warning, "import", "\(entity): skipped \(path): \(reason)", input: path)
            }
            if !isPattern, let (path, reason) = expansion.skipped.first {
                let message = "\(entity): the input \(path) is refused: \(reason)"
                outcomes.append(JobInputOutcome(entity: entity, source: input.source, files: [path], run: nil, status: .failed,
                                                exit: .failed, counts: RunCounts(), message: message))
                if job.stopOnError { stopped = true; emit(.error, "import", "stop_on_error: the job stops here; the inputs before stay committed") }
                continue
            }
            if stopped {
                outcomes.append(JobInputOutcome(entity: entity, source: input.source, files: files, run: nil, status: .notRun,
                                                exit: .clean, counts: RunCounts(), message: "not run: an earlier input failed (stop_on_error)"))
                continue
            }
            if files.isEmpty {
                emit(.info, "import", "\(entity): no files match \(paths.resolve(input.glob)); nothing to import")
                continue
            }
            if !isPattern, FileByteSource.FileStamp.of(path: files[0]) == nil {
                let message = "\(entity): the input \(files[0]) is missing"
                emit(.error, "import", message, input: files[0])
                outcomes.append(JobInputOutcome(entity: entity, source: input.source, files: files, run: nil, status: .missing,
                                                exit: .inputMissing, counts: RunCounts(), message: message))
                if job.stopOnError { stopped = true; emit(.error, "import", "stop_on_error: the job stops here; the inputs before stay committed") }
                continue
            }
            // A snapshot is the union of its files, so it is one run; a delta input is one run per file.
            let groups = input.mode == .snapshot ? [files] : files.map { [$0] }
            for group in groups {
                if stopped {
                    outcomes.append(JobInputOutcome(entity: entity, source: input.source, files: group, run: nil, status: .notRun,
                                                    exit: .clean, counts: RunCounts(), message: "not run: an earlier input failed (stop_on_error)"))
                    continue
                }
                let outcome = importGroup(group, input: input, entity: entity, importer: importer, database: database, named: !isPattern)
                outcomes.append(outcome)
                if job.stopOnError && (outcome.exit == .failed || outcome.exit == .inputMissing) {
                    stopped = true
                    emit(.error, "import", "stop_on_error: the job stops here; the inputs before stay committed")
                }
            }
        }
        return outcomes
    }

    /// `named`: the files were named by path, not matched by a pattern (only those may be links).
    private func importGroup(_ files: [String], input: JobInput, entity: String, importer: Importer,
                             database: TallyDatabase, named: Bool) -> JobInputOutcome {
        var snapshot: SnapshotOptions?
        if input.mode == .snapshot {
            var options = SnapshotOptions()
            if let maxRetire = input.maxRetire { options.maxRetire = maxRetire }
            options.expectRows = input.expectRows
            snapshot = options
        }
        let deletes = input.mode == .deletes || entity == JobInput.deletesEntity
        var request = ImportRequest(
            paths: files, entity: deletes && entity == JobInput.deletesEntity ? "" : entity, source: input.source,
            mapPath: input.map.map(paths.resolve),
            format: input.format, dryRun: options.dryRun, precedencePath: input.precedence.map(paths.resolve),
            snapshot: snapshot, command: options.command + " (job \(job.name))")
        if deletes { request.settings.deletes = true }
        let label = files.count == 1 ? files[0] : "\(files.count) files (\(files.joined(separator: ", ")))"
        request.progress = sink.progress
        request.followSymlinks = named && options.followSymlinks
        let result: Result<ImportResult, ImportFailure>
        do throws(ImportFailure) { result = .success(try importer.run(request)) }
        catch { result = .failure(error) }

        switch result {
        case .failure(let failure):
            if let run = failure.run { attach(run, database) }
            let exit: JobExit = switch failure.kind {
            case .inputMissing: .inputMissing
            case .inputChanged: .dataIssues  // nothing committed; the next job reads the finished file
            default: .failed
            }
            let prefix = failure.run.map { "run \($0) failed" } ?? (exit == .inputMissing ? "input missing" : "failed")
            emit(.error, "import", "\(prefix): \(entity) from \(label): \(failure.message)", run: failure.run, input: label)
            return JobInputOutcome(entity: entity, source: input.source, files: files, run: failure.run,
                                   status: exit == .inputMissing ? .missing : .failed, exit: exit, counts: RunCounts(), message: failure.message)
        case .success(let result):
            if let run = result.run { attach(run, database) }
            for warning in result.warnings { emit(.warning, "import", warning, run: result.run, input: label) }
            let c = result.counts
            let countsText = c.text(RunCounts.Field.summary + (c.retired > 0 ? [.retired] : []))
            let issues = c.rejected > 0 || c.conflicts > 0
            var outcome = JobInputOutcome(entity: entity, source: result.source, files: files, run: result.run,
                                          status: JobInputStatus(result.status), exit: issues ? .dataIssues : .clean,
                                          counts: c, message: result.message)
            switch result.status {
            case .skipped:
                outcome.exit = .clean
                emit(.info, "import", "run \(result.run.map(String.init) ?? "-") skipped: \(entity) from \(label): \(result.message ?? "nothing new")",
                     run: result.run, input: label, counts: c)
            case .dryRun:
                emit(issues ? .warning : .info, "import", "dry run: \(entity) from \(label) would give: \(countsText)", input: label, counts: c)
            default:
                var text = "run \(result.run.map(String.init) ?? "-") \(result.status.rawValue): \(entity) from \(label) (source '\(result.source)'): \(countsText)"
                if let message = result.message { text += "; \(message)" }
                if c.rejected > 0, let run = result.run { text += "; see the rejected rows with 'tally rejects --run \(run)'" }
                if c.conflicts > 0, let run = result.run { text += "; see the conflicts with 'tally conflicts --run \(run)'" }
                emit(issues ? .warning : .info, "import", text, run: result.run, input: label, counts: c)
            }
            if !options.dryRun, let archive = job.archive, let run = result.run,
               result.status == .committed || result.status == .skipped {
                outcome.archived = archiveFiles(files, run: run, folder: paths.resolve(archive))
            }
            return outcome
        }
    }

    private func attach(_ run: Int64, _ database: TallyDatabase) {
        guard let jobRun else { return }
        do { try JobRunLedger(database).attach(run: run, to: jobRun) }
        catch { emit(.warning, "import", "cannot link run \(run) to job run \(jobRun): \(error)", run: run) }
    }

    /// Moves each file into `folder` as `<run>-<name>` (`<run>-<name>.2`, … if taken). A file
    /// that cannot be moved stays where it is (a warning): its content is committed, so the next
    /// job skips it by its SHA-256. Across file systems the move is a copy to a temp name in
    /// `folder`, synced, renamed into place, then the original removed: a kill leaves a whole
    /// archived file or none (a temp file, removed by the next job), and a file already archived
    /// whole (a move killed before it removed the original) is not archived a second time.
    private func archiveFiles(_ files: [String], run: Int64, folder: String) -> [String] {
        let manager = FileManager.default
        var moved: [String] = []
        do { try manager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        catch {
            emit(.warning, "archive", "cannot create the archive folder \(folder): \(error); the files stay where they are", run: run)
            return []
        }
        InputArchive.removeAbandonedCopies(in: folder)
        for file in files {
            let name = (file as NSString).lastPathComponent
            if let existing = Self.archivedCopy(of: file, named: name, in: folder) {
                if unlink(file) == 0 {
                    DurableCopy.syncFolder(Self.folder(of: file))
                    moved.append(existing)
                    emit(.info, "archive", "\(file) is already archived as \(existing) (same content); removed it", run: run, input: file)
                } else {
                    emit(.warning, "archive", "\(file) is already archived as \(existing), but cannot be removed: \(String(cString: strerror(errno)))", run: run, input: file)
                }
                continue
            }
            let base = folder + "/\(run)-" + name
            var destination = base
            var suffix = 2
            while manager.fileExists(atPath: destination) { destination = base + ".\(suffix)"; suffix += 1 }
            do throws(DurableCopy.Failure) {
                try Self.move(file, to: destination, folder: folder)
                moved.append(destination)
                emit(.info, "archive", "moved \(file) to \(destination)", run: run, input: file)
            } catch {
                emit(.warning, "archive", "cannot move \(file) to \(destination): \(error); it stays where it is", run: run, input: file)
            }
        }
        return moved
    }

    /// `rename`, or across file systems a synced copy under a temp name, renamed, then the original removed.
    static func move(_ file: String, to destination: String, folder: String) throws(DurableCopy.Failure) {
        if rename(file, destination) == 0 {
            DurableCopy.syncFolder(folder)
            return
        }
        guard errno == EXDEV else { throw DurableCopy.Failure(kind: .io, description: String(cString: strerror(errno))) }
        let temporary = folder + "/." + (destination as NSString).lastPathComponent + ".tmp-\(getpid())"
        unlink(temporary)
        try DurableCopy.copy(from: file, to: temporary, expected: FileByteSource.FileStamp.of(path: file))
        TestHold.pause("archive-copied")
        guard rename(temporary, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DurableCopy.Failure(kind: .io, description: reason)
        }
        DurableCopy.syncFolder(folder)
        TestHold.pause("archive-renamed")
        guard unlink(file) == 0 else {
            throw DurableCopy.Failure(kind: .io, description: "copied, but the original cannot be removed: \(String(cString: strerror(errno)))")
        }
        DurableCopy.syncFolder(Self.folder(of: file))
    }

    /// An archived `<run>-<name>[.N]` in `folder` with the same content as `file`, if any.
    static func archivedCopy(of file: String, named name: String, in folder: String) -> String? {
        guard let size = FileByteSource.FileStamp.of(path: file)?.size,
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        var digest: [UInt8]?
        for candidate in names.sorted() {
            guard let dash = candidate.firstIndex(of: "-"), Int64(candidate[..<dash]) != nil else { continue }
            let rest = candidate[candidate.index(after: dash)...]
            guard rest == name || (rest.hasPrefix(name + ".") && Int(rest.dropFirst(name.count + 1)) != nil) else { continue }
            let path = folder + "/" + candidate
            guard FileByteSource.FileStamp.of(path: path)?.size == size else { continue }
            guard let mine = digest ?? (try? SHA256.hash(fileAt: file)) else { return nil }
            digest = mine
            if (try? SHA256.hash(fileAt: path)) == mine { return path }
        }
        return nil
    }

    private static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    // MARK: - Report

    /// The report stage: the steward's HTML page at `path`, covering the job's runs of the last
    /// `report_days` (default 30) with this job run's marked new (nothing in a dry run); a page
    /// that cannot be written is logged as an error.
    private func writeReport(_ path: String, _ database: TallyDatabase, readings: StewardReportReadings) {
        if options.dryRun {
            emit(.info, "report", "would write the HTML report \(path)")
            return
        }
        do {
            let scope: StewardReportOptions.Scope = jobRun.map { .jobRun($0) } ?? .job(job.name)
            let report = StewardReport(database: database, options: StewardReportOptions(days: job.reportDays ?? 30, scope: scope,
                                                                                      staleDays: job.extracts?.staleDays ?? 60),
                                       catalogue: catalogue, readings: readings)
            let summary = try report.write(to: path)
            emit(.info, "report", "wrote the HTML report \(path) (\(summary.bytes) bytes): \(summary.status)")
        } catch {
            emit(.error, "report", "the HTML report \(path) was not written: \(ErrorText.describe(error))")
        }
    }

    // MARK: - Extracts

    private func writeExtracts(_ database: TallyDatabase, importsCommitted: Bool, observer: (any ReportRowObserver)?) -> ([String], JobExit) {
        guard let extracts = job.extracts else { return ([], .clean) }
        let out = paths.resolve(extracts.out)
        if !importsCommitted && extracts.when == .committed {
            emit(.warning, "extract", "extracts not written: not every import of the job committed "
                 + "(fix the input and rerun, or 'tally run \(options.jobPath) --stage extract' to write them anyway)")
            return ([], .clean)
        }
        var requests: [(request: ExtractRequest, folder: String)] = []
        let names = job.reportNames(catalogue)
        if !names.isEmpty { requests.append((job.extractRequest(catalogue), out)) }
        for feed in extracts.feeds {
            requests.append((job.feedRequest(feed, catalogue), feed.out.map(paths.resolve) ?? out + "/feeds/" + feed.name))
        }
        if options.dryRun {
            for (request, folder) in requests {
                emit(.info, "extract", "would write \(request.names.joined(separator: ", "))"
                     + (request.feed.map { " (feed \($0))" } ?? "") + " into \(folder)")
            }
            return ([], .clean)
        }
        var written: [String] = []
        let extractor = Extractor(database: database, catalogue: catalogue)
        for (request, folder) in requests {
            do {
                let result = try extractor.write(request, toFolder: folder, observer: observer)
                written += result.paths
                let rows = result.manifest.files.map(\.rows).reduce(0, +)
                let reused = result.manifest.files.filter(\.reused).count
                var text = "wrote \(result.manifest.files.count) file(s), \(rows) row(s), into \(folder) with \(Extractor.manifestName) and \(Extractor.checksumsName)"
                    + (reused > 0 ? " (\(reused) reused: their inputs did not change)" : "")
                if let feed = result.manifest.feed { text = "feed \(feed.cursor.feed) (\(feed.cursor.entity)): " + text }
                emit(.info, "extract", text)
            } catch let error as FeedCursorError {
                emit(.error, "extract", error.message)
                return (written, .failed)
            } catch {
                emit(.error, "extract", "cannot write \(request.names.joined(separator: ", ")) into \(folder): \(ErrorText.describe(error)); the folder is as it was")
                return (written, .failed)
            }
        }
        return (written, .clean)
    }
}
