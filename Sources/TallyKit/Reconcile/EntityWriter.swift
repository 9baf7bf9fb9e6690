/// Reconciles mapped records of one entity into its table, within a run's transaction.
///
/// For each record: identify it by the entity's ordered identifier rules (an empty value never
/// matches; several matches reject it as ambiguous), protect against stale data by comparing
/// versions, write only what changed, and audit every change. Never commits: the caller owns
/// the transaction.
public final class EntityWriter {
    public let entity: EntityDefinition
    let table: EntityTable
    let connection: Connection
    let run: Int64
    let source: String
    private let audit: AuditTrail
    private let conflicts: ConflictLog
    private let updatedIndex: Int?
    private let modCountIndex: Int?
    private let identifierSQL: [(fields: [Int], sql: String)]
    private let selectSQL: String
    private let insertSQL: String
    private let sysIDIndex: Int?

    /// A writer for `entity` in `run`; `identifierRules` default to the entity's (a map may override them).
    public init(connection: Connection, entity: EntityDefinition, run: Int64, source: String, identifierRules: [[String]]? = nil) {
        self.connection = connection
        self.entity = entity
        self.table = EntityTable(entity)
        self.run = run
        self.source = source
        self.audit = AuditTrail(connection: connection, run: run, source: source)
        self.conflicts = ConflictLog(connection: connection, run: run, source: source)
        updatedIndex = entity.index(ofField: entity.updatedField)
        modCountIndex = entity.index(ofField: entity.modCountField)
        sysIDIndex = entity.index(ofField: "sys_id")
        let name = table.name
        identifierSQL = (identifierRules ?? entity.identifierRules).map { group in
            let conditions = group.map { "\(EntityTable.quoted($0)) = ?" }.joined(separator: " AND ")
            return (group.compactMap { entity.index(ofField: $0) },
                    "SELECT _id, \"sys_id\" FROM \(name) WHERE \(conditions) ORDER BY _id LIMIT 20")
        }
        let columns = entity.fields.map { EntityTable.quoted($0.name) }
        selectSQL = "SELECT \(columns.joined(separator: ", ")), _extra, _hash FROM \(name) WHERE _id = ?"
        let insertColumns = columns + ["_extra", "_hash", "_source", "_created_run", "_updated_run"]
        insertSQL = "INSERT INTO \(name) (\(insertColumns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: insertColumns.count).joined(separator: ", ")))"
    }

    /// Applies one valid record and says what happened.
    public func apply(_ record: MappedRecord) throws -> RecordOutcome {
        let extra = Self.extraJSON(record.extra)
        switch try identify(record) {
        case .none:
            try insert(record, extra: extra)
            return .inserted
        case .ambiguous(let candidates):
            let names = try candidates.map(describe).joined(separator: ", ")
            return .rejected([Finding(
                severity: .error, rule: "ambiguous_match", field: nil,
                message: "the record matches \(candidates.count) stored \(entity.name) records (\(names)); make its identifying fields unique or give it a sys_id",
                provenance: record.provenance)])
        case .one(let id):
            return try update(id: id, with: record, extra: extra)
        }
    }

    // MARK: - Identification

    enum Identification { case none, one(Int64), ambiguous([Int64]) }

    func identify(_ record: MappedRecord) throws -> Identification {
        let incomingSysID = sysIDIndex.flatMap { record.values[$0]?.canonicalText }
        for rule in identifierSQL {
            var keys: [SQLValue] = []
            for index in rule.fields {
                guard let value = record.values[index], let text = value.canonicalText, !text.isEmpty else { break }
                keys.append(value.sqlValue)
            }
            guard keys.count == rule.fields.count else { continue }
            var matches: [Int64] = []
            try connection.forEachRow(rule.sql, keys) { row in
                // A stored record with another sys_id is another record, whatever else it shares.
                if let incomingSysID, let storedSysID = row.text(1), storedSysID != incomingSysID { return }
                matches.append(row.int64(0))
            }
            if matches.count == 1 { return .one(matches[0]) }
            if matches.count > 1 { return .ambiguous(matches) }
        }
        return .none
    }

    private func describe(_ id: Int64) throws -> String {
        let stored = try load(id)
        return audit.displayKey(of: stored.values, in: entity) ?? "#\(id)"
    }

    // MARK: - Writing

