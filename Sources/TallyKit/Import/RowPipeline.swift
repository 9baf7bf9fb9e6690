/// The per-row flow of an import, for one entity, map and run:
/// read → map → validate → reconcile, with findings stored and every row counted once.
final class RowPipeline {
    let connection: Connection
    let entity: EntityDefinition
    let map: TransformMap
    let run: Int64
    let writer: EntityWriter
    private let validator: Validator
    private let findings: FindingLog
    /// The run a fed-back reject export came from, when all its rows name one.
    private(set) var rejectExportRun: Int64?
    /// Rows of a fed-back reject export that this run accepted.
    private(set) var recoveredRejects = 0
    private var rejectRuns = Set<Int64>()

    init(connection: Connection, registry: EntityRegistry, entity: EntityDefinition, map: TransformMap, source: String,
         run: Int64, precedence: PrecedenceRules) {
        self.connection = connection
        self.entity = entity
        self.map = map
        self.run = run
        writer = EntityWriter(connection: connection, registry: registry, entity: entity, run: run, source: source,
                              identifierRules: map.keys, precedence: precedence)
        validator = Validator(entity: entity, map: map)
        findings = FindingLog(connection: connection, run: run)
    }

    /// Columns readers add to describe a record (an XML unload's table element and action).
    static let metadataColumns: Set<String> = ["_table", "_action"]

    /// A record an unload says belongs to another table is rejected, not imported as this entity.
    private func checkTable(_ raw: RawRecord) -> [Finding] {
        guard case .some(.some(let table)) = raw["_table"], !entity.allNames.contains(table) else { return [] }
        return [Finding(severity: .error, rule: "wrong_table", field: nil,
                        message: "the record is a '\(table)' element, but the import is for \(entity.name) (\(entity.table)); import it with --entity \(table)",
                        provenance: raw.provenance)]
    }

    /// A row from `tally rejects --format csv` carries `_reject_run`: link the run and count recoveries.
    private func noteRejectExport(_ raw: RawRecord, outcome: RecordOutcome) {
        guard case .some(.some(let text)) = raw["_reject_run"], let run = Int64(text) else { return }
        rejectRuns.insert(run)
        rejectExportRun = rejectRuns.count == 1 ? run : nil
        if case .rejected = outcome { return }
        recoveredRejects += 1
    }

    /// Processes one staged input inside the run's transaction; returns its ledger entry.
    func process(_ input: StagedInput, position: Int, format: InputFormat?, encoding: TransformMap.Encoding?) throws -> RunInput {
        let declared = (encoding ?? map.encoding).transcoding
        let opened = try InputOpener.open(path: input.path, format: format, encoding: declared == .utf8 ? nil : declared)
        var counts = RunCounts()
        var mapper: RecordMapper?
        var unknownColumns: [String] = []

        while let event = try opened.reader.next() {
            switch event {
            case .issue(var issue):
                issue.file = input.displayPath
                try findings.record(issue, input: position)
                if issue.record != nil { counts.count(.rejected([])) }
            case .record(var raw):
                raw.provenance.file = input.displayPath
                if mapper == nil {
                    // Reader metadata (an unload's _table and _action) and a reject export's _reject_*
                    // columns describe the row, not the record: they are not data to keep.
                    var map = map
                    map.ignore += raw.names.filter { Self.metadataColumns.contains($0) || $0.hasPrefix("_reject_") }
                    let compiled = try RecordMapper(map: map, entity: entity, header: raw.names)
                    mapper = compiled
                    unknownColumns = compiled.unknownColumns
                }
                let mapped = mapper!.map(raw)
                var found = validator.validate(mapped) + checkTable(raw)  // validate() includes the typing findings
                let outcome: RecordOutcome
                if found.rejects {
                    outcome = .rejected(found)
                } else {
                    let result = try writer.apply(mapped)
                    outcome = result.outcome
                    counts.conflicts += result.conflicts
                    found += result.warnings
                    if case .rejected(let more) = outcome { found += more }
                }
                if !found.isEmpty {
                    let rejected: Bool
                    if case .rejected = outcome { rejected = true } else { rejected = false }
                    try findings.record(found, input: position, raw: raw, rejected: rejected)
                    if !rejected { counts.warnings += found.count }
                }
                counts.count(outcome)
                noteRejectExport(raw, outcome: outcome)
            }
        }
        var result = try input.ledgerInput(position: position)
        result.format = opened.format.rawValue
        result.counts = counts
        result.unknownColumns = unknownColumns
        return result
    }
}
