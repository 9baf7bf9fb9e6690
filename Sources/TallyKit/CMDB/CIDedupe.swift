import Foundation
import TallyStore
import TallyFormats

/// One steward decision on a pair of CIs, as `tally dedupe` takes it.
package struct CIDedupeDecision: Sendable, Equatable {
    package enum Action: String, Sendable, CaseIterable {
        /// `first` is kept, `second` merged into it and retired.
        case merge
        /// The two are not duplicates: the pair stays out of later `ci_duplicates` extracts.
        case distinct
    }

    package var action: Action
    /// KEEP for a merge (a sys_id or a name).
    package var first: String
    /// DROP for a merge.
    package var second: String
    /// Where the decision came from (`decisions.csv:4`), for messages.
    package var place: String?

    package init(_ action: Action, _ first: String, _ second: String, place: String? = nil) {
        self.action = action
        self.first = first
        self.second = second
        self.place = place
    }
}

/// Settles duplicate CIs as one run: merges (DROP retired with `install_status` 7, every
/// reference to it pointed at KEEP, KEEP's empty fields filled from DROP) and distinct decisions.
///
/// Every change goes through the audit like an import's, so `tally history` shows it and
/// `tally rollback` undoes it (distinct decisions stand with their run, see ``CIDistinctDecisions``).
package final class CIDedupe {
    let database: TallyDatabase
    let precedence: PrecedenceRules
    var connection: Connection { database.connection }
    var ci: EntityDefinition { database.registry.entity(named: "ci")! }

    /// The run's source, in the ledger and on the audit rows of retirements and reference rewrites.
    package static let source = "dedupe"
    /// Fields a merge never copies: what makes KEEP itself, and its status.
    static let identityFields: Set<String> = ["sys_id", "name", "sys_class_name", "install_status"]

    package init(database: TallyDatabase, precedence: PrecedenceRules = .none) {
        self.database = database
        self.precedence = precedence
    }

    /// A decision that cannot be carried out, with where it came from.
    package struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
        package var place: String?
        package var message: String
        package var description: String { (place.map { "\($0): " } ?? "") + message }
    }

    package struct Result: Sendable {
        /// The run's id; nil for a dry run.
        package var run: Int64?
        package var status: RunStatus
        /// read = decisions; updated = merges and new distinct pairs; unchanged = pairs already
        /// distinct; rejected = decisions refused; retired = the CIs merges retired.
        package var counts: RunCounts
        package var merged = 0
        package var distinct = 0
        package var rejections: [Rejection] = []
        package var changes: [RecordChange] = []
        package var message = ""
    }

    /// Checks a decision against the store as it is (both CIs found, two different ones, KEEP
    /// live), without writing: the CLI refuses a bad single decision before any run starts.
    package func check(_ decision: CIDedupeDecision) throws {
        _ = try resolve(decision)
    }

    /// Carries out `decisions` in order as one run (a dry run: reports its changes and writes
    /// nothing). A decision the store refuses is counted rejected and the others go ahead;
    /// `unread` are rows of a decisions file that were no decision (counted read and rejected).
    package func run(_ decisions: [CIDedupeDecision], unread: [Rejection] = [], dryRun: Bool = false, command: String,
                     onChange: ((RecordChange) -> Void)? = nil) throws -> Result {
        let ledger = RunLedger(database)
        var runID: Int64 = 0
        var result = Result(run: nil, status: dryRun ? .dryRun : .committed, counts: RunCounts())
        if !dryRun { runID = try ledger.begin(kind: .dedupe, entity: ci.name, source: Self.source, command: command) }
        do {
            try connection.inTransaction(.immediate) {
                let span = try AuditSpan(startingIn: connection)
                if dryRun { runID = try ledger.begin(kind: .dedupe, entity: ci.name, source: Self.source, command: command, inTransaction: true) }
                var counts = RunCounts()
                counts.read = unread.count
                counts.rejected = unread.count
                result.rejections = unread
                for decision in decisions {
                    counts.read += 1
                    do {
                        let (first, second) = try resolve(decision)
                        switch decision.action {
                        case .merge:
                            try merge(keep: first, drop: second, run: runID)
                            result.merged += 1
                            counts.updated += 1
                            counts.retired += 1
                        case .distinct:
                            let a = try EntityWriter.load(ci, id: first, connection: connection)
                            let b = try EntityWriter.load(ci, id: second, connection: connection)
                            let sysID = ci.index(ofField: "sys_id")!
                            if try CIDistinctDecisions.record((a.id, a.values[sysID].canonicalText), (b.id, b.values[sysID].canonicalText),
                                                              run: runID, connection: connection) {
                                result.distinct += 1
                                counts.updated += 1
                            } else {
                                counts.unchanged += 1
                            }
                        }
                    } catch let rejection as Rejection {
                        counts.rejected += 1
                        result.rejections.append(rejection)
                    }
                }
                try trails.values.forEach { try $0.flush() }
                result.counts = counts
                result.message = "\(result.merged) merged, \(result.distinct) declared distinct"
                    + (counts.unchanged > 0 ? ", \(counts.unchanged) already distinct" : "")
                    + (counts.rejected > 0 ? ", \(counts.rejected) refused" : "")
                if !dryRun { try CMDBHealthHistory.record(run: runID, database: database) }
                try ledger.finish(run: runID, status: .committed, counts: counts, message: result.message, audit: span)
                if dryRun {
                    result.changes = try report(runID, to: onChange)
                    return .rollback
                }
                return .commit
            }
        } catch {
            if !dryRun { try? ledger.finishSeparately(run: runID, status: .failed, counts: RunCounts(), message: "\(error)") }
            throw error
        }
        trails = [:]
        guard !dryRun else { return result }
        result.run = runID
        result.changes = try report(runID, to: onChange)
        return result
    }

    private func report(_ run: Int64, to onChange: ((RecordChange) -> Void)?) throws -> [RecordChange] {
        var changes: [RecordChange] = []
        try RecordChange.forEach(run: run, connection: connection) { change in
            if let onChange { onChange(change) } else { changes.append(change) }
        }
        return changes
    }

    // MARK: - Resolving the CIs a decision names

    /// The store ids of the decision's two CIs, checked.
    private func resolve(_ decision: CIDedupeDecision) throws -> (Int64, Int64) {
        let first = try find(decision.first, decision)
        let second = try find(decision.second, decision)
        guard first != second else {
            throw Rejection(place: decision.place, message: "'\(decision.first)' and '\(decision.second)' are the same CI")
        }
        if decision.action == .merge {
            let keep = try EntityWriter.load(ci, id: first, connection: connection)
            if isRetired(keep) {
                throw Rejection(place: decision.place, message: "KEEP '\(decision.first)' is retired (merged or retired before); keep a live CI")
            }
        }
        return (first, second)
    }

    private func find(_ key: String, _ decision: CIDedupeDecision) throws -> Int64 {
        let key = key.trimmingCharacters(in: .whitespaces)
        let rows = try connection.rows("SELECT _id, \"sys_id\", \"sys_class_name\" FROM \(EntityTable(ci).name) WHERE \"sys_id\" = ?1 OR \"name\" = ?1 ORDER BY _id",
                                       [.text(key)])
        guard let row = rows.first else {
            throw Rejection(place: decision.place, message: "no CI with sys_id or name '\(key)'; see 'tally extract ci_duplicates --out -'")
        }
        guard rows.count == 1 else {
            let named = rows.prefix(5).map { "\($0[1].text ?? "no sys_id") (\($0[2].text ?? "?"))" }.joined(separator: ", ")
            throw Rejection(place: decision.place, message: "'\(key)' names \(rows.count) CIs (\(named)); give a sys_id")
        }
        return row[0].integer ?? 0
    }

    private func isRetired(_ record: StoredRecord) -> Bool {
        guard record.retiredInRun == nil else { return true }
        guard let rule = ci.retireRule, let index = ci.index(ofField: rule.field) else { return false }
        return record.values[index].canonicalText == rule.value
    }

    // MARK: - Merging

    /// The audit trail of each source the run writes as (a value copied from DROP keeps the
    /// source that set it, so precedence still knows its owner).
    private var trails: [String: AuditTrail] = [:]

    private func trail(_ source: String, run: Int64) -> AuditTrail {
        if let trail = trails[source] { return trail }
        let trail = AuditTrail(connection: connection, run: run, source: source)
        trails[source] = trail
        return trail
    }

    private func merge(keep keepID: Int64, drop dropID: Int64, run: Int64) throws {
        let keep = try EntityWriter.load(ci, id: keepID, connection: connection)
        let drop = try EntityWriter.load(ci, id: dropID, connection: connection)
        let audit = trail(Self.source, run: run)
        // Fields: an external reference and its display value move together.
        var fills: [String: [(Int, FieldValue)]] = [:]
        let displayFields = Set(ci.fields.compactMap(\.displayField))
        for (index, field) in ci.fields.enumerated() where !Self.identityFields.contains(field.name) && !displayFields.contains(field.name) {
            let unit = [index] + (field.displayField.flatMap(ci.index(ofField:)).map { [$0] } ?? [])
            func empty(_ record: StoredRecord) -> Bool { unit.allSatisfy { (record.values[$0].canonicalText ?? "").isEmpty } }
            guard !empty(drop), unit.contains(where: { keep.values[$0] != drop.values[$0] }) else { continue }
            let dropSource = try audit.lastSource(entity: ci, id: dropID, field: field.name) ?? drop.source ?? Self.source
            if !empty(keep) {
                // KEEP's value stands unless the field's owner rule ranks DROP's source above KEEP's.
                let rule = precedence.rule(entity: ci.name, field: field.name)
                let keepSource = try audit.lastSource(entity: ci, id: keepID, field: field.name) ?? keep.source ?? Self.source
                guard rule.policy == .owner, rule.rank(of: dropSource) < rule.rank(of: keepSource) else { continue }
            }
            fills[dropSource, default: []] += unit.map { ($0, drop.values[$0]) }
        }
        for (source, changes) in fills.sorted(by: { $0.key < $1.key }) {
            try write(keepID, changes, trail: trail(source, run: run), run: run)
        }
        if let rule = ci.retireRule, let index = ci.index(ofField: rule.field) {
            try write(dropID, [(index, FieldValue(canonical: rule.value, type: ci.fields[index].type))], trail: audit, run: run)
        }
        // Every reference held as DROP's sys_id now names KEEP (a reference still pending by name is left to resolve).
        let sysIDIndex = ci.index(ofField: "sys_id")!
        guard let dropSysID = drop.values[sysIDIndex].canonicalText, let keepSysID = keep.values[sysIDIndex].canonicalText else { return }
        for (entity, field) in ReportSQL(registry: database.registry).references(to: ci.name) {
            let index = entity.index(ofField: field.name)!
            let ids = try connection.rows("SELECT _id FROM \(EntityTable(entity).name) WHERE \(EntityTable.quoted(field.name)) = ? ORDER BY _id",
                                          [.text(dropSysID)]).compactMap { $0.first?.integer }
            for id in ids {
                try write(id, [(index, FieldValue(canonical: keepSysID, type: field.type))], entity: entity, trail: audit, run: run)
            }
        }
    }

    /// Writes `changes` (field index, value) to one record and audits them.
    private func write(_ id: Int64, _ changes: [(Int, FieldValue)], entity: EntityDefinition? = nil, trail: AuditTrail, run: Int64) throws {
        let entity = entity ?? ci
        let current = try EntityWriter.load(entity, id: id, connection: connection)
        var sets: [String] = []
        var values: [SQLValue] = []
        var audited: [(field: String, old: String?, new: String?)] = []
        for (index, value) in changes where current.values[index] != value {
            sets.append("\(EntityTable.quoted(entity.fields[index].name)) = ?")
            values.append(value.sqlValue)
            audited.append((entity.fields[index].name, current.values[index].canonicalText, value.canonicalText))
        }
        guard !sets.isEmpty else { return }
        try connection.run("UPDATE \(EntityTable(entity).name) SET \(sets.joined(separator: ", ")), \(BookkeepingColumn.updatedRun.name) = ? WHERE _id = ?",
                           values + [.integer(run), .integer(id)])
        let after = try EntityWriter.rehash(entity, id: id, connection: connection)
        try trail.recordChanges(entity: entity, id: id, values: after, audited)
    }
}
