import Foundation
import TallyFormats
import TallyStore

extension Importer {
    /// `tally import --deletes`: reads exports of `sys_audit_delete` with the import's readers and
    /// applies each row with ``RecordDeletion``, as one run committed whole or not at all — the
    /// ledger, kept inputs, findings, audit span and counts as any import's, so `tally check`,
    /// `rollback`, `rerun` and `show` treat it like one. `retired` counts the records deleted.
    func runDeletes(_ request: ImportRequest) throws(ImportFailure) -> ImportResult {
        let settings = request.settings
        var entity: EntityDefinition?
        if !settings.entity.isEmpty {
            guard let named = database.registry.entity(named: settings.entity) else {
                throw ImportFailure(.invalidRequest, "unknown entity '\(settings.entity)'; known entities: \(database.registry.names.joined(separator: ", "))")
            }
            entity = named
        }
        let source = settings.source ?? "default"
        let inputs = try stagedInputs(request)
        defer { inputs.forEach { $0.cleanUp() } }
        let ledger = RunLedger(database)
        let entityName = entity?.name ?? ImportRequest.deletesTable
        var runID: Int64 = 0
        if !request.dryRun {
            do {
                runID = try ledger.begin(kind: request.kind, entity: entityName, source: source, command: request.command,
                                         parentRun: request.parentRun, settings: settings)
            } catch {
                throw ImportFailure(Self.isBusy(error) ? .locked : .failed, "cannot start a run: \(error)")
            }
        }
        var began = false
        var outcome: ImportResult?
        do {
            try connection.inTransaction(.immediate) {
                began = true
                let audit = try AuditSpan(startingIn: connection)
                if request.dryRun {
                    runID = try ledger.begin(kind: request.kind, entity: entityName, source: source, command: request.command,
                                             parentRun: request.parentRun, settings: settings, inTransaction: true)
                }
                let deletion = RecordDeletion(connection: connection, registry: database.registry, run: runID, source: source, entity: entity)
                let findings = FindingLog(connection: connection, run: runID)
                var entries: [RunInput] = []
                var total = RunCounts()
                // Rows of a fed-back reject export of a deletes run (`tally rejects --format csv`), to follow up.
                var fedBack: [RejectFollowUp.FedBack] = []
                var deletesRuns: [Int64: Bool] = [:]
                func rejectExportRow(_ raw: RawRecord, accepted: Bool) throws {
                    guard let text = raw["_reject_run"] ?? nil, let parent = Int64(text), let file = raw["_reject_file"] ?? nil else { return }
                    if deletesRuns[parent] == nil {
                        // A deletes run (its settings say so) of the same entity, or of every table.
                        let settings = try ledger.settings(run: parent)
                        let parentEntity = settings.flatMap { database.registry.entity(named: $0.entity)?.name }
                        deletesRuns[parent] = settings?.deletes == true && parentEntity == entity?.name
                    }
                    guard deletesRuns[parent] == true else { return }
                    let number = { (name: String) in (raw[name] ?? nil).flatMap { Int($0) } }
                    fedBack.append(.init(run: parent, file: file, line: number("_reject_line"), record: number("_reject_record"), accepted: accepted))
                }
                for (offset, input) in inputs.enumerated() {
                    let position = offset + 1
                    deletion.beginInput(position: position)
                    let encoding = settings.encoding?.transcoding
                    let opened = try InputOpener.open(path: input.path, format: settings.format, encoding: encoding == .utf8 ? nil : encoding)
                    var counts = RunCounts()
                    while let event = try opened.reader.next() {
                        switch event {
                        case .issue(let issue):
                            try findings.record(issue, input: position)
                            if issue.record != nil { counts.count(.rejected([])) }
                        case .record(let raw):
                            let applied = try deletion.apply(raw)
                            if !applied.findings.isEmpty {
                                let rejected: Bool
                                if case .rejected = applied.outcome { rejected = true } else { rejected = false }
                                try findings.record(applied.findings, input: position, raw: raw, rejected: rejected)
                                if !rejected { counts.warnings += applied.findings.count }
                            }
                            counts.count(applied.outcome)
                            if applied.deleted { counts.retired += 1 }
                            if case .rejected = applied.outcome { try rejectExportRow(raw, accepted: false) } else { try rejectExportRow(raw, accepted: true) }
                        }
                    }
                    guard counts.isConserved else {
                        throw ImportFailure(.failed, "internal error: the counts for \(input.displayPath) do not add up (\(counts)); nothing was committed")
                    }
                    var entry = try input.ledgerInput(position: position, sha256: try input.verified(try opened.file.finish()))
                    entry.format = opened.format.rawValue
                    entry.counts = counts
                    if !request.dryRun {
                        entry.storedPath = try InputArchive(storePath: database.path).keep(input, sha256: entry.sha256 ?? "", asRead: opened.file.opened)
                    }
                    try ledger.record(entry, run: runID)
                    entries.append(entry)
                    total = total + counts
                }
                let followUp = RejectFollowUp(connection: connection, run: runID)
                if let rerunOf = request.parentRun {
                    try followUp.rerun(of: rerunOf)
                    total.recovered = Int(try connection.scalar("""
                        SELECT count(*) FROM findings WHERE rejected = 1 AND recovered_in_run = ?
                        """, [.integer(runID)]).integer ?? 0)
                } else if !fedBack.isEmpty {
                    try followUp.fedBack(fedBack)
                    total.recovered = fedBack.filter(\.accepted).count
                    let parents = Set(fedBack.map(\.run))
                    if parents.count == 1, let parent = parents.first { try ledger.setParent(run: runID, parent: parent) }
                }
                let registry = database.registry
                if !request.dryRun, deletion.deletedFrom.contains(where: { registry.entity(named: $0).map { CMDBHealthHistory.tracks($0, in: registry) } ?? false }) {
                    try CMDBHealthHistory.record(run: runID, database: database)  // the trend of the steward page
                }
                try ledger.finish(run: runID, status: .committed, counts: total, audit: audit)
                var result = ImportResult(run: runID, status: .committed, entity: entityName, source: source, inputs: entries, counts: total)
                result.parentRun = request.parentRun ?? (Set(fedBack.map(\.run)).count == 1 ? fedBack.first?.run : nil)
                let completion: TransactionCompletion
                (outcome, completion) = try ending(result, request: request, run: runID)
                return completion
            }
        } catch {
            throw failure(of: error, began: began, request: request, run: runID, ledger: ledger)
        }
        return outcome!
    }
}
