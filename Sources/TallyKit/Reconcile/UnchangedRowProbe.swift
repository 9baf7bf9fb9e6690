import TallyStore

/// Recognises, on the preparation thread and before any mapping, an input row that is exactly the
/// row that last wrote its stored record: the record is found by the first identifier rule, and
/// its `_input_hash` equals the row's ``ContentHash/ofInput(_:header:)``.
///
/// It reads through a connection of its own, so it sees the store as it was when the run began
/// (the run's own writes are not committed yet). Its answer is therefore a candidate that the store
/// thread confirms (``EntityWriter/confirmUnchanged(id:inputHash:)``) before counting the row
/// unchanged; a row it does not recognise is mapped and validated as usual.
///
/// A row whose record it finds but which did not write it last is a changed row: the probe reads
/// that record whole (``storedRecord(_:)``), so the store thread, which would have to load it to
/// compare, can use this copy when nothing in the run has written the record since.
///
/// Exports of the same query list records in the same order, so the record a row names is most
/// often the one stored right after the previous row's: that one is tried first, by store key
/// (neighbouring rows share pages; within a batch, by stepping one cursor along the table), before
/// the key index (a random page a row).
final class UnchangedRowProbe {
    /// What the probe found for a row.
    enum Match: Equatable {
        /// Stored record `id` was last written by this very input row.
        case unchanged(Int64)
        /// Stored record `id` is the one the row names, but another input row wrote it last.
        case changed(Int64)
    }

    private let connection: Connection
    private let entity: EntityDefinition
    private let byKey: Statement
    private let byStoreKey: Statement
    /// Within a batch, the table read in store-key order from the last record found: the next
    /// row's record is most often the next one, reached by one step instead of a lookup.
    private let scan: Statement
    private let scanIDColumn: Int32
    /// The store key of the record ``scan`` stands on (nil: not started, or past the end).
    private var scanAt: Int64?
    /// ``EntityWriter/selectSQL(for:)`` of the entity.
    private let selectSQL: String
    /// The store key the next row's record is expected to have.
    private var expected: Int64?
    /// Whether the rule's index is unique (sys_id), so a record found by store key with the same
    /// key is the only one: only then can the index lookup be skipped.
    private let predicts: Bool

    /// A probe for `entity`'s table in the store at `path`, or nil when none can help: an
    /// in-memory store, an empty table, an entity without identifier rules, or a store that
    /// cannot be opened a second time (the import then simply maps every row).
    init?(path: String, entity: EntityDefinition, rules: [[String]]) {
        guard !path.isEmpty, path != ":memory:", let rule = rules.first, !rule.isEmpty else { return nil }
        let table = EntityTable(entity).name
        self.entity = entity
        selectSQL = EntityWriter.selectSQL(for: entity)
        predicts = rule == ["sys_id"]
        let keyColumns = rule.map(EntityTable.quoted)
        let conditions = keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
        do {
            connection = try Connection(path: path, options: .init(readOnly: true, create: false, cacheKiB: 8 * 1024))
            guard try connection.holdsRows(table) else { return nil }
            byKey = try connection.prepare(
                "SELECT _id, _input_hash, retired_in_run FROM \(table) WHERE \(conditions) ORDER BY _id LIMIT 2")
            byStoreKey = try connection.prepare(
                "SELECT _input_hash, retired_in_run, \(keyColumns.joined(separator: ", ")) FROM \(table) WHERE _id = ?")
            scan = try connection.prepare(
                "SELECT _input_hash, retired_in_run, \(keyColumns.joined(separator: ", ")), _id FROM \(table) WHERE _id >= ? ORDER BY _id")
            scanIDColumn = Int32(2 + keyColumns.count)
        } catch {
            return nil
        }
    }

    /// Runs `lookUps` (a batch of rows) in one read transaction, so each lookup does not begin and
    /// end its own (a third of a lookup's cost). The transaction ends with the batch: one left open
    /// would keep the run's commit from checkpointing the pages it wrote. Should it fail to begin
    /// or end, the lookups run, or are kept, without it.
    func batch(_ lookUps: () throws -> Void) throws {
        var began = false, done = false
        do {
            try connection.inReadTransaction {
                began = true
                inBatch = true
                defer {
                    byKey.reset()
                    byStoreKey.reset()
                    scan.reset()
                    scanAt = nil
                    inBatch = false
                }
                try lookUps()
                done = true
            }
        } catch where !began {
            try lookUps()
        } catch where done {
            return
        }
    }

