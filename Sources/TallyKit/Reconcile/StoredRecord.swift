import TallyStore

/// A record as the store holds it: its key, field values in registry order, extra columns and
/// bookkeeping.
struct StoredRecord: Sendable {
    var id: Int64
    var values: [FieldValue]
    var extra: String?
    var hash: Int64?
    var source: String?
    var createdRun: Int64?
    var updatedRun: Int64?
    var retiredInRun: Int64?
    /// When the platform deleted it (``BookkeepingColumn/deletedAt``); nil while it is live.
    var deletedAt: String? = nil

    /// Whether the current run already wrote this record.
    func writtenIn(run: Int64) -> Bool { createdRun == run || updatedRun == run }
}

/// The version of a record that orders its updates: `sys_updated_on`, then `sys_mod_count`.
struct RecordVersion: Comparable {
    var updated: String?
    var modCount: Int64?

    static func < (lhs: RecordVersion, rhs: RecordVersion) -> Bool {
        let left = lhs.updated ?? "", right = rhs.updated ?? ""
        if left != right { return left < right }
        return (lhs.modCount ?? -1) < (rhs.modCount ?? -1)
    }
}

/// A write a rule refused, to be stored as a conflict.
struct ConflictNote {
    var field: String
    var stored: String?
    var storedSource: String?
    var incoming: String?
    var rule: String
    var message: String
}

/// What applying one record did: its outcome, warnings found while writing, conflicts recorded.
package struct WriteResult: Sendable {
    package var outcome: RecordOutcome
    package var warnings: [Finding] = []
    package var conflicts = 0
}

extension StoredRecord {
    /// The record's value of a bookkeeping column (it keeps no input hash: NULL).
    func value(_ column: BookkeepingColumn) -> SQLValue {
        switch column {
        case .extra: extra.sqlValue
        case .hash: hash.map(SQLValue.integer) ?? .null
        case .inputHash: .null
        case .source: source.sqlValue
        case .createdRun: createdRun.map(SQLValue.integer) ?? .null
        case .updatedRun: updatedRun.map(SQLValue.integer) ?? .null
        case .retiredInRun: retiredInRun.map(SQLValue.integer) ?? .null
        case .deletedAt: deletedAt.sqlValue
        }
    }
}

/// The bookkeeping values a write from an input row sets, bound in a column list's order.
struct BookkeepingValues {
    var extra: String?
    var hash: Int64
    var inputHash: Int64?
    var source: String
    /// The writing run: it creates or updates the record.
    var run: Int64

    func append(_ columns: [BookkeepingColumn], to parameters: inout Parameters) throws(StoreError) {
        for column in columns {
            switch column {
            case .extra: try parameters.append(extra)
            case .hash: try parameters.append(hash)
            case .inputHash: try parameters.append(inputHash)
            case .source: try parameters.append(source)
            case .createdRun, .updatedRun: try parameters.append(run)
            case .retiredInRun, .deletedAt: try parameters.appendNull()
            }
        }
    }
}
