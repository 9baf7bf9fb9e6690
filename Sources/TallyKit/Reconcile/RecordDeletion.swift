import Foundation
import TallyFormats
import TallyStore

/// Applies the rows of a `sys_audit_delete` export (`tally import --deletes`): each names a record
/// (`tablename`, `documentkey` = its sys_id) the platform deleted at `sys_created_on`.
///
/// The record is kept, marked deleted: ``BookkeepingColumn/deletedAt`` holds the delete's time,
/// `retired_in_run` the run, and the entity's retire rule is applied where it has one — each an
/// audit row carrying the input row, so rollback, history, explain, as-of and `tally check` see it.
/// Every row gets exactly one outcome: deleted (`updated`, and counted `retired`), already deleted
/// (`unchanged`), older than the stored version (`skipped_stale`: restored later), no such record
/// (`unchanged` with a warning: the store never held it), or `rejected` with a reason.
final class RecordDeletion {
    let connection: Connection
    let registry: EntityRegistry
    let run: Int64
    /// `--entity`: the entity of rows without a `tablename`; rows naming another table are refused.
    let entity: EntityDefinition?
    private let audit: AuditTrail
    private let parser: DateTimeParser?
    /// The latest delete time taken: a day past the run's start (clock skew). A later one would
    /// keep the record stale until that time, so it is refused instead.
    private let latestTime: String
    private var inputPosition = 0
    /// The entities whose records this run deleted.
    private(set) var deletedFrom = Set<String>()
    /// Where the current header's columns are (re-read only when the header changes).
    private var columns: (names: [String], table: Int?, key: Int?, time: Int?)?

    /// What one row did, and the findings to store with it.
    struct Applied {
        var outcome: RecordOutcome
        var findings: [Finding] = []
        /// The row deleted a live record.
        var deleted = false
    }

    init(connection: Connection, registry: EntityRegistry, run: Int64, source: String, entity: EntityDefinition?) {
        self.connection = connection
        self.registry = registry
        self.run = run
        self.entity = entity
        audit = AuditTrail(connection: connection, run: run, source: source)
        parser = try? DateTimeParser()
        latestTime = CivilDate.canonical(secondsSinceEpoch: Int(Date().timeIntervalSince1970) + 86_400)
    }

    func beginInput(position: Int) { inputPosition = position }

    /// The rule of each finding a deletes row can get.
    static let unknownTable: RuleID = "delete.unknown_table"
    static let missingKey: RuleID = "delete.missing_key"
    static let badTime: RuleID = "delete.time"
    static let otherEntity: RuleID = "delete.other_entity"
    static let unknownRecord: RuleID = "delete.unknown_record"

