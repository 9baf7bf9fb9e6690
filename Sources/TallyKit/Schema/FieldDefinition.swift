/// One field of an entity: its canonical name, type, whether it is required, and the display
/// labels exports use as column headers.
package struct FieldDefinition: Sendable, Hashable {
    /// A textual shape a value must have.
    package enum Pattern: Sendable, Hashable {
        /// 32 lowercase hexadecimal digits.
        case sysID
        /// The entity's number prefix followed by at least 7 digits (`INC0010001`).
        case number(prefix: String)

        /// The finding rule id this pattern reports under.
        package var rule: RuleID {
            switch self {
            case .sysID: .patternSysID
            case .number: .patternNumber
            }
        }
    }

    package var name: String
    package var type: FieldType
    /// A required field must not be null (see ``Validator`` for absent columns).
    package var required: Bool
    /// Display labels accepted as column headers (`Number`, `Updated`), matched case-insensitively.
    package var labels: [String]
    package var pattern: Pattern?
    package var doc: String
    /// For a reference to a platform table Tally does not load (`sys_user`, `sys_user_group`,
    /// `cmn_location`, …): that table. The field holds the sys_id; its display value lives beside
    /// it in ``displayField``, which the entity adds after it.
    package var externalTable: String?

    package init(
        _ name: String, _ type: FieldType, required: Bool = false, labels: [String] = [],
        pattern: Pattern? = nil, external externalTable: String? = nil, doc: String = ""
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.labels = labels
        self.pattern = pattern
        self.externalTable = externalTable
        self.doc = doc
    }

    /// The field holding this reference's display value (`caller_id_display`), for an external reference.
    package var displayField: String? { externalTable == nil ? nil : name + "_display" }

    /// The display-value field that follows an external reference: text, no labels, so no column
    /// but its own name (or the reference's display value) fills it.
    func displayCompanion() -> FieldDefinition? {
        displayField.map { FieldDefinition($0, .text, doc: "The display value of \(name) (a \(externalTable ?? "") record).") }
    }
}
