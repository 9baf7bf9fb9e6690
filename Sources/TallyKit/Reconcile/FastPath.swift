import TallyStore
import TallyFormats

/// The store-thread shortcuts of ``ReconcileStrategy/fast``. Each skips work whose answer is
/// already known and gives what the stages would have given:
/// - a row the ``UnchangedRowProbe`` recognised is confirmed unchanged, never mapped or compared;
/// - a row that is the input row that last wrote its record, nothing written since, is unchanged
///   without loading the record;
/// - the probe's copy of a record as the run began stands in for identifying and loading it;
/// - into a table empty as the run began, a sys_id the run has not stored needs no lookup;
/// - an insert binds the values the preparation thread packed (``PreparedInsert``).
final class FastPath {
    private let connection: Connection
    private let run: Int64
    private let identifier: RecordIdentifier
    private let persister: RecordPersister
    /// Whether the case rules write records besides the row's: then what Persist wrote does not
    /// tell whether a record is as the run began.
    private let othersWrite: Bool
    /// The ``RecordIdentifier/Match`` of one record, by store key.
    private let matchByIDSQL: String
    /// When the table was empty as the run began: the sys_ids the run has stored since (only
    /// these can be in the table).
    private var newSysIDs: KeyFilter?

    init(connection: Connection, entity: EntityDefinition, run: Int64, identifier: RecordIdentifier, persister: RecordPersister,
         othersWrite: Bool) {
        self.connection = connection
        self.run = run
        self.identifier = identifier
        self.persister = persister
        self.othersWrite = othersWrite
        let table = EntityTable(entity).name
        matchByIDSQL = "SELECT \(RecordIdentifier.matchColumnNames.joined(separator: ", ")) FROM \(table) WHERE _id = ?"
        if !identifier.sysIDRule.isEmpty, (try? connection.holdsRows(table)) == false { newSysIDs = KeyFilter() }
    }

    /// What the shortcuts know of a row before it is identified.
    struct Hint {
        /// The match read off the probe's copy of the record (nil: identify).
        var match: RecordIdentifier.Match?
        /// The row's sys_id in ``newSysIDs`` (nil when there is no filter, or no sys_id).
        var filterKey: KeyFilter.Key?
        /// No stored record can hold the row's sys_id.
        var sysIDKnownNew: Bool
    }

    func hint(for record: MappedRecord, values: [FieldValue?], storedAtStart: StoredRecord?) -> Hint {
        // Worked out once, while preparing, for a likely-new row.
        let filterKey = newSysIDs == nil ? nil : record.preparedInsert?.sysIDKey ?? identifier.sysID(of: values).map(KeyFilter.Key.init)
        let knownNew = filterKey.map { newSysIDs?.mightContain($0) == false } ?? false
        return Hint(match: match(fromCopy: storedAtStart, values: values), filterKey: filterKey, sysIDKnownNew: knownNew)
    }

    /// Notes that the row of `hint` was stored (inserted, or matched: an update may set its sys_id).
    func stored(_ hint: Hint) {
        if let key = hint.filterKey { newSysIDs?.insert(key) }
    }

    /// The match ``RecordIdentifier/identify(_:sysIDKnownNew:)`` would find, read off the probe's
    /// copy of the record as the run began: when the row's sys_id is the copy's and sys_id is the
    /// first rule (a unique key), nothing in this run has written the record, and no
    /// distinguishing key disagrees. Nil otherwise: then identify.
    private func match(fromCopy stored: StoredRecord?, values: [FieldValue?]) -> RecordIdentifier.Match? {
        guard let stored, identifier.identifiesBySysIDFirst, let sysID = identifier.sysID(of: values),
              stored.values[identifier.sysIDRule[0]].canonicalText == sysID, isUntouchedThisRun(stored.id),
              !identifier.disagrees(stored, with: values)
        else { return nil }
        // The copy's input hash is another row's (else the probe had found the row unchanged).
        var match = RecordIdentifier.Match(id: stored.id, inputHash: nil, createdRun: stored.createdRun, updatedRun: stored.updatedRun,
                                           retiredInRun: stored.retiredInRun)
        match.bySysID = true
        return match
    }

    /// Whether the row (`inputHash`) that matched `match` is the input row that last wrote it,
    /// with nothing written since: then it changes nothing.
    func isLeftAsWritten(_ match: RecordIdentifier.Match, by inputHash: Int64?) -> Bool {
        match.isLeftAsWritten(by: inputHash, before: run)
    }

    /// The probe's copy of record `id` as the run began, if nothing in the run has written it since.
    func copy(_ storedAtStart: StoredRecord?, of id: Int64) -> StoredRecord? {
        storedAtStart.flatMap { $0.id == id && isUntouchedThisRun(id) ? $0 : nil }
    }

    /// Whether stored record `id` is still exactly as input row `inputHash` left it: nothing,
    /// this run included, has written it since, and no snapshot retired it.
    func confirmUnchanged(id: Int64, inputHash: Int64) throws -> Bool {
        // Only Persist, and the case rules, write the table during the rows of a run; without
        // case rules Persist's record of what it wrote answers (the probe matched at run start).
        guard othersWrite else { return isUntouchedThisRun(id) }
        var match: RecordIdentifier.Match?
        try connection.forEachRow(matchByIDSQL, [.integer(id)]) { match = RecordIdentifier.Match(row: $0) }
        return match?.isLeftAsWritten(by: inputHash, before: run) ?? false
    }

    /// Whether record `id` is still as the run began, by what Persist wrote (never answered yes
    /// when the case rules write other records).
    private func isUntouchedThisRun(_ id: Int64) -> Bool {
        !othersWrite && !persister.wrote(id)
    }
}
