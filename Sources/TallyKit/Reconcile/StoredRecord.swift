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
public struct WriteResult: Sendable {
    public var outcome: RecordOutcome
    public var warnings: [Finding] = []
    public var conflicts = 0
}