    /// Whether ``batch(_:)`` has a read transaction open.
    private var inBatch = false

    /// The stored record `key` identifies, if exactly one does, and whether `inputHash` last wrote it.
    func match(key: [FieldValue], inputHash: Int64) -> Match? {
        defer { expected = expected.map { $0 + 1 } }
        if predicts, let expected, let found = record(expected, key: key, inputHash: inputHash) { return found }
        guard let found = lookUp(key: key, inputHash: inputHash) else { return nil }
        switch found { case .unchanged(let id), .changed(let id): expected = id }
        return found
    }

    /// Record `id` as the store held it when the run began (nil if it cannot be read).
    func storedRecord(_ id: Int64) -> StoredRecord? {
        try? EntityWriter.load(entity, id: id, connection: connection, sql: selectSQL)
    }

    /// Whether record `id` has `key` (nil when not), and whether `inputHash` last wrote it.
    private func record(_ id: Int64, key: [FieldValue], inputHash: Int64) -> Match? {
        guard inBatch else { return recordByStoreKey(id, key: key, inputHash: inputHash) }
        do {
            if let at = scanAt, at < id, id - at <= Self.stepsBeforeSeeking {
                while let at = scanAt, at < id { scanAt = try scan.step() ? scan.int64(scanIDColumn) : nil }
            } else if scanAt != id {
                scan.reset()
                try scan.bind(.integer(id), at: 1)
                scanAt = try scan.step() ? scan.int64(scanIDColumn) : nil
            }
            return scanAt == id ? Self.answer(id, row: scan, key: key, inputHash: inputHash) : nil
        } catch {
            scanAt = nil
            return nil
        }
    }

    /// How far ahead of the scan a record may be and still be reached by stepping (each step
    /// reads one record; a seek walks the table's B-tree from its root).
    static let stepsBeforeSeeking: Int64 = 8

    /// ``record(_:key:inputHash:)`` by one lookup of the store key (outside a batch).
    private func recordByStoreKey(_ id: Int64, key: [FieldValue], inputHash: Int64) -> Match? {
        defer { byStoreKey.reset() }
        do {
            byStoreKey.reset()
            try byStoreKey.bind(.integer(id), at: 1)
            return try byStoreKey.step() ? Self.answer(id, row: byStoreKey, key: key, inputHash: inputHash) : nil
        } catch {
            return nil
        }
    }

    /// The record found by the key index, if exactly one is found, and whether `inputHash` last wrote it.
    private func lookUp(key: [FieldValue], inputHash: Int64) -> Match? {
        defer { byKey.reset() }
        do {
            byKey.reset()
            for (offset, value) in key.enumerated() { try byKey.bind(value.sqlValue, at: Int32(offset + 1)) }
            guard try byKey.step() else { return nil }
            let id = byKey.int64(0)
            let found = Self.match(id, row: byKey, hashColumn: 1, inputHash: inputHash)
            return try byKey.step() ? nil : found
        } catch {
            return nil
        }
    }

    /// For a row of ``scan`` or ``byStoreKey`` (the input hash, the retirement, then the key's
    /// columns) standing on record `id`: nil when the record has another key, else ``match(_:row:hashColumn:inputHash:)``.
    private static func answer(_ id: Int64, row: Statement, key: [FieldValue], inputHash: Int64) -> Match? {
        for (offset, value) in key.enumerated() where !row.column(Int32(offset + 2), is: value.sqlValue) { return nil }
        return match(id, row: row, hashColumn: 0, inputHash: inputHash)
    }

    /// Unchanged when `row` holds `inputHash` at `hashColumn` and no retirement after it, else changed.
    private static func match(_ id: Int64, row: Statement, hashColumn: Int32, inputHash: Int64) -> Match {
        let unchanged = !row.isNull(hashColumn) && row.int64(hashColumn) == inputHash && row.isNull(hashColumn + 1)
        return unchanged ? .unchanged(id) : .changed(id)
    }
}