    /// Applies one row of the deletes export.
    func apply(_ raw: RawRecord) throws -> Applied {
        let place = raw.provenance
        func refuse(_ rule: RuleID, _ field: String?, _ message: String, value: String? = nil) -> Applied {
            let finding = Finding(severity: .error, rule: rule, field: field, message: message, value: value, provenance: place)
            return Applied(outcome: .rejected([finding]), findings: [finding])
        }
        let (tableName, key, timeText) = fields(of: raw)
        let target: EntityDefinition
        if let tableName {
            guard let named = Self.entity(forTable: tableName, in: registry) else {
                return refuse(Self.unknownTable, "tablename", "tablename '\(tableName)' is no table Tally loads (known: \(registry.entities.map(\.table).joined(separator: ", ")), and CMDB classes cmdb_ci_*); filter the export to those tables or leave the row out", value: tableName)
            }
            if let entity, entity.name != named.name {
                return refuse(Self.otherEntity, "tablename", "tablename '\(tableName)' is \(named.name), but the import is --entity \(entity.name); import the file without --entity to take every table it names", value: tableName)
            }
            target = named
        } else if let entity {
            target = entity
        } else {
            return refuse(Self.missingKey, "tablename", "the row has no tablename, so the deleted record's entity is unknown; give --entity E, or export sys_audit_delete with its tablename column")
        }
        guard let key else {
            return refuse(Self.missingKey, "documentkey", "the row has no documentkey (the deleted record's sys_id); export sys_audit_delete with its documentkey column")
        }
        guard let timeText else {
            return refuse(Self.badTime, "sys_created_on", "the row has no sys_created_on, so when the record was deleted is unknown; export sys_audit_delete with its sys_created_on column")
        }
        guard let parser, case .success(let deletedAt) = parser.parse(timeText) else {
            return refuse(Self.badTime, "sys_created_on", "sys_created_on '\(timeText)' is not a date and time (e.g. 2026-11-30 10:15:00, UTC)", value: timeText)
        }
        guard deletedAt <= latestTime else {
            return refuse(Self.badTime, "sys_created_on", "sys_created_on '\(timeText)' is in the future: the record would stay deleted against every version until then; check the export's clock or time zone, fix the time and import the row again", value: timeText)
        }
        guard let stored = try record(of: target, sysID: key) else {
            // Kept as a tombstone: a later import of a version no newer than the delete is then stale.
            try connection.run("INSERT INTO delete_tombstones (entity, sys_id, deleted_at, run) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                               [.text(target.name), .text(key), .text(deletedAt), .integer(run)])
            let finding = Finding(severity: .warning, rule: Self.unknownRecord, field: "documentkey",
                                  message: "no \(target.name) with sys_id \(key) is in the store: nothing to delete now (never imported, or created and deleted between exports); a later import of a version no newer than \(deletedAt) is skipped as stale",
                                  value: key, provenance: place)
            return Applied(outcome: .unchanged, findings: [finding])
        }
        let inputRow = AuditTrail.inputRow(position: inputPosition, record: place.record)
        if let previous = stored.deletedAt {
            // Deleted again later (restored and changed in between on the platform): the later time
            // stands, so a version from between the two deletes stays stale instead of reviving it.
            guard deletedAt > previous else { return Applied(outcome: .unchanged) }
            try moveDeletion(stored, of: target, from: previous, to: deletedAt, inputRow: inputRow)
            return Applied(outcome: .updated(fields: [BookkeepingColumn.deletedAt.name]))
        }
        if let updated = target.index(ofField: target.updatedField).flatMap({ stored.values[$0].canonicalText }), deletedAt < updated {
            // Deleted, then restored and changed on the platform: the stored version is newer.
            return Applied(outcome: .skippedStale)
        }
        try markDeleted(stored, of: target, at: deletedAt, inputRow: inputRow)
        deletedFrom.insert(target.name)
        return Applied(outcome: .updated(fields: [BookkeepingColumn.deletedAt.name]), deleted: true)
    }

    /// Marks `stored` deleted at `time`: the retire rule's field, `retired_in_run` and `_deleted_at`, each audited.
    private func markDeleted(_ stored: StoredRecord, of entity: EntityDefinition, at time: String, inputRow: Int64) throws {
        let table = EntityTable(entity).name
        var assignments = ["retired_in_run = ?", "\(BookkeepingColumn.deletedAt.name) = ?", "_updated_run = ?"]
        var bindings: [SQLValue] = [.integer(run), .text(time), .integer(run)]
        var changes: [RecordPersister.Change] = []
        if let rule = entity.retireRule, let index = entity.index(ofField: rule.field) {
            let retired = FieldValue(canonical: rule.value, type: entity.fields[index].type)
            if retired != stored.values[index] {
                assignments.insert("\(EntityTable.quoted(rule.field)) = ?", at: 0)
                bindings.insert(retired.sqlValue, at: 0)
                changes.append((rule.field, stored.values[index].canonicalText, rule.value))
            }
        }
        // A snapshot may have retired it before: its run is kept as the old value, so a rollback puts it back.
        changes.append((BookkeepingColumn.retiredInRun.name, stored.retiredInRun.map(String.init), String(run)))
        changes.append((BookkeepingColumn.deletedAt.name, nil, time))
        try connection.run("UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE _id = ?", bindings + [.integer(stored.id)])
        let values = try EntityWriter.rehash(entity, id: stored.id, connection: connection)
        try audit.recordChanges(entity: entity, id: stored.id, values: values, inputRow: inputRow, changes)
    }

    /// Moves a deleted record's deletion time to a later delete of it, audited (a rollback moves it back).
    private func moveDeletion(_ stored: StoredRecord, of entity: EntityDefinition, from previous: String, to time: String, inputRow: Int64) throws {
        try connection.run("UPDATE \(EntityTable(entity).name) SET \(BookkeepingColumn.deletedAt.name) = ?, _updated_run = ? WHERE _id = ?",
                           [.text(time), .integer(run), .integer(stored.id)])
        let values = try EntityWriter.rehash(entity, id: stored.id, connection: connection)
        try audit.recordChanges(entity: entity, id: stored.id, values: values, inputRow: inputRow,
                                [(BookkeepingColumn.deletedAt.name, previous, time)])
    }

    private func record(of entity: EntityDefinition, sysID: String) throws -> StoredRecord? {
        guard entity.field(named: "sys_id") != nil else { return nil }
        let id = try connection.scalar("SELECT _id FROM \(EntityTable(entity).name) WHERE \"sys_id\" = ?", [.text(sysID)]).integer
        return try id.map { try EntityWriter.load(entity, id: $0, connection: connection) }
    }

    /// The row's `tablename`, `documentkey` and `sys_created_on` (by name or list label), trimmed; nil when empty.
    private func fields(of raw: RawRecord) -> (table: String?, key: String?, time: String?) {
        if columns?.names != raw.names {
            let normalized = raw.names.map { $0.lowercased().filter { !$0.isWhitespace && $0 != "_" } }
            func find(_ candidates: [String]) -> Int? { candidates.lazy.compactMap { normalized.firstIndex(of: $0) }.first }
            columns = (raw.names, find(["tablename", "table"]), find(["documentkey", "document"]), find(["syscreatedon", "created", "deletedon"]))
        }
        func value(_ index: Int?) -> String? {
            guard let index, let text = raw.value(at: index)?.trimmingSpaces(), !text.isEmpty else { return nil }
            return text
        }
        return (value(columns?.table), value(columns?.key), value(columns?.time))
    }

    /// The entity whose records a platform table holds: a registry name, table or alias, or a
    /// class of an entity whose class field lists it (`cmdb_ci_linux_server` is a CI), or a table
    /// extending the entity's (`cmdb_ci_*`).
    static func entity(forTable name: String, in registry: EntityRegistry) -> EntityDefinition? {
        if let entity = registry.entity(named: name) { return entity }
        let lowered = name.lowercased()
        for entity in registry.entities {
            guard let field = entity.field(named: "sys_class_name") else { continue }
            if case .choice(let list) = field.type, list.choices.contains(where: { $0.code == lowered }) { return entity }
            if lowered.hasPrefix(entity.table + "_") { return entity }
        }
        return nil
    }
}

