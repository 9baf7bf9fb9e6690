import Foundation
import TallyStore

/// Undoes a committed run from its audit trail: restores every field it changed, removes the
/// records it inserted, reinstates what it retired, reopens the references it resolved. The
/// rollback is a run of its own, with its own audit, so it can itself be rolled back.
///
/// A field a later run changed again, or a record it inserted that was changed since, blocks the
/// rollback: without `force` nothing is written and the blockers are listed; with `force` the
/// run's own changes are restored anyway and the blockers say what was overridden.
package final class Rollback {
    let database: TallyDatabase
    var connection: Connection { database.connection }

    package init(database: TallyDatabase) { self.database = database }

    package struct Result: Sendable {
        /// The rollback's own run id; nil for a dry run.
        package var run: Int64?
        package var target: Int64
        package var status: RunStatus
        package var counts: RunCounts
        package var changes: [RecordChange]
        /// The first ``RollbackPlan/listLimit`` of the later changes a forced rollback overrode.
        package var overridden: [RollbackPlan.Blocker]
        package var message: String
        /// Every later change a forced rollback overrode: its conflicts.
        package var overriddenCount: Int { counts.conflicts }
    }

    package struct Refusal: Error, CustomStringConvertible {
        package var message: String
        /// The first ``RollbackPlan/listLimit`` blockers, of `blockerCount`.
        package var blockers: [RollbackPlan.Blocker]
        package var blockerCount: Int
        package var description: String { message }

        init(message: String, blockers: [RollbackPlan.Blocker] = [], blockerCount: Int = 0) {
            self.message = message
            self.blockers = blockers
            self.blockerCount = blockerCount
        }

        init(blocked plan: RollbackPlan) {
            self.init(message: "run \(plan.run) cannot be rolled back: \(plan.blockerCount) of its changes were changed again since (use --force to restore them anyway)",
                      blockers: plan.blockers, blockerCount: plan.blockerCount)
        }
    }

    /// Works out the undo of `run` without writing anything: how many steps, and what stands in
    /// their way.
    package func plan(_ run: Int64) throws -> RollbackPlan {
        try walk(run, checking: true) { _ in }
    }

    /// Calls `body` with each step of the undo of `run` in the order it is applied (the run's audit
    /// rows, newest first), read one at a time so that memory does not grow with the run; returns
    /// the plan (its step count and, when `checking`, the blockers: worked out before any step is
    /// applied, since applying them changes what the check reads).
    private func walk(_ run: Int64, checking: Bool, _ body: (RollbackPlan.Step) throws -> Void) throws -> RollbackPlan {
        guard let record = try RunLedger(database).run(run) else {
            throw Refusal(message: "there is no run \(run)")
        }
        guard record.status == .committed else {
            throw Refusal(message: "run \(run) is \(record.status.rawValue); only a committed run can be rolled back")
        }
        var stepCount = 0
        var blockers: [RollbackPlan.Blocker] = []
        var blockerCount = 0
        var seen = Set<String>()  // a field restored twice (changed twice by the run) blocks once
        func block(_ blocker: RollbackPlan.Blocker) {
            guard seen.insert("\(blocker.entity)|\(blocker.key ?? "")|\(blocker.field)").inserted else { return }
            blockerCount += 1
            if blockers.count < RollbackPlan.listLimit { blockers.append(blocker) }
        }
        // Not the connection's cached statement: the steps run queries of their own meanwhile.
        let rows = try connection.uncachedStatement("SELECT id, entity, record, key, field, old, new FROM audit WHERE \(AuditSpan.rows(ofRunBoundTo: 1)) ORDER BY id DESC")
        try rows.bind([.integer(run)])
        while try rows.step() {
            guard let entity = database.registry.entity(named: rows.text(1) ?? "") else { continue }
            let id = rows.int64(2), key = rows.text(3), field = rows.text(4) ?? ""
            let old = rows.text(5), new = rows.text(6)
            let step: RollbackPlan.Step
            switch field {
            case AuditTrail.insertField:
                step = .init(entity: entity.name, record: id, key: key, action: .remove)
                if checking, let current = try? EntityWriter.load(entity, id: id, connection: connection) {
                    if let inserted = try insertedValues(entity, current, insertRow: rows.int64(0), new: new) {
                        for (index, definition) in entity.fields.enumerated() where current.values[index].canonicalText != inserted[index] {
                            block(.init(entity: entity.name, key: key, field: definition.name, runValue: inserted[index],
                                        currentValue: current.values[index].canonicalText, laterRun: try lastChange(entity, id, definition.name, after: run)))
                        }
                    } else {
                        block(.init(entity: entity.name, key: key, field: AuditTrail.insertField, runValue: "the record as inserted",
                                    currentValue: "values its audit trail does not explain (see tally check)", laterRun: nil))
                    }
                }
            case AuditTrail.removeField:
                step = .init(entity: entity.name, record: id, key: key, action: .reinsert(json: old ?? "{}"))
                if checking, try connection.scalar("SELECT 1 FROM \(EntityTable(entity).name) WHERE _id = ?", [.integer(id)]).integer != nil {
                    block(.init(entity: entity.name, key: key, field: "*", runValue: nil, currentValue: "a record with the same store key", laterRun: nil))
                }
            default:
                step = .init(entity: entity.name, record: id, key: key, action: .restore(field: field, to: old, from: new))
                if checking, case let current = try currentValue(entity, id, field), current.exists && current.value != new {
                    block(.init(entity: entity.name, key: key, field: field, runValue: new, currentValue: current.value,
                                laterRun: try lastChange(entity, id, field, after: run)))
                }
            }
            stepCount += 1
            try body(step)
        }
        return RollbackPlan(run: run, stepCount: stepCount, blockers: blockers, blockerCount: blockerCount)
    }

    private func refuse(_ plan: RollbackPlan, unlessForced force: Bool) throws {
        if plan.blockerCount > 0 && !force { throw Refusal(blocked: plan) }
    }

    /// Rolls `run` back as a new run (or, with `dryRun`, reports what it would do and writes nothing).
    /// The changes it made go to `onChange` one at a time as they are read back from its audit
    /// (after it commits; a dry run's before its transaction is dropped); without `onChange` they are
    /// collected in the result.
    package func run(_ target: Int64, force: Bool = false, dryRun: Bool = false, command: String,
                    onChange: ((RecordChange) -> Void)? = nil) throws -> Result {
        try refuse(try plan(target), unlessForced: force)
        let ledger = RunLedger(database)
        let targetRun = try ledger.run(target)
        var rollbackRun: Int64 = 0
        var result: Result?
        if !dryRun {
            rollbackRun = try ledger.begin(kind: .rollback, entity: targetRun?.entity, source: targetRun?.source, command: command, parentRun: target)
        }
        do {
            // A dry run ends in a rollback: what it did is read back before the transaction is dropped.
            try connection.inTransaction(.immediate) {
                let auditSpan = try AuditSpan(startingIn: connection)
                // Plan again under the write lock: a run that committed while this one waited for the
                // lock may have changed the same data (or rolled the target back already).
                let plan = try self.plan(target)
                try refuse(plan, unlessForced: force)
                if dryRun {
                    rollbackRun = try ledger.begin(kind: .rollback, entity: targetRun?.entity, source: targetRun?.source,
                                                   command: command, parentRun: target, inTransaction: true)
                }
                var counts = RunCounts()
                var touched: [String: RecordSet] = [:]
                var touchedCount = 0
                func touch(_ entity: EntityDefinition, _ id: Int64) {
                    if touched[entity.name]?.contains(id) ?? false { return }
                    touched[entity.name, default: RecordSet()].insert(id)
                    touchedCount += 1
                }
                let source = "rollback of run \(target)"
                let audit = AuditTrail(connection: connection, run: rollbackRun, source: source)
                _ = try walk(target, checking: false) { step in
                    guard let entity = database.registry.entity(named: step.entity) else { return }
                    let table = EntityTable(entity).name
                    switch step.action {
                    case .restore(let field, let value, _):
                        guard let current = try? EntityWriter.load(entity, id: step.record, connection: connection) else { return }
                        let (column, stored, before) = try restoreTarget(entity, current, field, value)
                        try connection.run("UPDATE \(table) SET \(column) = ?, _updated_run = ? WHERE _id = ?",
                                           [stored, .integer(rollbackRun), .integer(step.record)])
                        let values = try EntityWriter.rehash(entity, id: step.record, connection: connection)
                        try audit.recordChange(entity: entity, id: step.record, values: values, field: field, old: before, new: value)
                        touch(entity, step.record)
                    case .remove:
                        guard let current = try? EntityWriter.load(entity, id: step.record, connection: connection) else { return }
                        try connection.run("DELETE FROM \(table) WHERE _id = ?", [.integer(step.record)])
                        try connection.run("DELETE FROM pending_references WHERE entity = ? AND record = ?", [.text(entity.name), .integer(step.record)])
                        try audit.recordRemoval(entity: entity, record: current)
                        touch(entity, step.record)
                    case .reinsert(let json):
                        let record = try Self.record(fromJSON: json, entity: entity, id: step.record)
                        try EntityWriter.reinsert(record, entity: entity, run: rollbackRun, connection: connection)
                        try audit.recordInsert(entity: entity, id: step.record) { record.values[$0].canonicalText }
                        touch(entity, step.record)
                    }
                }
                // References the run left pending are dropped; those it resolved are open again.
                try connection.run("DELETE FROM pending_references WHERE run = ? AND resolved_in_run IS NULL", [.integer(target)])
                try connection.run("UPDATE pending_references SET resolved_in_run = NULL WHERE resolved_in_run = ?", [.integer(target)])
                // So are the major cases' derived fields, as the audit restored their values.
                try connection.run("DELETE FROM case_derived WHERE run = ?", [.integer(target)])
                // The deletes it kept of records the store did not hold (re-applying a rollback does not bring them back).
                try connection.run("DELETE FROM delete_tombstones WHERE run = ?", [.integer(target)])
                try connection.run("UPDATE case_derived SET ended_in_run = NULL WHERE ended_in_run = ?", [.integer(target)])
                try ledger.setStatus(run: target, .rolledBack)
                if targetRun?.kind == .rollback, let original = targetRun?.parentRun {
                    try ledger.setStatus(run: original, .committed)  // undoing a rollback re-applies its run
                }
                // Every record touched counts once, as read and updated, so the run conserves its counts.
                counts.read = touchedCount
                counts.updated = touchedCount
                counts.conflicts = force ? plan.blockerCount : 0
                let message = "rolled back run \(target): \(plan.stepCount) change(s) undone on \(touchedCount) record(s)"
                    + (force && plan.blockerCount > 0 ? "; \(plan.blockerCount) later change(s) overridden" : "")
                try ledger.finish(run: rollbackRun, status: .committed, counts: counts, message: message, audit: auditSpan)
                if dryRun {
                    // A dry run's changes exist only inside its transaction.
                    let changes = try report(rollbackRun, to: onChange)
                    result = Result(run: nil, target: target, status: .dryRun, counts: counts, changes: changes, overridden: force ? plan.blockers : [], message: message)
                    return .rollback
                }
                result = Result(run: rollbackRun, target: target, status: .committed, counts: counts, changes: [], overridden: force ? plan.blockers : [], message: message)
                return .commit
            }
        } catch {
            if !dryRun { try? ledger.finishSeparately(run: rollbackRun, status: .failed, counts: RunCounts(), message: "\(error)") }
            throw error
        }
        guard !dryRun else { return result! }
        // Committed: what it did is read back from its audit (a failure here leaves it committed).
        var committed = result!
        committed.changes = try report(rollbackRun, to: onChange)
        return committed
    }

    /// The changes of rollback run `run`, handed to `onChange` one at a time, or collected without it.
    private func report(_ run: Int64, to onChange: ((RecordChange) -> Void)?) throws -> [RecordChange] {
        var changes: [RecordChange] = []
        try RecordChange.forEach(run: run, connection: connection) { change in
            if let onChange { onChange(change) } else { changes.append(change) }
        }
        return changes
    }

    /// The column, stored value and current canonical value for restoring `field` to `value`.
    private func restoreTarget(_ entity: EntityDefinition, _ current: StoredRecord, _ field: String, _ value: String?) throws -> (String, SQLValue, String?) {
        if let index = entity.index(ofField: field) {
            return (EntityTable.quoted(field), FieldValue(canonical: value, type: entity.fields[index].type).sqlValue, current.values[index].canonicalText)
        }
        switch field {
        case "_extra": return ("_extra", value.sqlValue, current.extra)
        case "retired_in_run": return ("retired_in_run", value.flatMap { Int64($0) }.map(SQLValue.integer) ?? .null, current.retiredInRun.map(String.init))
        case BookkeepingColumn.deletedAt.name: return (BookkeepingColumn.deletedAt.name, value.sqlValue, current.deletedAt)
        default: throw StoreError.misuse("the audit names an unknown field \(field) of \(entity.name)")
        }
    }

    private func currentValue(_ entity: EntityDefinition, _ id: Int64, _ field: String) throws -> (exists: Bool, value: String?) {
        guard let current = try? EntityWriter.load(entity, id: id, connection: connection) else { return (false, nil) }
        if let index = entity.index(ofField: field) { return (true, current.values[index].canonicalText) }
        switch field {
        case "_extra": return (true, current.extra)
        case "retired_in_run": return (true, current.retiredInRun.map(String.init))
        case BookkeepingColumn.deletedAt.name: return (true, current.deletedAt)
        default: return (true, nil)
        }
    }

    /// What insert row `insertRow` put in the record: its current values with every later audit
    /// row of it undone (``AuditRewind``); nil when those rows, or the insert's digest, do not fit.
    private func insertedValues(_ entity: EntityDefinition, _ current: StoredRecord, insertRow: Int64, new: String?) throws -> [String?]? {
        var rewind = AuditRewind(entity: entity, current: current)
        for row in try AuditRewind.rows(of: entity, id: current.id, connection: connection).reversed() where row.id > insertRow {
            if rewind.undo(row) != nil { return nil }
        }
        guard let values = rewind.values, AuditTrail.inserted(new, matches: values, entity: entity) else { return nil }
        return values
    }

    private func lastChange(_ entity: EntityDefinition, _ id: Int64, _ field: String, after run: Int64) throws -> Int64? {
        try connection.scalar("SELECT max(run) FROM audit WHERE entity = ? AND record = ? AND field = ? AND run > ?",
                              [.text(entity.name), .integer(id), .text(field), .integer(run)]).integer
    }

    /// The fields of an insert row's JSON object, as canonical text.
    static func fields(ofJSON text: String) -> [String: String?] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [:] }
        var fields: [String: String?] = [:]
        for (key, value) in object { fields[key] = value as? String }
        return fields
    }

    /// A removed record, from its removal row's JSON.
    static func record(fromJSON text: String, entity: EntityDefinition, id: Int64) throws -> StoredRecord {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let fields = object["fields"] as? [String: Any] else {
            throw StoreError.misuse("the removal record of \(entity.name) #\(id) is not readable")
        }
        let values = entity.fields.map { FieldValue(canonical: fields[$0.name] as? String, type: $0.type) }
        func integer(_ key: String) -> Int64? { (object[key] as? NSNumber)?.int64Value }
        return StoredRecord(id: id, values: values, extra: object["_extra"] as? String, hash: nil, source: object["_source"] as? String,
                            createdRun: integer("_created_run"), updatedRun: integer("_updated_run"), retiredInRun: integer("retired_in_run"),
                            deletedAt: object[BookkeepingColumn.deletedAt.name] as? String)
    }
}

/// `rollback --json`'s last line: what the rollback did (`run` is null for a dry run), or, with
/// `status` `refused` and the count of `blocked` changes, why it wrote nothing.
package struct RollbackOutcome: JSONOutput {
    var run: Int64?
    var status: String
    var rolledBack: Int64
    var overridden: Int
    var blocked: Int?
    var message: String

    package init(_ result: Rollback.Result) {
        (run, status, rolledBack, overridden, message) = (result.run, result.status.rawValue, result.target, result.overriddenCount, result.message)
    }

    package init(refused refusal: Rollback.Refusal, target: Int64) {
        (run, status, rolledBack, overridden, blocked, message) = (nil, "refused", target, 0, refusal.blockerCount, refusal.message)
    }

    private enum CodingKeys: String, CodingKey { case run, status, rolledBack = "rolled_back", overridden, blocked, message }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(status, forKey: .status)
        try container.encode(rolledBack, forKey: .rolledBack)
        try container.encode(overridden, forKey: .overridden)
        if let blocked { try container.encode(blocked, forKey: .blocked) }
        try container.encode(message, forKey: .message)
    }
}
