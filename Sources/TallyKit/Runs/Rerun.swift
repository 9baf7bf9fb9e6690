/// Builds the import that re-does a run: the same inputs (the copies it kept, checked by
/// SHA-256), re-mapped, re-validated and re-reconciled with today's maps, rules and precedence.
package struct Rerun {
    let database: TallyDatabase

    package init(database: TallyDatabase) { self.database = database }

    /// The request that reruns `run`; `mapPath` and `precedencePath` replace the run's own.
    package func request(for run: Int64, mapPath: String? = nil, precedencePath: String? = nil,
                        dryRun: Bool = false, command: String) throws(ImportFailure) -> ImportRequest {
        let ledger = RunLedger(database)
        let record: RunRecord?
        let settings: RunSettings?
        let inputs: [RunInput]
        do {
            record = try ledger.run(run)
            settings = try ledger.settings(run: run)
            inputs = try ledger.inputs(run: run)
        } catch {
            throw ImportFailure(.failed, "cannot read run \(run): \(error)")
        }
        guard let record else { throw ImportFailure(.invalidRequest, "there is no run \(run); see 'tally runs'") }
        guard RunKind.reading.contains(record.kind), var settings else {
            throw ImportFailure(.invalidRequest, "run \(run) is a \(record.kind) run; only imports and reruns can be rerun")
        }
        guard !inputs.isEmpty else { throw ImportFailure(.invalidRequest, "run \(run) read no input, so there is nothing to rerun") }
        var stored: [StoredInput] = []
        for input in inputs {
            guard let path = input.storedPath, let sha256 = input.sha256 else {
                throw ImportFailure(.inputMissing, "run \(run)'s input \(input.path) is no longer kept (pruned), so the run cannot be rerun; import the file again instead")
            }
            stored.append(StoredInput(displayPath: input.path, storedPath: path, sha256: sha256))
        }
        if let mapPath { settings.mapPath = mapPath }
        if let precedencePath { settings.precedencePath = precedencePath }
        var request = ImportRequest(paths: [], entity: settings.entity, dryRun: dryRun, command: command)
        request.settings = settings
        request.storedInputs = stored
        request.kind = .rerun
        request.parentRun = run
        request.reimport = true
        return request
    }
}
