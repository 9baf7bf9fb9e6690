/// One field of an entity: its canonical name, type, whether it is required, and the display
/// labels exports use as column headers.
public struct FieldDefinition: Sendable, Hashable {
    /// A textual shape a value must have.
    public enum Pattern: Sendable, Hashable {
        /// 32 lowercase hexadecimal digits.
        case sysID
        /// The entity's number prefix followed by at least 7 digits (`INC0010001`).
        case number(prefix: String)

        /// The finding rule id this pattern reports under.
        public var rule: RuleID {
            switch self {
            case .sysID: .patternSysID
            case .number: .patternNumber
            }
        }
    }

    public var name: String
    public var type: FieldType
    /// A required field must not be null (see ``Validator`` for absent columns).
    public var required: Bool
    /// Display labels accepted as column headers (`Number`, `Updated`), matched case-insensitively.
    public var labels: [String]
    public var pattern: Pattern?
    public var doc: String

    public init(
        _ name: String, _ type: FieldType, required: Bool = false, labels: [String] = [],
        pattern: Pattern? = nil, doc: String = ""
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.labels = labels
        self.pattern = pattern
        self.doc = doc
    }
}
