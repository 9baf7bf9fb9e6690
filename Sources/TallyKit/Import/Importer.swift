import Foundation
import TallyFormats
import TallyStore

/// Runs `tally import` and `tally rerun`: reads, maps, validates and reconciles inputs into the
/// store as one run, committed whole or not at all, with every row accounted for.
package final class Importer {
    package let database: TallyDatabase
    var connection: Connection { database.connection }

    package init(database: TallyDatabase) { self.database = database }

    /// Everything a run needs, resolved before it starts.
    struct Plan {
        var entity: EntityDefinition
        var map: TransformMap
        var precedence: PrecedenceRules
        var source: String
        var inputs: [StagedInput]
    }

    /// Imports the request's inputs as one run. Throws ``ImportFailure`` when the run cannot start
    /// (missing input, bad map) or fails (nothing is committed then, and the run is recorded failed).
    package func run(_ request: ImportRequest) throws(ImportFailure) -> ImportResult {
        if request.settings.deletes == true { return try runDeletes(request) }
        let plan = try prepare(request)
        defer { plan.inputs.forEach { $0.cleanUp() } }
        let ledger = RunLedger(database)

        var pending: [StagedInput] = []
        var notes: [String] = []
        do {
            for input in plan.inputs {
                // Only a committed input of the same size can have the same SHA-256: otherwise the
                // hash is left to finish in the background while the file is imported.
                if !request.force && !request.reimport,
                   try ledger.hasCommittedInput(size: input.size, entity: plan.entity.name, source: plan.source),
                   let earlier = try ledger.committedRun(sha256: try input.sha256(), entity: plan.entity.name, source: plan.source,
                                                         snapshot: request.settings.snapshot != nil) {
                    notes.append("\(input.displayPath) was already imported by run \(earlier) (same SHA-256); use --force to import it again")
                } else {
                    pending.append(input)
                }
            }
        } catch let failure as ImportFailure {
            throw failure
        } catch {
            throw ImportFailure(.failed, "cannot read the run ledger: \(error)")
        }
        if pending.isEmpty { return try skipped(request, plan, notes: notes) }
        return try execute(request, plan, pending, notes: notes)
    }

    private func prepare(_ request: ImportRequest) throws(ImportFailure) -> Plan {
        let settings = request.settings
        guard let entity = database.registry.entity(named: settings.entity) else {
            throw ImportFailure(.invalidRequest, "unknown entity '\(settings.entity)'; known entities: \(database.registry.names.joined(separator: ", "))")
        }
        let map = try loadMap(settings, entity: entity)
        let precedence = try loadPrecedence(settings)
        let inputs = try stagedInputs(request)
        return Plan(entity: entity, map: map, precedence: precedence, source: settings.source ?? map.source, inputs: inputs)
    }

    /// The request's files and kept inputs, staged; none left behind when one cannot be.
    func stagedInputs(_ request: ImportRequest) throws(ImportFailure) -> [StagedInput] {
        var inputs: [StagedInput] = []
        do {
            for path in request.paths { inputs.append(try StagedInput(path: path, followSymlinks: request.followSymlinks)) }
            for stored in request.storedInputs { inputs.append(try StagedInput(stored: stored)) }
        } catch {
            inputs.forEach { $0.cleanUp() }
            if let failure = error as? ImportFailure { throw failure }
            throw ImportFailure(.inputMissing, ErrorText.describe(error))
        }
        return inputs
    }

    /// Every input was already committed: record a skipped run (unless dry) and say so.
    private func skipped(_ request: ImportRequest, _ plan: Plan, notes: [String]) throws(ImportFailure) -> ImportResult {
        let message = notes.joined(separator: "; ")
        var runID: Int64?
        if !request.dryRun {
            let ledger = RunLedger(database)
            runID = try? ledger.begin(kind: request.kind, entity: plan.entity.name, source: plan.source, command: request.command,
                                      parentRun: request.parentRun, settings: request.settings)
            if let runID { try? ledger.finishSeparately(run: runID, status: .skipped, counts: RunCounts(), message: message) }
        }
        return ImportResult(run: runID, status: request.dryRun ? .dryRun : .skipped, entity: plan.entity.name, source: plan.source,
                            inputs: try plan.inputs.map { input throws(ImportFailure) in try input.ledgerInput(position: 0) }, counts: RunCounts(), message: message)
    }

    private func execute(_ request: ImportRequest, _ plan: Plan, _ pending: [StagedInput], notes: [String]) throws(ImportFailure) -> ImportResult {
        database.setCache(kiB: TallyDatabase.importCacheKiB)
        defer { database.setCache(kiB: TallyDatabase.defaultCacheKiB) }
        let ledger = RunLedger(database)
        var notes = notes
        var runID: Int64 = 0
        if !request.dryRun {
            do {
                runID = try ledger.begin(kind: request.kind, entity: plan.entity.name, source: plan.source, command: request.command,
                                         parentRun: request.parentRun, settings: request.settings)
            } catch {
                throw ImportFailure(Self.isBusy(error) ? .locked : .failed, "cannot start a run: \(error)")
            }
        }
        let firstLoad = request.dryRun ? nil : FirstLoadJournal.engage(database)
        defer { firstLoad?.release() }
        // The run writes only its own run id where the schema declares foreign keys, and fails
        // whole on any error; without foreign-key checks its multi-row inserts need no statement
        // journal (SQLite's copy of every page a statement changes, which outgrows memory and
        // is written to a temporary file). `tally check` runs SQLite's foreign_key_check.
        try? connection.setPragma(.foreignKeys, to: false)
        defer { try? connection.setPragma(.foreignKeys, to: true) }
        var clock = StageClock()
        var began = false
        var outcome: ImportResult?
        do {
            // A dry run ends in a rollback: what it did is read back before the transaction is dropped.
            try connection.inTransaction(.immediate) {
                began = true
                let audit = try AuditSpan(startingIn: connection)
                if request.dryRun {
                    runID = try ledger.begin(kind: request.kind, entity: plan.entity.name, source: plan.source, command: request.command,
                                             parentRun: request.parentRun, settings: request.settings, inTransaction: true)
                }
                let pipeline = RowPipeline(connection: connection, registry: database.registry, entity: plan.entity, map: plan.map,
                                           source: plan.source, run: runID, precedence: plan.precedence, strategy: request.strategy)
                pipeline.writer.trackSeen = request.settings.snapshot != nil
                pipeline.probesStore = firstLoad == nil
                pipeline.asOf = request.settings.asOf
                let readIndexes = try DeferredReadIndexes(database.registry.table(for: plan.entity), connection: connection)
                var inputs: [RunInput] = []
                var total = RunCounts()
                for (position, input) in pending.enumerated() {
                    var (result, opened) = try clock.time("read, map, validate, reconcile") {
                        try pipeline.process(input, position: position + 1, format: request.settings.format, encoding: request.settings.encoding,
                                             progress: request.progress)
                    }
                    guard result.counts.isConserved else {
                        throw ImportFailure(.failed, "internal error: the counts for \(input.displayPath) do not add up (\(result.counts)); nothing was committed")
                    }
                    if !request.dryRun {
                        result.storedPath = try clock.time("keep inputs") {
                            try InputArchive(storePath: database.path).keep(input, sha256: result.sha256 ?? "", asRead: opened)
                        }
                    }
                    try ledger.record(result, run: runID)
                    inputs.append(result)
                    total = total + result.counts
                }
                guard total.isConserved else { throw ImportFailure(.failed, "internal error: the run's counts do not add up; nothing was committed") }
                if !readIndexes.isEmpty {
                    // The sort that builds an index takes memory up to the page cache's size: the import's is given back first.
                    database.setCache(kiB: TallyDatabase.defaultCacheKiB)
                    FreedMemory.release()
                    try clock.time("build indexes") { try readIndexes.rebuild() }
                }
                if let snapshot = request.settings.snapshot {
                    total.retired = try clock.time("retire") {
                        try SnapshotRetirement(connection: connection, entity: plan.entity, source: plan.source, run: runID)
                            .retire(seen: pipeline.writer.seen, rowsRead: total.read, options: snapshot, force: request.force)
                    }
                }
                let resolved = try clock.time("resolve references") {
                    try ReferenceResolver.resolvePending(target: plan.entity, registry: database.registry,
                                                         connection: connection, run: runID, source: plan.source)
                }
                if resolved > 0 { notes.append("\(resolved) pending reference(s) to \(plan.entity.name) resolved") }
                let parentRun = request.parentRun ?? pipeline.rejectExportRun
                total.recovered = try recovered(pipeline: pipeline, parentRun: parentRun, isRerun: request.parentRun != nil, run: runID)
                let followUp = RejectFollowUp(connection: connection, run: runID)
                if let rerunOf = request.parentRun { try followUp.rerun(of: rerunOf) }
                try followUp.fedBack(pipeline.fedBackRejects)
                if request.parentRun == nil, let parentRun { try ledger.setParent(run: runID, parent: parentRun) }
                let message = notes.isEmpty ? nil : notes.joined(separator: "; ")
                if !request.dryRun, CMDBHealthHistory.tracks(plan.entity, in: database.registry) {
                    // The rows are written: the import's page cache and its threads' freed memory go back
                    // before the health is computed, so its memory does not add to theirs (100k CIs: 100 MiB).
                    database.setCache(kiB: TallyDatabase.defaultCacheKiB)
                    FreedMemory.release()
                    try CMDBHealthHistory.record(run: runID, database: database)  // the trend of the steward page
                }
                try ledger.finish(run: runID, status: .committed, counts: total, message: message, timings: clock.json, audit: audit)
                var result = ImportResult(run: runID, status: .committed, entity: plan.entity.name, source: plan.source,
                                          inputs: inputs, counts: total, message: message)
                result.warnings = pipeline.versionedByExportTime.map { input in
                    "\(input.path) has no \(plan.entity.updatedField) column: its rows are versioned by the time the export was taken, "
                        + "\(input.time) UTC (\(input.fromFileTime ? "the file's modification time; give --as-of TIME if it was taken at another time" : "--as-of"))"
                }
                result.parentRun = parentRun
                result.firstLoad = firstLoad != nil
                let completion: TransactionCompletion
                (outcome, completion) = try ending(result, request: request, run: runID)
                return completion
            }
        } catch {
            throw failure(of: error, began: began, request: request, run: runID, ledger: ledger)
        }
        return outcome!
    }

    /// How a run's transaction ends, and with what result: a dry run's changes and rejects are
    /// read back, then rolled back; any other run commits.
    func ending(_ result: ImportResult, request: ImportRequest, run: Int64) throws -> (ImportResult, TransactionCompletion) {
        guard request.dryRun else { return (result, .commit) }
        var result = result
        result.changes = try RecordChange.of(run: run, connection: connection)
        result.rejects = try RejectStore(database).rejects(run: run)
        result.run = nil
        result.status = .dryRun
        return (result, .rollback)
    }

    /// The failure a run that did not commit ends in; its ledger row is marked failed (a dry run has none).
    func failure(of error: any Error, began: Bool, request: ImportRequest, run: Int64, ledger: RunLedger) -> ImportFailure {
        let ledgerRun = request.dryRun ? nil : run
        guard began else {
            if let ledgerRun { try? ledger.finishSeparately(run: ledgerRun, status: .failed, counts: RunCounts(), message: "\(error)") }
            return ImportFailure(Self.isBusy(error) ? .locked : .failed, "cannot lock the store for writing: \(error)", run: ledgerRun)
        }
        let message: String
        if let failure = error as? ImportFailure { message = failure.message }
        else if let issue = error as? ReadIssue { message = "\(issue.description); the input cannot be read past this point, so nothing was committed" }
        else { message = "\(ErrorText.describe(error)); nothing was committed" }
        if let ledgerRun { try? ledger.finishSeparately(run: ledgerRun, status: .failed, counts: RunCounts(), message: message) }
        let kind: ImportFailure.Kind = (error as? ImportFailure)?.kind == .inputChanged ? .inputChanged : .failed
        return ImportFailure(kind, message, run: ledgerRun)
    }

    /// Rows the parent run rejected that this run accepted: for a rerun, by input position and
    /// record number; for a fed-back reject export, every accepted row that carried a reject.
    private func recovered(pipeline: RowPipeline, parentRun: Int64?, isRerun: Bool, run: Int64) throws -> Int {
        guard let parentRun else { return 0 }
        if !isRerun { return pipeline.recoveredRejects }
        return Int(try connection.scalar("""
            SELECT count(*) FROM (SELECT DISTINCT input, record FROM findings WHERE run = ?1 AND rejected = 1 AND record IS NOT NULL) old
            WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.run = ?2 AND f.rejected = 1 AND f.input = old.input AND f.record = old.record)
            """, [.integer(parentRun), .integer(run)]).integer ?? 0)
    }

    private func loadMap(_ settings: RunSettings, entity: EntityDefinition) throws(ImportFailure) -> TransformMap {
        guard let path = settings.mapPath else { return TransformMap.default(for: entity) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImportFailure(.inputMissing, "the map \(path) does not exist or cannot be read")
        }
        let map: TransformMap
        do { map = try TransformMap.load(path: path) }
        catch { throw ImportFailure(.invalidRequest, "the map \(path) is not valid: \(Self.describe(error, jsonFile: path))") }
        guard let mapEntity = database.registry.entity(named: map.entity), mapEntity.name == entity.name else {
            throw ImportFailure(.invalidRequest, "the map \(path) is for entity '\(map.entity)', but the import is for '\(entity.name)'")
        }
        // Checked before any input is looked at, so a bad map is told even when every input
        // was already imported (the run would be skipped) or is empty.
        do throws(RecordMapper.Invalid) { _ = try RecordMapper(map: map, entity: entity, header: []) }
        catch { throw ImportFailure(.invalidRequest, "the map \(path) is not valid: \(error)") }
        return map
    }

    private func loadPrecedence(_ settings: RunSettings) throws(ImportFailure) -> PrecedenceRules {
        guard let path = settings.precedencePath else { return .none }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImportFailure(.inputMissing, "the precedence file \(path) does not exist or cannot be read")
        }
        do { return try PrecedenceRules.load(path: path, registry: database.registry) }
        catch { throw ImportFailure(.invalidRequest, "the precedence file \(path) is not valid: \(Self.describe(error, jsonFile: path))") }
    }

    /// Whether `error` is SQLite's "database is locked" after the busy timeout.
    static func isBusy(_ error: any Error) -> Bool { (error as? StoreError)?.isBusy ?? false }

    /// A decoding error as one readable sentence.
    /// With `jsonFile`, text that is not JSON at all is located by line and column in that file.
    static func describe(_ error: any Error, jsonFile: String? = nil) -> String {
        if case DecodingError.dataCorrupted(let context) = error, context.codingPath.isEmpty, let jsonFile,
           let data = FileManager.default.contents(atPath: jsonFile), let problem = JSONSyntax.firstProblem(in: Array(data)) {
            return problem.description
        }
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
             DecodingError.valueNotFound(_, let context), DecodingError.keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        default:
            return ErrorText.describe(error)
        }
    }
}
