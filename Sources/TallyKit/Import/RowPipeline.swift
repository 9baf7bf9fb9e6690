import Foundation
import TallyFormats
import TallyStore

/// The per-row flow of an import, for one entity, map and run:
/// read → map → validate → reconcile, with findings stored and every row counted once.
final class RowPipeline {
    let connection: Connection
    let entity: EntityDefinition
    let map: TransformMap
    let run: Int64
    let writer: EntityWriter
    private let findings: FindingLog
    /// The severities of findings made while writing (a case's resolution code), from the map.
    private let severities: SeverityPolicy
    /// The run a fed-back reject export came from, when all its rows name one.
    private(set) var rejectExportRun: Int64?
    /// Rows of a fed-back reject export that this run accepted.
    private(set) var recoveredRejects = 0
    private var rejectRuns = Set<Int64>()
    /// The header last seen and where its `_reject_run`, `_reject_file`, `_reject_line` and
    /// `_reject_record` columns are (a reject export's rows have them).
    private var rejectRunColumn: (names: [String], index: Int?, file: Int?, line: Int?, record: Int?)?
    /// Each fed-back rejected row and whether this run accepted it (``RejectFollowUp``).
    private(set) var fedBackRejects: [RejectFollowUp.FedBack] = []
    /// When the exports were taken, for rows without a version (else each file's modification time).
    var asOf: String?
    /// Inputs whose rows had no version, with the time that versioned them (one warning each).
    private(set) var versionedByExportTime: [(path: String, time: String, fromFileTime: Bool)] = []
    /// Rows the probe recognised and the store confirmed unchanged, over every input so far.
    private var unchangedBeforeMapping = 0
    /// How Reconcile takes the rows: the fast strategy's shortcuts start on the preparation thread.
    let strategy: ReconcileStrategy
    /// Whether the preparation thread may look rows up in the store as it was when the run began
    /// (``UnchangedRowProbe``, fast strategy only). Off when the store held no records then: there
    /// is nothing to find, and under the ``FirstLoadJournal`` a second connection would wait for the run's lock.
    var probesStore = true

    init(connection: Connection, registry: EntityRegistry, entity: EntityDefinition, map: TransformMap, source: String,
         run: Int64, precedence: PrecedenceRules, strategy: ReconcileStrategy = .fast) {
        self.connection = connection
        self.entity = entity
        self.map = map
        self.run = run
        self.strategy = strategy
        writer = EntityWriter(connection: connection, registry: registry, entity: entity, run: run, source: source,
                              identifierRules: map.keys, precedence: precedence, strategy: strategy)
        findings = FindingLog(connection: connection, run: run)
        severities = (try? map.severityPolicy()) ?? .standard
    }

    /// Applies one valid record; a finding made while writing that the map makes an error undoes
    /// the write (a savepoint per row, taken only under such a map) and rejects the row.
    private func write(_ mapped: MappedRecord, stored: StoredRecord?) throws -> WriteResult {
        guard severities.escalatesWriteRules else {
            var result = try writer.apply(mapped, storedAtStart: stored)
            result.warnings = severities.apply(result.warnings)
            return result
        }
        try writer.flush()  // rows held from earlier records are written outside the savepoint
        var result: WriteResult?
        try connection.inSavepoint {
            var applied = try writer.apply(mapped, storedAtStart: stored)
            let found = severities.apply(applied.warnings)
            if found.rejects {
                try writer.flush()  // this record's held rows go inside the savepoint, and with it
                result = WriteResult(outcome: .rejected(found))
                return .rollback
            }
            applied.warnings = found
            result = applied
            return .commit
        }
        return result!
    }

    /// For each run a `_reject_run` named: the keys of the rows it rejected, or nil when it is
    /// not a run of this entity.
    private var rejectedKeys: [Int64: Set<[String?]>?] = [:]
    /// Set when a row's `_reject_run` was refused in the current input (the column is then unknown).
    private var refusedRejectRun = false

