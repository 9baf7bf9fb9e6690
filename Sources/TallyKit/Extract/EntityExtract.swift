/// An entity's current records under canonical field names, in a stable order: by sys_id, then
/// (records without one) by business key. Datetimes are canonical UTC text, choices their codes,
/// booleans `true`/`false`, null is null. Importing the extract back changes nothing.
public struct EntityExtract {
    public let entity: EntityDefinition

    public init(_ entity: EntityDefinition) { self.entity = entity }

    public var columns: [String] { entity.fields.map(\.name) }

    var selectSQL: String {
        let table = EntityTable(entity)
        let fields = entity.fields.map { EntityTable.quoted($0.name) }.joined(separator: ", ")
        var order = ["\"sys_id\" IS NULL", "\"sys_id\""]
        for group in entity.identifierRules where group != ["sys_id"] {
            order += group.map(EntityTable.quoted)
        }
        order.append("_id")
        return "SELECT \(fields) FROM \(table.name) ORDER BY \(order.joined(separator: ", "))"
    }

    /// Calls `body` with each record's values as canonical text, in extract order.
    public func forEachRow(in connection: Connection, _ body: ([String?]) throws -> Void) throws {
        var values: [String?] = []
        values.reserveCapacity(entity.fields.count)
        let statement = try connection.prepare(selectSQL)
        try statement.bind([])
        while try statement.step() {
            values.removeAll(keepingCapacity: true)
            for (index, field) in entity.fields.enumerated() {
                values.append(FieldValue(stored: statement.value(Int32(index)), type: field.type).canonicalText)
            }
            try body(values)
        }
        statement.reset()
    }

    /// Writes the extract; returns the number of rows.
    @discardableResult
    public func write(from connection: Connection, format: ExtractFormat, to sink: any OutputSink) throws -> Int {
        let writer = try TableWriter(columns: columns, format: format, sink: sink)
        var rows = 0
        try forEachRow(in: connection) { values in
            try writer.write(values)
            rows += 1
        }
        try writer.flush()
        return rows
    }
}
