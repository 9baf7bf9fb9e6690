/// The two hashes an insert stores about its record: the record's ``ContentHash`` (`_hash`) and
/// its audit row's digest (``AuditTrail/insertDigest(of:entity:)``). The preparing thread works
/// them out for a row that is likely new, so the store thread (the one that bounds an import)
/// need not. They hold for the values as mapped: an insert whose values differ from those (a
/// reference resolved to a sys_id) works them out again.
struct InsertHashes: Sendable, Equatable {
    var record: Int64
    var digest: String

    /// `values` as the insert binds them (absent fields, nil, as null), `extra` as it stores them.
    init(values: [FieldValue?], extra: String?, digestSeeds: [Int64]) {
        record = ContentHash.of(values, extra: extra)
        digest = AuditTrail.insertDigest(seeds: digestSeeds) { values[$0]?.canonicalText }
    }
}
