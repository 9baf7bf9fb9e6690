/// Recognises, on the preparation thread and before any mapping, an input row that is exactly the
/// row that last wrote its stored record: the record is found by the first identifier rule, and
/// its `_input_hash` equals the row's ``ContentHash/ofInput(_:header:)``.
///
/// It reads through a connection of its own, so it sees the store as it was when the run began
/// (the run's own writes are not committed yet). Its answer is therefore a candidate that the store
/// thread confirms (``EntityWriter/confirmUnchanged(id:inputHash:)``) before counting the row
/// unchanged; a row it does not recognise is mapped and validated as usual.
///
/// Exports of the same query list records in the same order, so the record a row names is most
/// often the one stored right after the previous row's: that one is tried first, by store key
/// (neighbouring rows share pages), before the key index (a random page a row).
final class UnchangedRowProbe {
    private let connection: Connection
    private let byKey: Statement
    private let byStoreKey: Statement
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
        predicts = rule == ["sys_id"]
        let keyColumns = rule.map(EntityTable.quoted)
        let conditions = keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
        do {
            connection = try Connection(path: path, options: .init(readOnly: true, create: false, cacheKiB: 8 * 1024))
            guard try connection.scalar("SELECT EXISTS (SELECT 1 FROM \(table))").integer == 1 else { return nil }
            byKey = try connection.prepare(
                "SELECT _id, _input_hash, retired_in_run FROM \(table) WHERE \(conditions) ORDER BY _id LIMIT 2")
            byStoreKey = try connection.prepare(
                "SELECT _input_hash, retired_in_run, \(keyColumns.joined(separator: ", ")) FROM \(table) WHERE _id = ?")
        } catch {
            return nil
        }
    }

    /// The stored record `key` identifies, if exactly one does and `inputHash` last wrote it.
    func match(key: [FieldValue], inputHash: Int64) -> Int64? {
        defer { expected = expected.map { $0 + 1 } }
        if predicts, let expected, isRecord(expected, key: key, inputHash: inputHash) { return expected }
        guard let id = lookUp(key: key, inputHash: inputHash) else { return nil }
        expected = id
        return id
    }

    /// Whether record `id` has `key` and was last written by `inputHash`.
    private func isRecord(_ id: Int64, key: [FieldValue], inputHash: Int64) -> Bool {
        defer { byStoreKey.reset() }
        do {
            byStoreKey.reset()
            try byStoreKey.bind(.integer(id), at: 1)
            guard try byStoreKey.step(), !byStoreKey.isNull(0), byStoreKey.int64(0) == inputHash, byStoreKey.isNull(1) else { return false }
            for (offset, value) in key.enumerated() where byStoreKey.value(Int32(offset + 2)) != value.sqlValue { return false }
            return true
        } catch {
            return false
        }
    }

    /// The record found by the key index, if exactly one is found and `inputHash` last wrote it.
    private func lookUp(key: [FieldValue], inputHash: Int64) -> Int64? {
        defer { byKey.reset() }
        do {
            byKey.reset()
            for (offset, value) in key.enumerated() { try byKey.bind(value.sqlValue, at: Int32(offset + 1)) }
            guard try byKey.step(), !byKey.isNull(1), byKey.int64(1) == inputHash, byKey.isNull(2) else { return nil }
            let id = byKey.int64(0)
            return try byKey.step() ? nil : id
        } catch {
            return nil
        }
    }
}
