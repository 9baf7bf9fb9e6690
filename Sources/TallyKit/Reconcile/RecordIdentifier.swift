import TallyStore
import TallyFormats

/// Identify, the first stage of reconciling a row: the stored record the row names, by sys_id and
/// then the identifier rules in order (an empty value never matches; a record whose distinguishing
/// keys disagree is another one; several matches are ambiguous). It also keeps the input's
/// identity collisions and refuses a sys_id another record holds.
final class RecordIdentifier {
    let entity: EntityDefinition
    private let connection: Connection
    private let tableName: String
    private let audit: AuditTrail
    private let selectSQL: String
    private let identifierSQL: [(fields: [Int], sql: String)]
    /// The distinguishing groups as field indexes; identification queries return their columns after `_id`.
    private let distinguishing: [[Int]]
    /// The sys_id identifier rule as field indexes (empty when the entity has none).
    let sysIDRule: [Int]
    /// How many stored records of the entity have no sys_id (they can be found by later rules only).
    private var storedWithoutSysID: Int
    /// Rows of the current input that identify one record differently (see ``IdentityCollisions``).
    private var collisions: IdentityCollisions
    /// The entity's ``EntityDefinition/collisionRules`` as field indexes, with their lookup and the
    /// identifier rule they identify within (`mac_address + sys_class_name`).
    private let collisionSQL: [(fields: [Int], sql: String, within: String)]

    init(connection: Connection, entity: EntityDefinition, identifierRules: [[String]]?, audit: AuditTrail) {
        self.connection = connection
        self.entity = entity
        self.audit = audit
        let name = EntityTable(entity).name
        tableName = name
        selectSQL = EntityWriter.selectSQL(for: entity)
        let rules = identifierRules ?? entity.identifierRules
        let distinguishing = entity.distinguishingRules.map { $0.compactMap { entity.index(ofField: $0) } }
        self.distinguishing = distinguishing
        let distinguishingColumns = distinguishing.flatMap { $0 }.map { EntityTable.quoted(entity.fields[$0].name) }
        let selected = (Self.matchColumnNames + distinguishingColumns).joined(separator: ", ")
        identifierSQL = rules.map { group in
            let conditions = group.map { "\(EntityTable.quoted($0)) = ?" }.joined(separator: " AND ")
            return (group.compactMap { entity.index(ofField: $0) },
                    "SELECT \(selected) FROM \(name) WHERE \(conditions) ORDER BY _id LIMIT 20")
        }
        sysIDRule = entity.index(ofField: "sys_id").map { [$0] } ?? []
        storedWithoutSysID = Int((try? connection.scalar("SELECT count(*) FROM \(name) WHERE \"sys_id\" IS NULL OR \"sys_id\" = ''").integer) ?? 1)
        collisions = IdentityCollisions(entity: entity, rules: rules)
        collisionSQL = entity.collisionRules.map { group in
            let within = rules.first { $0.count > group.count && Set($0).isSuperset(of: group) }
            return (group.compactMap { entity.index(ofField: $0) },
                    "SELECT _id FROM \(name) WHERE \(group.map { "\(EntityTable.quoted($0)) = ?" }.joined(separator: " AND ")) AND _id <> ? ORDER BY _id LIMIT 5",
                    within?.joined(separator: " + ") ?? group.joined(separator: " + ") + " with more")
        }
    }

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

        /// From a row whose first columns are ``RecordIdentifier/matchColumnNames``.
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
    static let matchColumnNames = ["_id"] + BookkeepingColumn.matched.map(\.name)
    private static let matchColumns = Int32(matchColumnNames.count)

