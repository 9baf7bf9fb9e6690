/// Reconciles mapped records of one entity into its table, within a run's transaction.
///
/// For each record: resolve its references, identify it by the ordered identifier rules (an
/// empty value never matches; several matches reject it as ambiguous), protect against stale
/// data by comparing versions, apply the attribute precedence and the case rules, write only
/// what changed, and audit every change. Never commits: the caller owns the transaction.
package final class EntityWriter {
    package let entity: EntityDefinition
    let table: EntityTable
    let connection: Connection
    let run: Int64
    let source: String
    let precedence: PrecedenceRules
    private let audit: AuditTrail
    private let conflicts: ConflictLog
    private let references: ReferenceResolver
    private let caseLinks: CaseLinks?
    private let journal: CaseJournal?
    private let updatedIndex: Int?
    private let modCountIndex: Int?
    private let identifierSQL: [(fields: [Int], sql: String)]
    /// The distinguishing groups as field indexes; identification queries return their columns after `_id`.
    private let distinguishing: [[Int]]
    private let selectSQL: String
    /// The ``Match`` of one record, by store key.
    private let matchByIDSQL: String
    private let insertStatement: HeldStatement
    /// The update statements by the columns they set.
    private var updates: [UpdateShape: HeldStatement] = [:]
    private let requiredIndexes: [Int]
    /// External references (to tables Tally does not load) by index; each one's display field follows it.
    private let externalIndexes: [Int]
    /// Records this run has seen (matched or inserted), for snapshot retirement (kept only when
    /// ``trackSeen`` is set, so a delta import of a million rows keeps no such set).
    package private(set) var seen = Set<Int64>()
    package var trackSeen = false
    /// The sys_id identifier rule as field indexes (empty when the entity has none).
    private let sysIDRule: [Int]
    /// How many stored records of the entity have no sys_id (they can be found by later rules only).
    private var storedWithoutSysID: Int
    /// When the table was empty as the run began: the sys_ids the run has stored since, so that
    /// a new record's sys_id lookup can be skipped (only these can be in the table).
    private var newSysIDs: KeyFilter?
    /// Rows of the current input that identify one record differently (see ``IdentityCollisions``).
    private var collisions: IdentityCollisions
    /// The current input's position in the run (for audit rows' `input_row`).
    private var inputPosition = 0
    /// The entity's ``EntityDefinition/collisionRules`` as field indexes, with their lookup and the
    /// identifier rule they identify within (`mac_address + sys_class_name`).
    private let collisionSQL: [(fields: [Int], sql: String, within: String)]

    package init(connection: Connection, registry: EntityRegistry, entity: EntityDefinition, run: Int64, source: String,
                identifierRules: [[String]]? = nil, precedence: PrecedenceRules = .none) {
        self.connection = connection
        self.entity = entity
        self.table = EntityTable(entity)
        self.run = run
        self.source = source
        self.precedence = precedence
        audit = AuditTrail(connection: connection, run: run, source: source)
        conflicts = ConflictLog(connection: connection, run: run, source: source)
        references = ReferenceResolver(connection: connection, entity: entity, registry: registry)
        caseLinks = entity.caseRules.map { CaseLinks(connection: connection, registry: registry, entity: entity, rules: $0, run: run, source: source) }
        journal = CaseJournal.make(for: entity, registry: registry, connection: connection, run: run)
        // Audit and pending rows wait to be written several at a time, unless case links write
        // audit rows of their own between this writer's (their order must stay the order of events).
        holdsRows = caseLinks == nil
        audit.holdsRows = holdsRows
        updatedIndex = entity.index(ofField: entity.updatedField)
        modCountIndex = entity.index(ofField: entity.modCountField)
        requiredIndexes = entity.fields.indices.filter { entity.fields[$0].required }
        externalIndexes = entity.fields.indices.filter { entity.fields[$0].displayField != nil }
        let name = table.name
        let distinguishing = entity.distinguishingRules.map { $0.compactMap { entity.index(ofField: $0) } }
        self.distinguishing = distinguishing
        let distinguishingColumns = distinguishing.flatMap { $0 }.map { EntityTable.quoted(entity.fields[$0].name) }
        let selected = (Self.matchColumnNames + distinguishingColumns).joined(separator: ", ")
        identifierSQL = (identifierRules ?? entity.identifierRules).map { group in
            let conditions = group.map { "\(EntityTable.quoted($0)) = ?" }.joined(separator: " AND ")
            return (group.compactMap { entity.index(ofField: $0) },
                    "SELECT \(selected) FROM \(name) WHERE \(conditions) ORDER BY _id LIMIT 20")
        }
        selectSQL = Self.selectSQL(for: entity)
        matchByIDSQL = "SELECT \(Self.matchColumnNames.joined(separator: ", ")) FROM \(name) WHERE _id = ?"
        sysIDRule = entity.index(ofField: "sys_id").map { [$0] } ?? []
        storedWithoutSysID = Int((try? connection.scalar("SELECT count(*) FROM \(name) WHERE \"sys_id\" IS NULL OR \"sys_id\" = ''").integer) ?? 1)
        if !sysIDRule.isEmpty, (try? connection.holdsRows(name)) == false { newSysIDs = KeyFilter() }
        let columns = entity.fields.map { EntityTable.quoted($0.name) }
        let insertColumns = columns + BookkeepingColumn.inserted.map(\.name)
        collisions = IdentityCollisions(entity: entity, rules: identifierRules ?? entity.identifierRules)
        collisionSQL = entity.collisionRules.map { group in
            let within = (identifierRules ?? entity.identifierRules).first { $0.count > group.count && Set($0).isSuperset(of: group) }
            return (group.compactMap { entity.index(ofField: $0) },
                    "SELECT _id FROM \(name) WHERE \(group.map { "\(EntityTable.quoted($0)) = ?" }.joined(separator: " AND ")) AND _id <> ? ORDER BY _id LIMIT 5",
                    within?.joined(separator: " + ") ?? group.joined(separator: " + ") + " with more")
        }
        insertStatement = HeldStatement("INSERT INTO \(name) (\(insertColumns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: insertColumns.count).joined(separator: ", ")))", on: connection)
    }

    /// Whether audit and pending rows may wait to be written with later ones (``flush()``).
    private let holdsRows: Bool

    /// Writes the audit and pending rows held: due before the run reads them or ends.
    package func flush() throws {
        try audit.flush()
        try references.flush()
    }

    /// Starts the rows of input `position` of the run: identity collisions are looked for within one input.
    package func beginInput(position: Int) {
        inputPosition = position
        collisions.reset()
    }

    /// Records rows of the current input identified under different identities, by record.
    var identityCollisions: [Int64: IdentityCollisions.Group] { collisions.groups }

    /// A row's identity as ``identityCollisions`` records it, from its mapped values.
    func identity(of values: [FieldValue?]) -> [String?] { collisions.identity(of: values) }

    /// Applies one valid record and says what happened.
    package func apply(_ record: MappedRecord) throws -> WriteResult {
        try apply(record, storedAtStart: nil)
    }

    /// ``apply(_:)``, with `storedAtStart` the stored record the row names as the run began when
    /// already read (``UnchangedRowProbe``): used instead of loading it, if nothing in this run
    /// has written it since.
    func apply(_ record: MappedRecord, storedAtStart: StoredRecord?) throws -> WriteResult {
        var values = record.values
        let (unresolved, replacements) = try references.resolve(values, displayValues: record.displayValues)
        let replaced = !replacements.isEmpty
        if replaced { ReferenceResolver.apply(replacements, to: &values) }
        let extra = ExtraColumns.json(record.extra)
        let copied = match(fromCopy: storedAtStart, values: values)
        // The sys_id's key in the filter of new sys_ids, worked out once (while preparing, for a likely-new row).
        let filterKey = newSysIDs == nil ? nil : record.preparedInsert?.sysIDKey ?? sysID(of: values).map(KeyFilter.Key.init)
        let inputRow = AuditTrail.inputRow(position: inputPosition, record: record.provenance.record)
        switch try copied.map(Identification.one) ?? identify(values, filterKey: filterKey) {
        case .none(let sysIDFree):
            if !sysIDFree, let holder = try sysIDHolder(of: values, besides: nil) {
                return try sysIDConflict(holder: holder, values: values, target: nil, provenance: record.provenance)
            }
            if requiredIndexes.contains(where: { values[$0] == nil }) {
                let missing = requiredIndexes.filter { values[$0] == nil }.map { entity.fields[$0].name }
                return WriteResult(outcome: .rejected([Finding(
                    severity: .error, rule: .required, field: missing[0],
                    message: "no stored \(entity.name) matches this row, and it cannot be inserted: the input has no \(missing.joined(separator: ", ")) column (a partial export can only update records already in the store)",
                    provenance: record.provenance)]))
            }
            let id = try insert(values, extra: extra, inputHash: record.inputHash, prepared: replaced ? nil : record.preparedInsert,
                                filterKey: filterKey, inputRow: inputRow)
            _ = collisions.meet(id)
            if trackSeen { seen.insert(id) }
            if sysIDRule.isEmpty || values[sysIDRule[0]]?.canonicalText?.isEmpty ?? true { storedWithoutSysID += 1 }
            if !unresolved.isEmpty {
                try references.recordPending(unresolved, entity: entity.name, record: id, run: run, isNew: true, holding: holdsRows)
            }
            let shared = try sharedIdentity(of: values, insertedAs: id, provenance: record.provenance)
            guard let caseLinks else { return WriteResult(outcome: .inserted, warnings: shared) }
            let warnings = try caseLinks.afterWrite(id: id, values: values.map { $0 ?? .null }, previous: nil, provenance: record.provenance)
            return WriteResult(outcome: .inserted, warnings: shared + warnings)
        case .ambiguous(let candidates, let rule):
            return WriteResult(outcome: .rejected([Finding(
                severity: .error, rule: "ambiguous_match", field: nil,
                message: try ambiguityMessage(values, candidates: candidates, rule: rule),
                provenance: record.provenance)]))
        case .one(let match):
            if trackSeen { seen.insert(match.id) }
            if let filterKey { newSysIDs?.insert(filterKey) }  // an update may set it
            let metBefore = collisions.meet(match.id)
            // The same input row as the one that last wrote the record, with nothing else written
            // since, changes nothing: no need to load or compare it.
            if match.isLeftAsWritten(by: record.inputHash, before: run) {
                caseLinks?.unchangedRow(match.id)
                return WriteResult(outcome: .unchanged)
            }
            let readAtStart = storedAtStart.flatMap { $0.id == match.id && isUntouchedThisRun(match.id) ? $0 : nil }
            let stored = try readAtStart ?? load(match.id)
            if metBefore && !match.bySysID {
                collisions.compare(stored, values: values, mapped: record.values, key: audit.displayKey(of: stored.values, in: entity))
            }
            return try update(stored, values: values, extra: extra, inputHash: record.inputHash, unresolved: unresolved,
                              provenance: record.provenance, inputRow: inputRow, versionIsExportTime: record.versionIsExportTime)
        }
    }

    /// Whether stored record `id` is still exactly as input row `inputHash` left it: nothing,
    /// this run included, has written it since, and no snapshot retired it. Such a row is
    /// unchanged, with no need to map, load or compare it.
    package func confirmUnchanged(id: Int64, inputHash: Int64) throws -> Bool {
        // Only this writer, and its case links, write the table during the rows of a run; without
        // case links its own record of what it wrote answers (the candidate matched at run start).
        let confirmed: Bool
        if caseLinks == nil {
            confirmed = isUntouchedThisRun(id)
        } else {
            var match: Match?
            try connection.forEachRow(matchByIDSQL, [.integer(id)]) { match = Match(row: $0) }
            confirmed = match?.isLeftAsWritten(by: inputHash, before: run) ?? false
        }
        if confirmed {
            if trackSeen { seen.insert(id) }
            _ = collisions.meet(id)
            caseLinks?.unchangedRow(id)
        }
        return confirmed
    }
    /// Records this writer inserted or updated in the run.
    private var written = RecordSet()

    /// Whether record `id` is still as the run began, by this writer's record of what it wrote:
    /// only this writer writes the table during the rows of a run — unless it has case links,
    /// which write other records of it, so then nothing can be told from `written`.
    private func isUntouchedThisRun(_ id: Int64) -> Bool {
        caseLinks == nil && !written.contains(id)
    }

    // MARK: - Identification

    /// A stored record an identification query found, with what the unchanged shortcut needs.
    struct Match {
        var id: Int64
        /// The hash of the input row that last wrote the record, if nothing else wrote it since.
        var inputHash: Int64?
        var createdRun: Int64?
        var updatedRun: Int64?
        var retiredInRun: Int64?
        /// Whether the sys_id identified it (a row naming its record by sys_id cannot collide with another's identity).
        var bySysID = false

        /// From a row whose first columns are ``EntityWriter/matchColumnNames``.
        init(row: Statement) {
            func integer(_ column: BookkeepingColumn) -> Int64? {
                let index = BookkeepingColumn.matched.position(of: column, from: 1)
                return row.isNull(index) ? nil : row.int64(index)
            }
            self.init(id: row.int64(0), inputHash: integer(.inputHash), createdRun: integer(.createdRun), updatedRun: integer(.updatedRun),
                      retiredInRun: integer(.retiredInRun))
        }

        init(id: Int64, inputHash: Int64?, createdRun: Int64?, updatedRun: Int64?, retiredInRun: Int64?) {
            (self.id, self.inputHash, self.createdRun, self.updatedRun, self.retiredInRun) = (id, inputHash, createdRun, updatedRun, retiredInRun)
        }

        /// Whether the input row `inputHash` wrote this record last, before `run`, and nothing
        /// (a retirement included) has touched it since.
        func isLeftAsWritten(by inputHash: Int64?, before run: Int64) -> Bool {
            guard let inputHash, let stored = self.inputHash else { return false }
            return stored == inputHash && retiredInRun == nil && createdRun != run && updatedRun != run
        }
    }

    enum Identification {
        /// No stored record is the row's. `sysIDFree`: identification saw that no stored record
        /// holds the row's sys_id (else the insert asks, ``sysIDHolder(of:besides:)``).
        case none(sysIDFree: Bool)
        case one(Match)
        /// Several stored records match by the identifier rule `rule` (field indexes).
        case ambiguous([Int64], rule: [Int])
    }

    /// Columns of an identification query before the distinguishing keys (what a ``Match`` reads).
    private static let matchColumnNames = ["_id"] + BookkeepingColumn.matched.map(\.name)
    private static let matchColumns = Int32(matchColumnNames.count)

    /// `filterKey`: the key of the row's sys_id in ``newSysIDs`` (nil when there is no filter, or no sys_id).
    func identify(_ values: [FieldValue?], filterKey: KeyFilter.Key?) throws -> Identification {
        let incomingKeys = distinguishingKeys(of: values)
        var sysIDFree = false
        for rule in identifierSQL {
            var keys: [SQLValue] = []
            for index in rule.fields {
                guard let value = values[index], let text = value.canonicalText, !text.isEmpty else { break }
                keys.append(value.sqlValue)
            }
            guard keys.count == rule.fields.count else { continue }
            if rule.fields == sysIDRule, let newSysIDs, let filterKey, !newSysIDs.mightContain(filterKey) {
                if storedWithoutSysID == 0 { return .none(sysIDFree: true) }
                sysIDFree = true
                continue
            }
            var matches: [Match] = []
            var found = 0
            try connection.forEachRow(rule.sql, keys) { row in
                found += 1
                var column = Self.matchColumns
                let stored = distinguishing.map { group in
                    defer { column += Int32(group.count) }
                    return (0..<Int32(group.count)).map { row.text(column + $0) }
                }
                if !disagrees(stored: stored, incoming: incomingKeys) { matches.append(Match(row: row)) }
            }
            if matches.count == 1 {
                matches[0].bySysID = rule.fields == sysIDRule
                return .one(matches[0])
            }
            if matches.count > 1 { return .ambiguous(matches.map(\.id), rule: rule.fields) }
            if rule.fields == sysIDRule {
                sysIDFree = found == 0
                // With a sys_id, and no stored record without one, no later rule can find this
                // record: any other match would disagree on the sys_id.
                if storedWithoutSysID == 0 { return .none(sysIDFree: sysIDFree) }
            }
        }
        return .none(sysIDFree: sysIDFree)
    }

    /// The match ``identify(_:filterKey:)`` would find, read off the probe's copy of the record as the run
    /// began instead of queried: when the row's sys_id is the copy's and sys_id is the first rule
    /// (a unique key, so the query could find this record only), nothing in this run has written the
    /// record, and no distinguishing key disagrees. Nil otherwise: then identify.
    private func match(fromCopy stored: StoredRecord?, values: [FieldValue?]) -> Match? {
        guard let stored, identifierSQL.first?.fields == sysIDRule, let sysID = sysID(of: values),
              stored.values[sysIDRule[0]].canonicalText == sysID, isUntouchedThisRun(stored.id),
              !disagrees(stored: distinguishing.map { $0.map { stored.values[$0].canonicalText } }, incoming: distinguishingKeys(of: values))
        else { return nil }
        // The copy's input hash is another row's (else the probe had found the row unchanged).
        var match = Match(id: stored.id, inputHash: nil, createdRun: stored.createdRun, updatedRun: stored.updatedRun,
                          retiredInRun: stored.retiredInRun)
        match.bySysID = true
        return match
    }

    /// The incoming record's distinguishing keys, by rule (nil where it lacks one).
    private func distinguishingKeys(of values: [FieldValue?]) -> [[String]?] {
        distinguishing.map { group in
            let parts = group.compactMap { values[$0]?.canonicalText }.filter { !$0.isEmpty }
            return parts.count == group.count ? parts : nil
        }
    }

    /// Whether a stored record's distinguishing keys (by rule) disagree with the incoming ones:
    /// then it is another record, whatever else it shares.
    private func disagrees(stored: [[String?]], incoming: [[String]?]) -> Bool {
        zip(stored, incoming).contains { stored, incoming in
            guard let incoming, stored.allSatisfy({ !($0 ?? "").isEmpty }) else { return false }
            return stored.map { $0 ?? "" } != incoming
        }
    }

    /// The stored record, other than `id`, that holds the sys_id among `values`: writing them
    /// would give that sys_id a second record (the store's unique index refuses it).
    private func sysIDHolder(of values: [FieldValue?], besides id: Int64?) throws -> Int64? {
        guard let sysID = sysID(of: values) else { return nil }
        return try connection.scalar("SELECT _id FROM \(table.name) WHERE \"sys_id\" = ? AND _id IS NOT ? LIMIT 1",
                                     [.text(sysID), id.map(SQLValue.integer) ?? .null]).integer
    }

    /// The reject of a row whose sys_id stored record `holder` holds: inserting the row (`target`
    /// nil) or updating `target` with it would give one sys_id two records.
    private func sysIDConflict(holder: Int64, values: [FieldValue?], target: StoredRecord?, provenance: Provenance) throws -> WriteResult {
        let held = try load(holder)
        let differing = distinguishing.flatMap { $0 }.filter { index in
            !sysIDRule.contains(index) && values[index].map { $0.canonicalText != held.values[index].canonicalText } ?? false
        }
        let why = differing.isEmpty ? "" : ", which is another \(entity.name) by its " + differing.map { index in
            "\(entity.fields[index].name) (stored \(held.values[index].canonicalText ?? "empty"), the row \(values[index]?.canonicalText ?? "empty"))"
        }.joined(separator: ", ")
        let refused = target.map { "give it to \(entity.name) \(audit.displayKey(of: $0.values, in: entity) ?? "#\($0.id)")" } ?? "be inserted beside it"
        return WriteResult(outcome: .rejected([Finding(
            severity: .error, rule: "sys_id_conflict", field: "sys_id",
            message: "this sys_id belongs to stored \(entity.name) \(audit.displayKey(of: held.values, in: entity) ?? "#\(holder)")\(why): one sys_id names one record, so the row can neither update it nor \(refused); correct the export (or, if the stored record is the wrong one, roll back the run that wrote it)",
            provenance: provenance)]))
    }

    /// Warnings for a row just inserted as record `id` whose values of a collision rule (a MAC
    /// address) other stored records share: identification by them applies only within the rest
    /// of their identifier rule (the class), so the row became a record of its own, and that is said.
    private func sharedIdentity(of values: [FieldValue?], insertedAs id: Int64, provenance: Provenance) throws -> [Finding] {
        var warnings: [Finding] = []
        for rule in collisionSQL {
            let keys = rule.fields.compactMap { values[$0] }.filter { !($0.canonicalText ?? "").isEmpty }
            guard keys.count == rule.fields.count else { continue }
            let holders = try connection.rows(rule.sql, keys.map(\.sqlValue) + [.integer(id)]).compactMap { $0.first?.integer }
            guard !holders.isEmpty else { continue }
            let names = try holders.map { "\(try describe($0)) (#\($0))" }.joined(separator: ", ")
            let what = zip(rule.fields, keys).map { "\(entity.fields[$0].name) \($1.canonicalText ?? "")" }.joined(separator: ", ")
            warnings.append(Finding(
                severity: .warning, rule: IdentityCollisions.rule, field: entity.fields[rule.fields[0]].name,
                message: "\(what) is also stored \(entity.name) \(names)'s; it identifies a record only as \(rule.within), so this row was inserted as a \(entity.name) of its own; if they are one record, correct the row's identifying fields",
                provenance: provenance))
        }
        return warnings
    }

    /// A stored record as a person names it: its number or name, else its store key.
    private func describe(_ id: Int64) throws -> String {
        let stored = try load(id)
        return audit.displayKey(of: stored.values, in: entity) ?? "#\(id)"
    }

    /// The record's sys_id as stored (nil when it has none).
    private func sysID(of values: [FieldValue?]) -> String? {
        guard let index = sysIDRule.first, let text = values[index]?.canonicalText, !text.isEmpty else { return nil }
        return text
    }

    /// Which key matched, with the row's values, and how the stored candidates differ (their other
    /// identifying fields): `matches 2 stored ci records by name 'alpha' and sys_class_name …`.
    private func ambiguityMessage(_ values: [FieldValue?], candidates: [Int64], rule: [Int]) throws -> String {
        let matchedBy = rule.map { "\(entity.fields[$0].name) '\(values[$0]?.canonicalText ?? "")'" }.joined(separator: " and ")
        let others = Array(Set(identifierSQL.flatMap(\.fields)).subtracting(rule)).sorted()
        let shown = try candidates.map { id in
            let stored = try load(id)
            let parts = others.compactMap { index -> String? in
                guard let text = stored.values[index].canonicalText, !text.isEmpty else { return nil }
                return "\(entity.fields[index].name) \(text)"
            }
            return parts.isEmpty ? "#\(id)" : parts.joined(separator: ", ")
        }.joined(separator: "; ")
        return "the record matches \(candidates.count) stored \(entity.name) records by \(matchedBy) (\(shown)); "
            + "give it a field that tells them apart, or a sys_id"
    }

    // MARK: - Writing

    /// Inserts a record; `prepared`, when given, must be made of exactly these values and extra.
    private func insert(_ values: [FieldValue?], extra: String?, inputHash: Int64?, prepared: PreparedInsert?,
                        filterKey: KeyFilter.Key?, inputRow: Int64) throws -> Int64 {
        let hash = prepared?.record ?? ContentHash.of(values, extra: extra)
        let (source, run) = (source, run)
        try insertStatement.run { (parameters: inout Parameters) throws(StoreError) in
            if let prepared {
                try parameters.append(contentsOf: prepared.fields)
            } else {
                for value in values { try parameters.append(value) }
            }
            try BookkeepingValues(extra: extra, hash: hash, inputHash: inputHash, source: source, run: run)
                .append(BookkeepingColumn.inserted, to: &parameters)
        }
        let id = connection.lastInsertRowID
        written.insert(id)
        if let filterKey { newSysIDs?.insert(filterKey) }
        try audit.recordInsert(entity: entity, id: id, text: { values[$0]?.canonicalText }, digest: prepared?.digest, inputRow: inputRow)
        return id
    }

    private func update(_ stored: StoredRecord, values: [FieldValue?], extra incomingExtra: String?, inputHash incomingHash: Int64?,
                        unresolved: [ReferenceResolver.Unresolved], provenance: Provenance, inputRow: Int64,
                        versionIsExportTime: Bool = false) throws -> WriteResult {
        let id = stored.id
        let current = version(of: stored.values.map(Optional.some))
        // A part of the version the row does not carry (an export without sys_mod_count) is not compared.
        let incoming = version(of: values, partsMissingFrom: current)
        if incoming < current {
            try recordStale(stored, values: values, version: incoming.updated, inputRow: inputRow)
            guard let caseLinks else { return WriteResult(outcome: .skippedStale) }
            let notes = try caseLinks.staleRow(stored: stored, incoming: values)
            try record(notes, id: id, key: audit.displayKey(of: stored.values, in: entity), inputRow: inputRow)
            return WriteResult(outcome: .skippedStale, conflicts: notes.count)
        }

        var merged = stored.values
        for (index, value) in values.enumerated() { if let value { merged[index] = value } }
        var notes = try caseLinks?.protect(stored: stored, incoming: values, merged: &merged) ?? []
        notes += try applyPrecedence(stored: stored, merged: &merged)
        // A reference that moves to another record, from an input without its display column,
        // drops the old display value: it named the record the reference no longer points at.
        for index in externalIndexes where values[index] != nil && values[index + 1] == nil && merged[index] != stored.values[index] {
            merged[index + 1] = .null
        }
        // Same version, other content: a tie no arrival order may decide (whether the stored side
        // came from an earlier run or an earlier row of this one). A retired record seen again comes
        // back even at the same version: retiring it was our change, not the source's.
        let tie = incoming == current && stored.retiredInRun == nil
        // Unknown columns merge like fields: one the input lacks keeps its stored value.
        let extra = ExtraColumns.merge(stored: stored.extra, incoming: incomingExtra, tie: tie)
        var changed = merged.indices.filter { merged[$0] != stored.values[$0] }
        if tie {
            notes += settleTie(stored: stored, merged: &merged, changed: changed)
            changed = changed.filter { merged[$0] != stored.values[$0] }
        }
        // A version that is only the export's time changes nothing by itself (a list view taken again).
        if versionIsExportTime, let updatedIndex, changed == [updatedIndex] {
            merged[updatedIndex] = stored.values[updatedIndex]
            changed = []
        }
        if let index = sysIDRule.first, changed.contains(index), let holder = try sysIDHolder(of: merged.map(Optional.some), besides: id) {
            return try sysIDConflict(holder: holder, values: values, target: stored, provenance: provenance)
        }
        let key = audit.displayKey(of: stored.values, in: entity)

        if changed.isEmpty && extra == stored.extra {
            try record(notes, id: id, key: key, inputRow: inputRow)
            return WriteResult(outcome: .unchanged, conflicts: notes.count)
        }
        let hash = ContentHash.of(merged, extra: extra)
        try record(notes, id: id, key: key, inputRow: inputRow)

        // A write some rule trimmed is not "this input row": the next import must be compared in full.
        let inputHash = notes.isEmpty ? incomingHash : nil
        written.insert(id)
        let (source, run) = (source, run)
        try updateStatement(UpdateShape(changed: changed, revives: stored.retiredInRun != nil)).run { (parameters: inout Parameters) throws(StoreError) in
            for index in changed { try parameters.append(merged[index]) }
            try BookkeepingValues(extra: extra, hash: hash, inputHash: inputHash, source: source, run: run)
                .append(BookkeepingColumn.updated, to: &parameters)
            try parameters.append(id)
        }
        let changes: [(field: String, old: String?, new: String?)] = changed.map { index in
            (entity.fields[index].name, stored.values[index].canonicalText, merged[index].canonicalText)
        }
        try audit.recordChanges(entity: entity, id: id, values: merged, inputRow: inputRow,
                                changes + (extra != stored.extra ? [("_extra", stored.extra, extra)] : []))
        let presentReferences = unresolved.filter { reference in values[entity.index(ofField: reference.field)!] != nil }
        // A reference the update left as it was keeps its pending state (a target that arrived
        // since resolved it then); only the changed ones are looked at again.
        let changedReferences = Set(references.slots.filter { values[$0.index] != nil && changed.contains($0.index) }.map(\.field))
        if !changedReferences.isEmpty {
            try references.recordPending(presentReferences, entity: entity.name, record: id, run: run, fields: changedReferences)
        }
        try journal?.recordChanges(record: id, values: merged, changes: changes)
        let warnings = try caseLinks?.afterWrite(id: id, values: merged, previous: stored.values, provenance: provenance) ?? []
        return WriteResult(outcome: .updated(fields: changes.map(\.field)), warnings: warnings, conflicts: notes.count)
    }

    /// Decides a same-version tie field by field (``SameVersionTie``), so every order of the rows
    /// ends in the same state; says where the two sides disagreed (a value filling an empty field
    /// is no disagreement: a partial export of the same version fills, never empties).
    private func settleTie(stored: StoredRecord, merged: inout [FieldValue], changed: [Int]) -> [ConflictNote] {
        var notes: [ConflictNote] = []
        for index in changed {
            let (old, new) = (stored.values[index].canonicalText, merged[index].canonicalText)
            let keepsStored = SameVersionTie.keepsStored(old, over: new)
            if keepsStored { merged[index] = stored.values[index] }
            guard !(old ?? "").isEmpty else { continue }
            notes.append(ConflictNote(
                field: entity.fields[index].name, stored: old, storedSource: stored.source, incoming: new, rule: "same_version",
                message: "same \(entity.updatedField) and \(entity.modCountField) as the stored record but another value; the \(keepsStored ? "stored" : "incoming") value was kept (\(SameVersionTie.rule), whatever the arrival order)"))
        }
        return notes
    }

    /// Reverts changes a lower-priority source may not make, and says which.
    private func applyPrecedence(stored: StoredRecord, merged: inout [FieldValue]) throws -> [ConflictNote] {
        guard precedence.governs(entity: entity.name) else { return [] }
        var notes: [ConflictNote] = []
        for index in merged.indices where merged[index] != stored.values[index] {
            let field = entity.fields[index].name
            let rule = precedence.rule(entity: entity.name, field: field)
            let storedValue = stored.values[index]
            let isEmpty = storedValue.canonicalText?.isEmpty ?? true
            switch rule.policy {
            case .any:
                continue
            case .writeIfEmpty:
                if isEmpty { continue }
                notes.append(ConflictNote(
                    field: field, stored: storedValue.canonicalText, storedSource: try audit.lastSource(entity: entity, id: stored.id, field: field),
                    incoming: merged[index].canonicalText, rule: "precedence.write_if_empty",
                    message: "\(field) may only be written while empty; source '\(source)' tried to change it"))
            case .owner:
                if isEmpty { continue }
                let owner = try audit.lastSource(entity: entity, id: stored.id, field: field) ?? stored.source ?? source
                if rule.rank(of: source) <= rule.rank(of: owner) { continue }
                notes.append(ConflictNote(
                    field: field, stored: storedValue.canonicalText, storedSource: owner,
                    incoming: merged[index].canonicalText, rule: "precedence.owner",
                    message: "source '\(source)' ranks below '\(owner)' for \(entity.name).\(field) (order: \(rule.sources.joined(separator: " > "))); the stored value was kept"))
            }
            merged[index] = storedValue
        }
        return notes
    }

    private func record(_ notes: [ConflictNote], id: Int64, key: String?, inputRow: Int64? = nil) throws {
        for note in notes {
            try conflicts.record(entity: entity, record: id, key: key, field: note.field, stored: note.stored,
                                 storedSource: note.storedSource, incoming: note.incoming, rule: note.rule, message: note.message, inputRow: inputRow)
        }
    }

    /// Keeps what a stale row would have changed, for `tally explain` (nothing when it offered no other value).
    private func recordStale(_ stored: StoredRecord, values: [FieldValue?], version: String?, inputRow: Int64) throws {
        var fields = JSONObjectBuilder()
        fields.reset()
        var any = false
        for (index, value) in values.enumerated() {
            guard let value, value != stored.values[index] else { continue }
            fields.add(entity.fields[index].name, value.canonicalText)
            any = true
        }
        if any { try conflicts.recordStale(entity: entity, record: stored.id, version: version, fields: fields.finish(), inputRow: inputRow) }
    }

    /// Which columns an update sets: the changed fields, and whether it brings a retired record back.
    private struct UpdateShape: Hashable {
        var changed: [Int]
        var revives: Bool
    }

    /// The update statement of `shape`, built and prepared on its first use: an import's updates
    /// come in a few shapes, and building the SQL a row cost more than running it.
    private func updateStatement(_ shape: UpdateShape) -> HeldStatement {
        if let held = updates[shape] { return held }
        var assignments = shape.changed.map { "\(EntityTable.quoted(entity.fields[$0].name)) = ?" }
        assignments += BookkeepingColumn.updated.map { "\($0.name) = ?" }
        if shape.revives { assignments.append("\(BookkeepingColumn.retiredInRun.name) = NULL") }
        let statement = HeldStatement("UPDATE \(table.name) SET \(assignments.joined(separator: ", ")) WHERE _id = ?", on: connection)
        updates[shape] = statement
        return statement
    }

    // MARK: - Reading back

    static func selectSQL(for entity: EntityDefinition) -> String {
        let columns = entity.fields.map { EntityTable.quoted($0.name) }
        return "SELECT \(columns.joined(separator: ", ")), \(BookkeepingColumn.stored.list) FROM \(EntityTable(entity).name) WHERE _id = ?"
    }

    func load(_ id: Int64) throws -> StoredRecord {
        try Self.load(entity, id: id, connection: connection, sql: selectSQL)
    }

    static func load(_ entity: EntityDefinition, id: Int64, connection: Connection, sql: String? = nil) throws -> StoredRecord {
        var result: StoredRecord?
        try connection.forEachRow(sql ?? selectSQL(for: entity), [.integer(id)]) { row in
            var values: [FieldValue] = []
            values.reserveCapacity(entity.fields.count)
            for (index, field) in entity.fields.enumerated() {
                values.append(FieldValue(stored: row.value(Int32(index)), type: field.type))
            }
            func at(_ column: BookkeepingColumn) -> Int32 { BookkeepingColumn.stored.position(of: column, from: entity.fields.count) }
            func integer(_ column: BookkeepingColumn) -> Int64? { row.isNull(at(column)) ? nil : row.int64(at(column)) }
            result = StoredRecord(id: id, values: values, extra: row.text(at(.extra)), hash: integer(.hash), source: row.text(at(.source)),
                                  createdRun: integer(.createdRun), updatedRun: integer(.updatedRun), retiredInRun: integer(.retiredInRun))
        }
        guard let result else { throw StoreError.misuse("record \(id) of \(EntityTable(entity).name) vanished during the run") }
        return result
    }

    /// Puts a removed record back under its old store key (rolling back a rollback).
    static func reinsert(_ record: StoredRecord, entity: EntityDefinition, run: Int64, connection: Connection) throws {
        let columns = ["_id"] + entity.fields.map { EntityTable.quoted($0.name) } + BookkeepingColumn.stored.map(\.name)
        var put = record
        (put.hash, put.updatedRun) = (ContentHash.of(record.values, extra: record.extra), run)
        let bindings: [SQLValue] = [.integer(record.id)] + record.values.map(\.sqlValue) + BookkeepingColumn.stored.map(put.value)
        try connection.run("INSERT INTO \(EntityTable(entity).name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))", bindings)
    }

    /// Recomputes a record's content hash after a change made outside ``apply(_:)``; returns its values.
    @discardableResult
    static func rehash(_ entity: EntityDefinition, id: Int64, connection: Connection) throws -> [FieldValue] {
        let stored = try load(entity, id: id, connection: connection)
        try connection.run("UPDATE \(EntityTable(entity).name) SET \(BookkeepingColumn.hash.name) = ?, \(BookkeepingColumn.inputHash.name) = NULL WHERE _id = ?",
                           [.integer(ContentHash.of(stored.values, extra: stored.extra)), .integer(id)])
        return stored.values
    }

    /// The version `values` carry; a part they do not carry (absent or empty) is taken from
    /// `missingFrom` when given, so it compares equal.
    private func version(of values: [FieldValue?], partsMissingFrom missingFrom: RecordVersion? = nil) -> RecordVersion {
        var modCount: Int64?
        if let modCountIndex, case .integer(let number)? = values[modCountIndex] { modCount = number }
        var updated = updatedIndex.flatMap { values[$0]?.canonicalText }
        if let missingFrom {
            if updated == nil { updated = missingFrom.updated }
            if modCount == nil { modCount = missingFrom.modCount }
        }
        return RecordVersion(updated: updated, modCount: modCount)
    }

}
