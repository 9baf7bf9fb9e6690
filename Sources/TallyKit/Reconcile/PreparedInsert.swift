import TallyStore

/// What an insert of a row stores about its values, worked out by the preparing thread for a
/// row that is likely new, so the store thread (the one that bounds an import) need not: the
/// field values packed for binding, the record's ``ContentHash`` (`_hash`) and its audit row's
/// digest (``AuditTrail/insertDigest(of:entity:)``), and its sys_id's ``KeyFilter/Key``. They hold
/// for the values as mapped: an insert whose values differ from those (a reference resolved to a
/// sys_id) works them out again.
struct PreparedInsert: Sendable, Equatable {
    var fields: PackedParameters
    var record: Int64
    var digest: String
    /// The key of the record's sys_id (nil when it has none), the field at `sysIDIndex`.
    var sysIDKey: KeyFilter.Key?

    /// `values` as the insert binds them (absent fields, nil, as null), `extra` as it stores them.
    init(values: [FieldValue?], extra: String?, digestSeeds: [Int64], sysIDIndex: Int?) {
        fields = PackedParameters(capacity: 1_024)
        for value in values { fields.append(value) }
        record = ContentHash.of(values, extra: extra)
        digest = AuditTrail.insertDigest(seeds: digestSeeds) { values[$0]?.canonicalText }
        if let sysIDIndex, let sysID = values[sysIDIndex]?.canonicalText, !sysID.isEmpty { sysIDKey = KeyFilter.Key(sysID) }
    }
}
