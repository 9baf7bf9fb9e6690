import Foundation

/// Runs `tally import`: reads, maps, validates and reconciles inputs into the store as one run,
/// committed whole or not at all, with every row accounted for.
public final class Importer {
    public let database: TallyDatabase
    var connection: Connection { database.connection }

    public init(database: TallyDatabase) { self.database = database }

    /// Imports `request.paths` as one run. Throws ``ImportFailure`` when the run cannot start
    /// (missing input, bad map) or fails (nothing is committed then, and the run is recorded failed).
    public func run(_ request: ImportRequest) throws(ImportFailure) -> ImportResult {
        guard let entity = database.registry.entity(named: request.entity) else {
            throw ImportFailure(.invalidRequest, "unknown entity '\(request.entity)'; known entities: \(database.registry.names.joined(separator: ", "))")
        }
        let map = try loadMap(request, entity: entity)
        let precedence = try loadPrecedence(request)
        let source = request.source ?? map.source
        let staged = try stageInputs(request.paths)
        defer { staged.forEach { $0.cleanUp() } }

        let ledger = RunLedger(database)
        var pending: [StagedInput] = []
        var skippedNotes: [String] = []
        do {
            for input in staged {
                if !request.force, let earlier = try ledger.committedRun(sha256: input.sha256, entity: entity.name, source: source) {
                    skippedNotes.append("\(input.displayPath) was already imported by run \(earlier) (same SHA-256); use --force to import it again")
                } else {
                    pending.append(input)
                }
            }
        } catch {
            throw ImportFailure(.failed, "cannot read the run ledger: \(error)")
        }
        if pending.isEmpty {
            let message = skippedNotes.joined(separator: "; ")
            var runID: Int64?
            if !request.dryRun {
                runID = try? ledger.begin(kind: "import", entity: entity.name, source: source, command: request.command)
                if let runID { try? ledger.finishSeparately(run: runID, status: .skipped, counts: RunCounts(), message: message) }
            }
            return ImportResult(run: runID, status: request.dryRun ? .dryRun : .skipped, entity: entity.name, source: source,
                                inputs: staged.map { $0.ledgerInput(position: 0) }, counts: RunCounts(), message: message)
        }

        var runID: Int64 = 0
        if !request.dryRun {
            do { runID = try ledger.begin(kind: "import", entity: entity.name, source: source, command: request.command) }
            catch { throw ImportFailure(.failed, "cannot start a run: \(error)") }
        }
        do {
            try connection.execute("BEGIN IMMEDIATE TRANSACTION")
        } catch {
            if !request.dryRun { try? ledger.finishSeparately(run: runID, status: .failed, counts: RunCounts(), message: "\(error)") }
            throw ImportFailure(.failed, "cannot lock the store for writing: \(error)", run: request.dryRun ? nil : runID)
        }
        do {
            if request.dryRun {
                runID = try ledger.begin(kind: "import", entity: entity.name, source: source, command: request.command, inTransaction: true)
            }
            let pipeline = RowPipeline(connection: connection, registry: database.registry, entity: entity, map: map,
                                       source: source, run: runID, precedence: precedence)
            var inputs: [RunInput] = []
            var total = RunCounts()
            for (position, input) in pending.enumerated() {
                let result = try pipeline.process(input, position: position + 1, format: request.format, encoding: request.encoding)
                guard result.counts.isConserved else {
                    throw ImportFailure(.failed, "internal error: the counts for \(input.displayPath) do not add up (\(result.counts)); nothing was committed")
                }
                try ledger.record(result, run: runID)
                inputs.append(result)
                total = total + result.counts
            }
            guard total.isConserved else { throw ImportFailure(.failed, "internal error: the run's counts do not add up; nothing was committed") }
            if let snapshot = request.snapshot {
                total.retired = try SnapshotRetirement(connection: connection, entity: entity, source: source, run: runID)
                    .retire(seen: pipeline.writer.seen, rowsRead: total.read, options: snapshot, force: request.force)
            }
            let resolved = try ReferenceResolver.resolvePending(target: entity, registry: database.registry,
                                                                connection: connection, run: runID, source: source)
            var notes = skippedNotes
            if resolved > 0 { notes.append("\(resolved) pending reference(s) to \(entity.name) resolved") }
            let message = notes.isEmpty ? nil : notes.joined(separator: "; ")
            try ledger.finish(run: runID, status: .committed, counts: total, message: message)
            if request.dryRun {
                try connection.execute("ROLLBACK")
                return ImportResult(run: nil, status: .dryRun, entity: entity.name, source: source, inputs: inputs, counts: total, message: message)
            }
            try connection.execute("COMMIT")
            return ImportResult(run: runID, status: .committed, entity: entity.name, source: source, inputs: inputs, counts: total, message: message)
        } catch {
            try? connection.execute("ROLLBACK")
            let message: String
            if let failure = error as? ImportFailure { message = failure.message }
            else if let issue = error as? ReadIssue { message = "\(issue.description); the input cannot be read past this point, so nothing was committed" }
            else { message = "\(error); nothing was committed" }
            if !request.dryRun { try? ledger.finishSeparately(run: runID, status: .failed, counts: RunCounts(), message: message) }
            throw ImportFailure(.failed, message, run: request.dryRun ? nil : runID)
        }
    }

    private func loadMap(_ request: ImportRequest, entity: EntityDefinition) throws(ImportFailure) -> TransformMap {
        guard let path = request.mapPath else { return TransformMap.default(for: entity) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImportFailure(.inputMissing, "the map \(path) does not exist or cannot be read")
        }
        let map: TransformMap
        do { map = try TransformMap.load(path: path) }
        catch { throw ImportFailure(.invalidRequest, "the map \(path) is not valid: \(Self.describe(error))") }
        guard let mapEntity = database.registry.entity(named: map.entity), mapEntity.name == entity.name else {
            throw ImportFailure(.invalidRequest, "the map \(path) is for entity '\(map.entity)', but the import is for '\(entity.name)'")
        }
        return map
    }

    private func loadPrecedence(_ request: ImportRequest) throws(ImportFailure) -> PrecedenceRules {
        guard let path = request.precedencePath else { return .none }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImportFailure(.inputMissing, "the precedence file \(path) does not exist or cannot be read")
        }
        do { return try PrecedenceRules.load(path: path, registry: database.registry) }
        catch { throw ImportFailure(.invalidRequest, "the precedence file \(path) is not valid: \(Self.describe(error))") }
    }

    private func stageInputs(_ paths: [String]) throws(ImportFailure) -> [StagedInput] {
        var staged: [StagedInput] = []
        for path in paths {
            do { staged.append(try StagedInput(path: path)) }
            catch let failure as ImportFailure { staged.forEach { $0.cleanUp() }; throw failure }
            catch { staged.forEach { $0.cleanUp() }; throw ImportFailure(.inputMissing, "\(path): \(error)") }
        }
        return staged
    }

    /// A decoding error as one readable sentence.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
             DecodingError.valueNotFound(_, let context), DecodingError.keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        default:
            return "\(error)"
        }
    }
}
