/// A record as the store holds it: its key, field values in registry order, and extra columns.
struct StoredRecord {
    var id: Int64
    var values: [FieldValue]
    var extra: String?
    var hash: Int64?
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
