/// Everything Tally knows about one entity, as data: its fields in order, how records are
/// identified, ordered and retired. The pipeline reads this; it never switches on an entity.
package struct EntityDefinition: Sendable, Hashable {
    /// How a record is marked retired when a full snapshot no longer contains it.
    package struct RetireRule: Sendable, Hashable {
        /// The field set on retirement (`install_status`, `active`).
        package var field: String
        /// Its value's canonical text once retired (`"7"`, `"false"`).
        package var value: String

        package init(field: String, value: String) {
            self.field = field
            self.value = value
        }
    }

    /// The registry name (`incident`, `ci`).
    package let name: String
    /// The platform table (`incident`, `cmdb_ci`).
    package let table: String
    /// Other names accepted for the entity (the table name is always accepted).
    package let aliases: [String]
    /// The fields in canonical order; ``MappedRecord/values`` is aligned with it.
    package let fields: [FieldDefinition]
    /// Ordered identification rules: the first group whose fields are all present wins.
    package let identifierRules: [[String]]
    /// Identifier groups on which a disagreement means another record: a candidate found by a
    /// later rule is not a match when both it and the incoming record carry one of these groups
    /// with different values (so 173 CIs sharing a name but not a serial stay 173 CIs).
    package let distinguishingRules: [[String]]
    /// Field groups that identify a record only within the rest of an identifier rule (a MAC
    /// address, within a CI's class): a row inserted while a stored record shares one is said as
    /// an `identity.collision` warning.
    package let collisionRules: [[String]]
    /// The business number's prefix (`INC`), for task entities.
    package let numberPrefix: String?
    /// Datetime fields that must not decrease along the chain (`opened_at ≤ resolved_at ≤ closed_at`).
    package let temporalOrder: [String]
    package let retireRule: RetireRule?
    /// The field that orders versions of a record (newest wins).
    package let updatedField: String
    /// The tie-breaker after ``updatedField``.
    package let modCountField: String
    package let doc: String
    /// The field that names a record for people and references by name (`number`, `name`):
    /// a reference holding this value instead of a sys_id is resolved through it.
    package let displayField: String?
    /// The case ↔ ITSM rules, for the entity that holds cases.
    package let caseRules: CaseRules?
    /// Fields a complete record carries besides the required ones, by class (CMDB completeness).
    package let recommendedFields: [RecommendedFields]
    /// Fields the reports join or filter on that nothing else indexes (a task SLA's `task`): each
    /// gets a read index, built at the end of a first load (see `DeferredReadIndexes`).
    package let lookupFields: [String]
    private let indexByName: [String: Int]

    package init(
        name: String, table: String, aliases: [String] = [], fields: [FieldDefinition],
        identifierRules: [[String]], numberPrefix: String? = nil, temporalOrder: [String] = [],
        retireRule: RetireRule? = nil, updatedField: String = "sys_updated_on",
        modCountField: String = "sys_mod_count", displayField: String? = nil, caseRules: CaseRules? = nil,
        distinguishingRules: [[String]] = [["sys_id"]], collisionRules: [[String]] = [],
        recommendedFields: [RecommendedFields] = [], lookupFields: [String] = [], doc: String = ""
    ) {
        // An external reference's display value follows it (caller_id, caller_id_display).
        let fields = fields.flatMap { field in [field] + (field.displayCompanion().map { [$0] } ?? []) }
        var index: [String: Int] = [:]
        for (position, field) in fields.enumerated() {
            precondition(index[field.name] == nil, "\(name): duplicate field \(field.name)")
            index[field.name] = position
        }
        let referenced = identifierRules.flatMap { $0 } + temporalOrder + [updatedField, modCountField]
            + (retireRule.map { [$0.field] } ?? []) + recommendedFields.flatMap(\.fields) + lookupFields
        for field in referenced {
            precondition(index[field] != nil, "\(name): rule names unknown field \(field)")
        }
        self.name = name
        self.table = table
        self.aliases = aliases
        self.fields = fields
        self.identifierRules = identifierRules
        self.distinguishingRules = distinguishingRules.filter { $0.allSatisfy { index[$0] != nil } }
        self.collisionRules = collisionRules.filter { $0.allSatisfy { index[$0] != nil } }
        self.numberPrefix = numberPrefix
        self.temporalOrder = temporalOrder
        self.retireRule = retireRule
        self.updatedField = updatedField
        self.modCountField = modCountField
        self.doc = doc
        self.displayField = displayField ?? (numberPrefix != nil ? "number" : nil)
        self.caseRules = caseRules
        self.recommendedFields = recommendedFields
        self.lookupFields = lookupFields
        self.indexByName = index
    }

    /// The position of the field called `name` in ``fields``.
    package func index(ofField name: String) -> Int? {
        indexByName[name]
    }

    /// The field called `name`.
    package func field(named name: String) -> FieldDefinition? {
        indexByName[name].map { fields[$0] }
    }

    /// Every name the entity answers to: its name, its table and its aliases.
    package var allNames: [String] {
        var names = [name]
        if table != name { names.append(table) }
        for alias in aliases where !names.contains(alias) { names.append(alias) }
        return names
    }

    package static func == (lhs: EntityDefinition, rhs: EntityDefinition) -> Bool {
        lhs.name == rhs.name && lhs.table == rhs.table && lhs.aliases == rhs.aliases
            && lhs.fields == rhs.fields && lhs.identifierRules == rhs.identifierRules
            && lhs.numberPrefix == rhs.numberPrefix && lhs.temporalOrder == rhs.temporalOrder
            && lhs.retireRule == rhs.retireRule && lhs.updatedField == rhs.updatedField
            && lhs.modCountField == rhs.modCountField && lhs.doc == rhs.doc
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(table)
        hasher.combine(fields)
    }
}