    /// The run a row's `_reject_run` names, when that run is of this entity and rejected a row
    /// with this row's key (a reject export fed back); nil when the row has no such column.
    /// `valid` is false when the column is there but the link is refused: the value is then kept
    /// as extra, like any unknown column's, and never linked.
    private func rejectLink(_ raw: RawRecord, fallback: inout RowPreparer) throws -> (run: Int64?, valid: Bool) {
        if rejectRunColumn?.names != raw.names {
            rejectRunColumn = (raw.names, raw.names.firstIndex(of: "_reject_run"), raw.names.firstIndex(of: "_reject_file"),
                               raw.names.firstIndex(of: "_reject_line"), raw.names.firstIndex(of: "_reject_record"))
        }
        guard let column = rejectRunColumn?.index else { return (nil, true) }
        guard let text = raw.value(at: column), let run = Int64(text) else { return (nil, raw.value(at: column) ?? "" == "") }
        if rejectedKeys[run] == nil { rejectedKeys[run] = try loadRejectedKeys(run: run, fallback: &fallback, header: raw) }
        let columns = try fallback.keyColumns(of: raw)
        guard let keys = rejectedKeys[run] ?? nil, !columns.isEmpty else { return (nil, false) }
        let key = columns.map { raw[$0] ?? nil }
        return keys.contains(key) ? (run, true) : (nil, false)
    }

    private func loadRejectedKeys(run: Int64, fallback: inout RowPreparer, header: RawRecord) throws -> Set<[String?]>? {
        guard case .text(let owner) = try connection.scalar("SELECT entity FROM runs WHERE id = ?", [.integer(run)]), owner == entity.name else {
            return nil
        }
        let columns = try fallback.keyColumns(of: header)
        var keys = Set<[String?]>()
        try connection.forEachRow("SELECT raw FROM findings WHERE run = ? AND rejected = 1 AND raw IS NOT NULL", [.integer(run)]) { row in
            guard let raw = row.text(0), raw.hasPrefix("{") else { return }
            var values: [String: String?] = [:]
            for (name, value) in RejectStore.columns(ofJSONObject: raw) where values[name] == nil { values[name] = value }
            keys.insert(columns.map { values[$0] ?? nil })
        }
        return keys
    }

    /// A row from `tally rejects --format csv` carries `_reject_run`: link the run (when
    /// ``rejectLink(_:fallback:)`` accepted it), note the row's follow-up and count recoveries.
    private func noteRejectExport(_ raw: RawRecord, run: Int64?, outcome: RecordOutcome) {
        guard let run, let columns = rejectRunColumn else { return }
        rejectRuns.insert(run)
        rejectExportRun = rejectRuns.count == 1 ? run : nil
        let accepted: Bool
        if case .rejected = outcome { accepted = false } else { accepted = true }
        if let file = columns.file.flatMap({ raw.value(at: $0) }) {
            let number = { (column: Int?) in column.flatMap { raw.value(at: $0) }.flatMap { Int($0) } }
            fedBackRejects.append(.init(run: run, file: file, line: number(columns.line), record: number(columns.record), accepted: accepted))
        }
        if accepted { recoveredRejects += 1 }
    }

