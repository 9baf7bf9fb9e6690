import TallyFormats

/// Rows of one input that identify the same record under different identifying attributes (15
/// CIs sharing serial `L3BB911` under 15 names). They still merge, applied in file order, as the
/// platform's identification by serial and class would merge them; but the merge is said: each
/// such row gets an `identity.collision` warning naming every row of its group.
///
/// While the input is reconciled, only a bit per record met is kept, and the identities under
/// which a record was met twice differently; the rows' lines are found once the input is done,
/// by reading it again (``RowPipeline``), so an input without collisions costs nothing more.
struct IdentityCollisions {
    static let rule: RuleID = "identity.collision"

    /// A record met under more than one identity in the input.
    struct Group {
        /// The record's business key when first seen differing (`L3BB911/cmdb_ci_computer`).
        var key: String?
        /// The identities seen (``identity(of:)``).
        var identities: Set<[String?]> = []
        /// Fields on which they differ.
        var differing: Set<Int> = []
    }

    /// The identifier rules' fields, in field order.
    let fields: [Int]
    /// Records a row of the current input identified or inserted.
    private var met = RecordSet()
    private(set) var groups: [Int64: Group] = [:]

    init(entity: EntityDefinition, rules: [[String]]) {
        fields = Set(rules.flatMap { $0 }.compactMap { entity.index(ofField: $0) }).sorted()
    }

    /// Starts a new input: nothing met yet.
    mutating func reset() {
        met = RecordSet()
        groups = [:]
    }

    /// Notes that a row of this input identified record `id`; says whether one did before.
    mutating func meet(_ id: Int64) -> Bool {
        defer { met.insert(id) }
        return met.contains(id)
    }

    /// A row's identifying values as texts (nil where it has none, or lacks the column).
    func identity(of values: [FieldValue?]) -> [String?] {
        fields.map { index in values[index]?.canonicalText.flatMap { $0.isEmpty ? nil : $0 } }
    }

    /// Compares a row with the record `stored` that an earlier row of this input identified:
    /// where both have a value for an identifying field and they differ, the two form a group.
    /// `values` are the row's values as identified; `mapped`, as mapped (what a second read finds).
    mutating func compare(_ stored: StoredRecord, values: [FieldValue?], mapped: [FieldValue?], key: String?) {
        let differing = fields.filter { index in
            guard let incoming = values[index]?.canonicalText, !incoming.isEmpty,
                  let current = stored.values[index].canonicalText, !current.isEmpty else { return false }
            return incoming != current
        }
        guard !differing.isEmpty else { return }
        // The record's identity as the row's columns show it (a field the input lacks is left out).
        let current = fields.map { index in values[index] == nil ? nil : stored.values[index].canonicalText.flatMap { $0.isEmpty ? nil : $0 } }
        var group = groups[stored.id] ?? Group(key: key)
        group.identities.insert(current)
        group.identities.insert(identity(of: mapped))
        group.differing.formUnion(differing)
        groups[stored.id] = group
    }

    /// The warning of one row of a group, whose rows are `places` (`file:line`, in file order).
    static func finding(entity: EntityDefinition, group: Group, places: [String], provenance: Provenance) -> Finding {
        let shown = places.count > 20 ? places.prefix(20).joined(separator: ", ") + " and \(places.count - 20) more" : places.joined(separator: ", ")
        let fields = group.differing.sorted().map { entity.fields[$0].name }
        return Finding(
            severity: .warning, rule: rule, field: fields.first,
            message: "\(places.count) rows of this input (\(shown)) identify the same \(entity.name)\(group.key.map { " (\($0))" } ?? "") "
                + "with different \(fields.joined(separator: ", ")); they were merged into one record, applied in file order. "
                + "If they are different \(entity.name) records, give each its own sys_id (or, for CIs, serial number)",
            provenance: provenance)
    }
}
