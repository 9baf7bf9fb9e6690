import Foundation
import TallyStore

/// An entity's table in the store, derived from its registry definition.
///
/// The table is `entity_<name>`: `_id` (the store's own key), one column per field in registry
/// order, then bookkeeping columns. Identifiers in SQL come only from here, never from input.
package struct EntityTable: Sendable {
    package let entity: EntityDefinition

    /// Bookkeeping columns after the fields.
    package static let bookkeeping = BookkeepingColumn.allCases

    /// Fields indexed on their own because rules look records up by them (a case's related
    /// records, a request's case).
    package let indexedFields: [String]
    /// Fields indexed for reads only (each reference to a CI: the CMDB reports ask of every CI
    /// what points at it); an import never looks records up by them (see ``readIndexes``).
    package let readIndexedFields: [String]

    package init(_ entity: EntityDefinition, indexedFields: [String] = [], readIndexedFields: [String] = []) {
        self.entity = entity
        self.indexedFields = indexedFields
        self.readIndexedFields = readIndexedFields.filter { !indexedFields.contains($0) }
    }

    /// An index: its name and the statement that builds it.
    package struct Index: Sendable {
        package var name: String
        package var sql: String
    }

    /// The indexes of ``readIndexedFields``, which an import into an empty table may build once
    /// at its end instead of row by row (``DeferredReadIndexes``).
    package var readIndexes: [Index] { readIndexedFields.map(index(on:)) }

    private func index(on field: String) -> Index {
        let index = "\(name)_by_\(field)"
        return Index(name: index, sql: "CREATE INDEX IF NOT EXISTS \(index) ON \(name) (\(Self.quoted(field)))")
    }

    package var name: String { "entity_\(entity.name)" }

    /// The SQL column type of a field: integers, booleans and integer choices are INTEGER.
    package static func columnType(of type: FieldType) -> String {
        switch type {
        case .integer, .boolean, .duration: "INTEGER"
        case .decimal: "REAL"
        case .choice(let list): list.kind == .integer ? "INTEGER" : "TEXT"
        case .text, .datetime, .reference, .references: "TEXT"
        }
    }

    /// `"name"`, quoted for SQL. Field names come from the registry, never from input.
    package static func quoted(_ identifier: String) -> String {
        guard identifier.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + identifier + "\"" }
        return "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    var createSQL: String {
        var columns = ["_id INTEGER PRIMARY KEY"]
        columns += entity.fields.map { "\(Self.quoted($0.name)) \(Self.columnType(of: $0.type))" }
        columns += Self.bookkeeping.map { "\($0.name) \($0.declaration)" }
        return "CREATE TABLE IF NOT EXISTS \(name) (\n  \(columns.joined(separator: ",\n  "))\n)"
    }

    /// Index statements: a unique index on sys_id, one index per identifier rule.
    var indexSQL: [String] {
        var statements = entity.identifierRules.enumerated().map { offset, group in
            let columns = group.map(Self.quoted).joined(separator: ", ")
            let unique = group == ["sys_id"] ? "UNIQUE " : ""
            return "CREATE \(unique)INDEX IF NOT EXISTS \(name)_key\(offset) ON \(name) (\(columns))"
        }
        if let display = entity.displayField, !entity.identifierRules.contains([display]) {
            statements.append("CREATE INDEX IF NOT EXISTS \(name)_display ON \(name) (\(Self.quoted(display)))")
        }
        return statements + (indexedFields + readIndexedFields).map { index(on: $0).sql }
    }

    /// Whether the table, every column and every index already exist (checked read-only, so
    /// opening a current store never waits for another process's write lock).
    package func isCurrent(in connection: Connection) throws -> Bool {
        var existing = Set<String>()
        try connection.forEachRow("SELECT name FROM pragma_table_info(?)", [.text(name)]) { existing.insert($0.text(0) ?? "") }
        let wanted = entity.fields.map(\.name) + Self.bookkeeping.map(\.name)
        guard wanted.allSatisfy(existing.contains) else { return false }
        var indexes = Set<String>()
        try connection.forEachRow("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [.text(name)]) { indexes.insert($0.text(0) ?? "") }
        return indexSQL.allSatisfy { statement in
            // "CREATE [UNIQUE ]INDEX IF NOT EXISTS <name> ON …"
            let words = statement.split(separator: " ")
            guard let at = words.firstIndex(of: "EXISTS"), at + 1 < words.count else { return false }
            return indexes.contains(String(words[at + 1]))
        }
    }

    /// Creates the table if missing and adds columns for fields the registry gained since.
    package func ensure(in connection: Connection) throws {
        try addMissingColumns(in: connection)
        for statement in indexSQL { try connection.execute(statement) }
    }

    /// Creates the table, or adds the columns it lacks (a field the registry gained): quick
    /// statements, unlike an index built over a large table.
    package func addMissingColumns(in connection: Connection) throws {
        try connection.execute(createSQL)
        var existing = Set<String>()
        try connection.forEachRow("SELECT name FROM pragma_table_info(?)", [.text(name)]) { existing.insert($0.text(0) ?? "") }
        let wanted = entity.fields.map { ($0.name, Self.columnType(of: $0.type)) } + Self.bookkeeping.map { ($0.name, $0.declaration) }
        for (column, type) in wanted where !existing.contains(column) {
            try connection.execute("ALTER TABLE \(name) ADD COLUMN \(Self.quoted(column)) \(type)")
        }
    }
}

extension EntityRegistry {
    /// Whether every entity's table is complete (no write needed to open the store).
    package func tablesAreCurrent(in connection: Connection) throws -> Bool {
        try entities.allSatisfy { try table(for: $0).isCurrent(in: connection) }
    }

    /// Creates or extends every entity's table.
    package func ensureTables(in connection: Connection) throws {
        for entity in entities { try table(for: entity).ensure(in: connection) }
    }

    /// Adds the columns the entity tables lack, and no index (see ``EntityTable/addMissingColumns(in:)``).
    package func addMissingColumns(in connection: Connection) throws {
        for entity in entities { try table(for: entity).addMissingColumns(in: connection) }
    }

    /// The entity's table, with the extra indexes the case rules look records up by, and one on
    /// each reference to a CI (the CMDB reports ask of every CI whether anything points at it) and
    /// on the entity's ``EntityDefinition/lookupFields``.
    package func table(for entity: EntityDefinition) -> EntityTable {
        var indexed: [String] = []
        var read: [String] = []
        let ci = self.entity(named: "ci")?.name
        for field in entity.fields {
            let pointsAtCI = ci.map { field.type.referenceTargets.contains($0) } ?? false
            if pointsAtCI || entity.lookupFields.contains(field.name) { read.append(field.name) }
        }
        if let rules = entity.caseRules { indexed += rules.relatedFields + [rules.parentField] }
        for rules in entities.compactMap(\.caseRules) where rules.requestLink.entity == entity.name {
            indexed.append(rules.requestLink.field)
        }
        return EntityTable(entity, indexedFields: indexed, readIndexedFields: read)
    }
}