    /// Processes one staged input inside the run's transaction; returns its ledger entry (with the
    /// SHA-256 of the bytes read) and the file as it was opened, for keeping a copy of that version.
    /// Reading, mapping and validating run on a thread of their own (see ``PreparationThread``).
    func process(_ input: StagedInput, position: Int, format: InputFormat?, encoding: TransformMap.Encoding?,
                 progress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> (entry: RunInput, opened: FileByteSource.FileStamp?) {
        let declared = (encoding ?? map.encoding).transcoding
        let opened = try InputOpener.open(path: input.path, format: format, encoding: declared == .utf8 ? nil : declared)
        var preparer = RowPreparer(entity: entity, map: map, displayPath: input.displayPath)
        let fileTime = (try? FileManager.default.attributesOfItem(atPath: input.path)[.modificationDate] as? Date)
            .map { CivilDate.canonical(secondsSinceEpoch: Int($0.timeIntervalSince1970)) }
        preparer.versionFallback = asOf ?? fileTime ?? CivilDate.canonical(secondsSinceEpoch: Int(Date().timeIntervalSince1970))
        // Prepares on this thread the rare candidates the store does not confirm unchanged.
        var fallback = preparer
        let probe = probesStore ? strategy.probe(storePath: connection.path, entity: entity, rules: map.keys ?? entity.identifierRules) : nil
        let preparation = try PreparationThread(input: opened, preparer: preparer, probe: probe, packsInserts: strategy.packsInserts)
        defer { preparation.cancel() }
        writer.beginInput(position: position)
        var counts = RunCounts()
        var unknownColumns: [String] = []
        let unchangedBefore = unchangedBeforeMapping
        refusedRejectRun = false
        reading: while true {
            switch preparation.next() {
            case .rows(var rows, let bytesRead):
                for row in rows { try reconcile(row, position: position, counts: &counts, fallback: &fallback) }
                preparation.recycle(&rows)
                progress?(ImportProgress(path: input.displayPath, rows: counts.read, bytesRead: bytesRead, totalBytes: input.size, finished: false))
            case .failure(let error):
                throw error
            case .finished(let preparer):
                try writer.flush()
                unknownColumns = preparer.unknownColumns + (refusedRejectRun ? ["_reject_run"] : [])
                counts.warnings += try recordCollisions(input, position: position, format: opened.format,
                                                        encoding: declared == .utf8 ? nil : declared, versionFallback: preparer.versionFallback)
                if preparer.usedVersionFallback, let time = preparer.versionFallback {
                    versionedByExportTime.append((input.displayPath, time, asOf == nil))
                }
                progress?(ImportProgress(path: input.displayPath, rows: counts.read, bytesRead: input.size, totalBytes: input.size, finished: true))
                break reading
            }
        }
        TestHold.pause("read-end")
        var result = try input.ledgerInput(position: position, sha256: try input.verified(try opened.file.finish()))
        result.format = opened.format.rawValue
        result.counts = counts
        result.unknownColumns = unknownColumns
        result.unchangedBeforeMapping = unchangedBeforeMapping - unchangedBefore
        return (result, opened.file.opened)
    }

    /// Stores an `identity.collision` warning on every row of each group of rows of this input
    /// that identified one record under different identities (``IdentityCollisions``), naming
    /// them all: the input is read and mapped again to find them (with the first read's
    /// `versionFallback`, so rows without a version are not rejects), only when there are such
    /// groups. Returns how many warnings it stored.
    private func recordCollisions(_ input: StagedInput, position: Int, format: InputFormat,
                                  encoding: TranscodingByteSource.Encoding?, versionFallback: String?) throws -> Int {
        let groups = writer.identityCollisions
        guard !groups.isEmpty else { return 0 }
        var groupOf: [[String?]: Int64] = [:]
        for (id, group) in groups.sorted(by: { $0.key < $1.key }) {
            for identity in group.identities where groupOf[identity] == nil { groupOf[identity] = id }
        }
        let reader = try InputOpener.open(path: input.path, format: format, encoding: encoding, hashing: false).reader
        var preparer = RowPreparer(entity: entity, map: map, displayPath: input.displayPath)
        preparer.versionFallback = versionFallback
        var members: [Int64: [RawRecord]] = [:]
        while let event = try reader.next() {
            guard case .record(let raw, let mapped, let found, _) = try preparer.prepare(event), !found.rejects,
                  let id = groupOf[writer.identity(of: mapped.values)] else { continue }
            members[id, default: []].append(raw)
        }
        var stored = 0
        for (id, rows) in members.sorted(by: { $0.key < $1.key }) where rows.count > 1 {
            let places = rows.map { "\($0.provenance.file):\($0.provenance.line)" }
            for raw in rows {
                let finding = IdentityCollisions.finding(entity: entity, group: groups[id]!, places: places, provenance: raw.provenance)
                try findings.record([finding], input: position, raw: raw, rejected: false)
                stored += 1
            }
        }
        return stored
    }

    /// Reconciles one prepared row, stores its findings and counts it once.
    private func reconcile(_ row: PreparedRow, position: Int, counts: inout RunCounts, fallback: inout RowPreparer) throws {
        switch row {
        case .unchanged(let raw, let id, let inputHash):
            guard try writer.confirmUnchanged(id: id, inputHash: inputHash) else {
                // Written earlier in this run: reconcile it in full after all.
                return try reconcile(fallback.prepare(.record(raw)), position: position, counts: &counts, fallback: &fallback)
            }
            counts.count(.unchanged)
            unchangedBeforeMapping += 1
            let link = try rejectLink(raw, fallback: &fallback)
            if !link.valid { refusedRejectRun = true }
            noteRejectExport(raw, run: link.run, outcome: .unchanged)
        case .issue(let issue):
            try findings.record(issue, input: position)
            if issue.record != nil { counts.count(.rejected([])) }
        case .record(let raw, var mapped, var found, let stored):
            let link = try rejectLink(raw, fallback: &fallback)
            if !link.valid, let column = rejectRunColumn?.index {
                // Refused: `_reject_run` is an unknown column of this row, kept as extra.
                refusedRejectRun = true
                mapped.extra.append(ExtraField(name: "_reject_run", value: raw.value(at: column)))
                mapped.preparedInsert = nil
            }
            let outcome: RecordOutcome
            if found.rejects {
                outcome = .rejected(found)
            } else {
                let result = try write(mapped, stored: stored)
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
            noteRejectExport(raw, run: link.run, outcome: outcome)
        }
    }
}