    private func insert(_ record: MappedRecord, extra: String?) throws {
        let values = record.values.map { $0 ?? .null }
        var bindings = values.map(\.sqlValue)
        bindings += [extra.sqlValue, .integer(ContentHash.of(values, extra: extra)), .text(source), .integer(run), .integer(run)]
        try connection.run(insertSQL, bindings)
        try audit.recordInsert(entity: entity, id: connection.lastInsertRowID, values: values)
    }

    private func update(id: Int64, with record: MappedRecord, extra incomingExtra: String?) throws -> RecordOutcome {
        let stored = try load(id)
        let incoming = version(of: record.values)
        let current = version(of: stored.values)
        if incoming < current { return .skippedStale }

        var merged = stored.values
        for (index, value) in record.values.enumerated() { if let value { merged[index] = value } }
        let extra = incomingExtra ?? stored.extra
        let changed = merged.indices.filter { merged[$0] != stored.values[$0] }
        if changed.isEmpty && extra == stored.extra { return .unchanged }

        let hash = ContentHash.of(merged, extra: extra)
        if incoming == current {
            // Same version, different content: a tie no arrival order may decide. The higher
            // content hash wins, so every order of imports ends in the same state.
            let storedWins = (stored.hash ?? Int64.min) > hash
            for index in changed {
                try conflicts.record(
                    entity: entity, record: id, key: audit.displayKey(of: stored.values, in: entity),
                    field: entity.fields[index].name, stored: stored.values[index].canonicalText,
                    incoming: merged[index].canonicalText, rule: "same_version",
                    message: storedWins
                        ? "same sys_updated_on and sys_mod_count as the stored record but different content; the stored value was kept (higher content hash wins)"
                        : "same sys_updated_on and sys_mod_count as the stored record but different content; the incoming value won (higher content hash wins)")
            }
            if storedWins { return .unchanged }
        }

        var assignments = changed.map { "\(EntityTable.quoted(entity.fields[$0].name)) = ?" }
        var bindings = changed.map { merged[$0].sqlValue }
        assignments += ["_extra = ?", "_hash = ?", "_source = ?", "_updated_run = ?"]
        bindings += [extra.sqlValue, .integer(hash), .text(source), .integer(run), .integer(id)]
        try connection.run("UPDATE \(table.name) SET \(assignments.joined(separator: ", ")) WHERE _id = ?", bindings)
        for index in changed {
            try audit.recordChange(entity: entity, id: id, values: merged, field: entity.fields[index].name,
                                   old: stored.values[index].canonicalText, new: merged[index].canonicalText)
        }
        if extra != stored.extra {
            try audit.recordChange(entity: entity, id: id, values: merged, field: "_extra", old: stored.extra, new: extra)
        }
        return .updated(fields: changed.map { entity.fields[$0].name })
    }

    func load(_ id: Int64) throws -> StoredRecord {
        var result: StoredRecord?
        try connection.forEachRow(selectSQL, [.integer(id)]) { row in
            var values: [FieldValue] = []
            values.reserveCapacity(entity.fields.count)
            for (index, field) in entity.fields.enumerated() {
                values.append(FieldValue(stored: row.value(Int32(index)), type: field.type))
            }
            let base = Int32(entity.fields.count)
            result = StoredRecord(id: id, values: values, extra: row.text(base),
                                  hash: row.isNull(base + 1) ? nil : row.int64(base + 1))
        }
        guard let result else { throw StoreError.misuse("record \(id) of \(table.name) vanished during the run") }
        return result
    }

    private func version(of values: [FieldValue?]) -> RecordVersion {
        var modCount: Int64?
        if let modCountIndex, case .integer(let number)? = values[modCountIndex] { modCount = number }
        return RecordVersion(updated: updatedIndex.flatMap { values[$0]?.canonicalText }, modCount: modCount)
    }

    private func version(of values: [FieldValue]) -> RecordVersion {
        version(of: values.map(Optional.some))
    }

    /// Extra columns as a JSON object in source order, or nil when there are none.
    static func extraJSON(_ extra: [ExtraField]) -> String? {
        guard !extra.isEmpty else { return nil }
        return "{" + extra.map { JSON.quote($0.name) + ":" + ($0.value.map(JSON.quote) ?? "null") }.joined(separator: ",") + "}"
    }
}