    /// The stored record `values` name. `sysIDKnownNew`: the fast path knows no stored record
    /// holds the row's sys_id, so its lookup is skipped (the plain path asks the store).
    func identify(_ values: [FieldValue?], sysIDKnownNew: Bool = false) throws -> Identification {
        let incomingKeys = distinguishingKeys(of: values)
        var sysIDFree = false
        for rule in identifierSQL {
            var keys: [SQLValue] = []
            for index in rule.fields {
                guard let value = values[index], let text = value.canonicalText, !text.isEmpty else { break }
                keys.append(value.sqlValue)
            }
            guard keys.count == rule.fields.count else { continue }
            if rule.fields == sysIDRule, sysIDKnownNew {
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

    /// Whether the first identifier rule is the sys_id, a unique key: a record holding the row's
    /// sys_id is then the only one that rule can find.
    var identifiesBySysIDFirst: Bool { identifierSQL.first?.fields == sysIDRule }

    /// Whether `stored`'s distinguishing keys disagree with those of `values` (another record).
    func disagrees(_ stored: StoredRecord, with values: [FieldValue?]) -> Bool {
        disagrees(stored: distinguishing.map { $0.map { stored.values[$0].canonicalText } }, incoming: distinguishingKeys(of: values))
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

    /// The record's sys_id as stored (nil when it has none).
    func sysID(of values: [FieldValue?]) -> String? {
        guard let index = sysIDRule.first, let text = values[index]?.canonicalText, !text.isEmpty else { return nil }
        return text
    }

    /// Notes a record inserted with `values`: one without a sys_id can be found by later rules only.
    func noteInserted(_ values: [FieldValue?]) {
        if sysID(of: values) == nil { storedWithoutSysID += 1 }
    }

    // MARK: - Identity collisions within an input

    /// Starts the rows of a new input: identity collisions are looked for within one input.
    func beginInput() { collisions.reset() }

    /// Notes that a row of this input identified or inserted record `id`; says whether one did before.
    func meet(_ id: Int64) -> Bool { collisions.meet(id) }

    /// Compares a row with the record an earlier row of this input identified (``IdentityCollisions``).
    func compare(_ stored: StoredRecord, values: [FieldValue?], mapped: [FieldValue?]) {
        collisions.compare(stored, values: values, mapped: mapped, key: audit.displayKey(of: stored.values, in: entity))
    }

    /// Records that rows of the current input identified under different identities, by record.
    var identityCollisions: [Int64: IdentityCollisions.Group] { collisions.groups }

    /// A row's identity as ``identityCollisions`` records it, from its mapped values.
    func identity(of values: [FieldValue?]) -> [String?] { collisions.identity(of: values) }

    // MARK: - Refusals and warnings

    /// The stored record, other than `id`, that holds the sys_id among `values`: writing them
    /// would give that sys_id a second record (the store's unique index refuses it).
    func sysIDHolder(of values: [FieldValue?], besides id: Int64?) throws -> Int64? {
        guard let sysID = sysID(of: values) else { return nil }
        return try connection.scalar("SELECT _id FROM \(tableName) WHERE \"sys_id\" = ? AND _id IS NOT ? LIMIT 1",
                                     [.text(sysID), id.map(SQLValue.integer) ?? .null]).integer
    }

    /// The reject of a row whose sys_id stored record `holder` holds: inserting the row (`target`
    /// nil) or updating `target` with it would give one sys_id two records.
    func sysIDConflict(holder: Int64, values: [FieldValue?], target: StoredRecord?, provenance: Provenance) throws -> Finding {
        let held = try load(holder)
        let differing = distinguishing.flatMap { $0 }.filter { index in
            !sysIDRule.contains(index) && values[index].map { $0.canonicalText != held.values[index].canonicalText } ?? false
        }
        let why = differing.isEmpty ? "" : ", which is another \(entity.name) by its " + differing.map { index in
            "\(entity.fields[index].name) (stored \(held.values[index].canonicalText ?? "empty"), the row \(values[index]?.canonicalText ?? "empty"))"
        }.joined(separator: ", ")
        let refused = target.map { "give it to \(entity.name) \(audit.displayKey(of: $0.values, in: entity) ?? "#\($0.id)")" } ?? "be inserted beside it"
        return Finding(
            severity: .error, rule: "sys_id_conflict", field: "sys_id",
            message: "this sys_id belongs to stored \(entity.name) \(audit.displayKey(of: held.values, in: entity) ?? "#\(holder)")\(why): one sys_id names one record, so the row can neither update it nor \(refused); correct the export (or, if the stored record is the wrong one, roll back the run that wrote it)",
            provenance: provenance)
    }

    /// Warnings for a row just inserted as record `id` whose values of a collision rule (a MAC
    /// address) other stored records share: identification by them applies only within the rest
    /// of their identifier rule (the class), so the row became a record of its own, and that is said.
    func sharedIdentity(of values: [FieldValue?], insertedAs id: Int64, provenance: Provenance) throws -> [Finding] {
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

    /// The reject of a row several stored records match: which key matched, with the row's values,
    /// and how the candidates differ (`matches 2 stored ci records by name 'alpha' and sys_class_name …`).
    func ambiguity(_ values: [FieldValue?], candidates: [Int64], rule: [Int], provenance: Provenance) throws -> Finding {
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
        return Finding(
            severity: .error, rule: "ambiguous_match", field: nil,
            message: "the record matches \(candidates.count) stored \(entity.name) records by \(matchedBy) (\(shown)); "
                + "give it a field that tells them apart, or a sys_id",
            provenance: provenance)
    }

    /// A stored record as a person names it: its number or name, else its store key.
    private func describe(_ id: Int64) throws -> String {
        let stored = try load(id)
        return audit.displayKey(of: stored.values, in: entity) ?? "#\(id)"
    }

    private func load(_ id: Int64) throws -> StoredRecord {
        try EntityWriter.load(entity, id: id, connection: connection, sql: selectSQL)
    }
}
