/// A record's audit trail, for `tally history`.
public struct RecordHistory {
    let connection: Connection

    public struct Change: Sendable, Equatable {
        public var run: Int64
        public var source: String?
        public var field: String
        public var old: String?
        public var new: String?

        public var json: String {
            "{\"run\": \(run), \"source\": \(source.map(JSON.quote) ?? "null"), \"field\": \(JSON.quote(field)), \"old\": \(old.map(JSON.quote) ?? "null"), \"new\": \(new.map(JSON.quote) ?? "null")}"
        }
    }

    public struct Setter: Sendable, Equatable {
        public var field: String
        public var source: String?
        public var run: Int64
    }

    public init(_ database: TallyDatabase) { connection = database.connection }

    /// The store keys (`_id`) of records whose sys_id, display field or audit key is `key`.
    public func find(entity: EntityDefinition, key: String) throws -> [Int64] {
        var conditions = ["\"sys_id\" = ?1"]
        if let display = entity.displayField { conditions.append("\(EntityTable.quoted(display)) = ?1") }
        let table = EntityTable(entity).name
        var ids = try connection.rows("SELECT _id FROM \(table) WHERE \(conditions.joined(separator: " OR ")) ORDER BY _id", [.text(key)])
            .compactMap { $0.first?.integer }
        if ids.isEmpty {
            ids = try connection.rows("SELECT DISTINCT record FROM audit WHERE entity = ? AND key = ? ORDER BY record",
                                      [.text(entity.name), .text(key)]).compactMap { $0.first?.integer }
        }
        return ids
    }

    /// Every audited change of the record, newest first.
    public func changes(entity: EntityDefinition, record: Int64) throws -> [Change] {
        try connection.rows(
            "SELECT run, source, field, old, new FROM audit WHERE entity = ? AND record = ? ORDER BY id DESC",
            [.text(entity.name), .integer(record)]
        ).map { Change(run: $0[0].integer ?? 0, source: $0[1].text, field: $0[2].text ?? "", old: $0[3].text, new: $0[4].text) }
    }

    /// For each field, the source and run that last set it (its latest change, else the insert).
    public func lastSetters(entity: EntityDefinition, record: Int64) throws -> [Setter] {
        let changes = try self.changes(entity: entity, record: record)
        guard let insert = changes.last(where: { $0.field == "*" }) else { return [] }
        return entity.fields.map { field in
            let last = changes.first { $0.field == field.name } ?? insert
            return Setter(field: field.name, source: last.source, run: last.run)
        }
    }
}
