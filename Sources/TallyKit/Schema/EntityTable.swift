import Foundation

/// An entity's table in the store, derived from its registry definition.
///
/// The table is `entity_<name>`: `_id` (the store's own key), one column per field in registry
/// order, then bookkeeping columns. Identifiers in SQL come only from here, never from input.
public struct EntityTable: Sendable {
    public let entity: EntityDefinition

    /// Bookkeeping columns after the fields: name and SQL declaration.
    public static let bookkeeping: [(name: String, declaration: String)] = [
        ("_extra", "TEXT"),           // source columns the map does not know: a JSON object
        ("_hash", "INTEGER"),         // FNV-1a 64 of the field values, for change detection
        ("_source", "TEXT"),          // the source that last wrote the record
        ("_created_run", "INTEGER"),
        ("_updated_run", "INTEGER"),
        ("retired_in_run", "INTEGER"), // set when a snapshot retired the record
    ]

    public init(_ entity: EntityDefinition) { self.entity = entity }

    public var name: String { "entity_\(entity.name)" }

    /// The SQL column type of a field: integers, booleans and integer choices are INTEGER.
    public static func columnType(of type: FieldType) -> String {
        switch type {
        case .integer, .boolean: "INTEGER"
        case .choice(let list): list.kind == .integer ? "INTEGER" : "TEXT"
        case .text, .datetime, .reference: "TEXT"
        }
    }

    /// `"name"`, quoted for SQL. Field names come from the registry, never from input.
    public static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    var createSQL: String {
        var columns = ["_id INTEGER PRIMARY KEY"]
        columns += entity.fields.map { "\(Self.quoted($0.name)) \(Self.columnType(of: $0.type))" }
        columns += Self.bookkeeping.map { "\($0.name) \($0.declaration)" }
        return "CREATE TABLE IF NOT EXISTS \(name) (\n  \(columns.joined(separator: ",\n  "))\n)"
    }

    /// Index statements: a unique index on sys_id, one index per identifier rule.
    var indexSQL: [String] {
        entity.identifierRules.enumerated().map { offset, group in
            let columns = group.map(Self.quoted).joined(separator: ", ")
            let unique = group == ["sys_id"] ? "UNIQUE " : ""
            return "CREATE \(unique)INDEX IF NOT EXISTS \(name)_key\(offset) ON \(name) (\(columns))"
        }
    }

    /// Creates the table if missing and adds columns for fields the registry gained since.
    public func ensure(in connection: Connection) throws {
        try connection.execute(createSQL)
        var existing = Set<String>()
        try connection.forEachRow("SELECT name FROM pragma_table_info(?)", [.text(name)]) { existing.insert($0.text(0) ?? "") }
        let wanted = entity.fields.map { ($0.name, Self.columnType(of: $0.type)) } + Self.bookkeeping.map { ($0.name, $0.declaration) }
        for (column, type) in wanted where !existing.contains(column) {
            try connection.execute("ALTER TABLE \(name) ADD COLUMN \(Self.quoted(column)) \(type)")
        }
        for statement in indexSQL { try connection.execute(statement) }
    }
}

extension EntityRegistry {
    /// Creates or extends every entity's table.
    public func ensureTables(in connection: Connection) throws {
        for entity in entities { try EntityTable(entity).ensure(in: connection) }
    }
}
