/// How a field's text is typed when it is mapped, and how it is stored.
package enum FieldType: Sendable, Hashable {
    /// Kept verbatim.
    case text
    /// A signed 64-bit integer.
    case integer
    /// A number with a fraction (a CI's `cost`), stored as SQLite REAL; exports' thousands
    /// separators (`9,999.99`) are dropped.
    case decimal
    /// `true`/`false` (inputs also say `1`/`0`, `yes`/`no`).
    case boolean
    /// A length of time, stored as whole seconds: the Table API writes it as a time after the
    /// epoch (`1970-01-03 04:00:00`), a list export as words (`2 Days 4 Hours`), see ``DurationText``.
    case duration
    /// A UTC instant stored as `YYYY-MM-DD HH:MM:SS`.
    case datetime
    /// One of a fixed list of codes, stored as the code.
    case choice(ChoiceList)
    /// A pointer at another entity (by its registry name), stored as text until reconciliation
    /// resolves it to a sys_id.
    case reference(String)
    /// A pointer at a record of any of several entities (a task SLA's `task`: a case, incident,
    /// problem, change or request), as the platform's references to `task` are: looked up in
    /// each in turn, a number only in the entity whose prefix it carries.
    case references(anyOf: [String])

    /// The entities a reference may point at; empty for a field that is no reference.
    package var referenceTargets: [String] {
        switch self {
        case .reference(let target): [target]
        case .references(let targets): targets
        default: []
        }
    }

    /// A short name for messages and docs: `text`, `integer`, `choice`, `reference to ci`.
    package var summary: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .decimal: "decimal"
        case .boolean: "boolean"
        case .duration: "duration (seconds)"
        case .datetime: "datetime"
        case .choice(let list): list.kind == .integer ? "choice (integer codes)" : "choice (text codes)"
        case .reference(let entity): "reference to \(entity)"
        case .references(let targets): "reference to " + targets.dropLast().joined(separator: ", ") + " or " + (targets.last ?? "")
        }
    }
}
