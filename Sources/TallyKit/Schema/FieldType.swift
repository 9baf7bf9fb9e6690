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
    /// A UTC instant stored as `YYYY-MM-DD HH:MM:SS`.
    case datetime
    /// One of a fixed list of codes, stored as the code.
    case choice(ChoiceList)
    /// A pointer at another entity (by its registry name), stored as text until reconciliation
    /// resolves it to a sys_id.
    case reference(String)

    /// A short name for messages and docs: `text`, `integer`, `choice`, `reference to ci`.
    package var summary: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .decimal: "decimal"
        case .boolean: "boolean"
        case .datetime: "datetime"
        case .choice(let list): list.kind == .integer ? "choice (integer codes)" : "choice (text codes)"
        case .reference(let entity): "reference to \(entity)"
        }
    }
}
