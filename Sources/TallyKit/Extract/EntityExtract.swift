import TallyFormats
import TallyStore

/// An entity's current records under canonical field names, in a stable order: by sys_id, then
/// (records without one) by business key. Datetimes are canonical UTC text, choices their codes,
/// booleans `true`/`false`, null is null. Importing the extract back changes nothing (with
/// `--no-formula-guard` for CSV whose text starts with `=`, `+`, `-` or `@`).
///
/// Records the platform deleted (`tally import --deletes`) are left out, unless ``includeDeleted``
/// asks for them with their deletion time as a last column, `deleted_at`.
///
/// As a delta feed (see ``FeedCursor``) the order is `(sys_updated_on, sys_id, _id)` instead, deleted
/// and retired records are delivered too, and a last column `op` says what each row is to a
/// warehouse applying the feed (``FeedOperation``).
package struct EntityExtract: Sendable {
    package let entity: EntityDefinition
    /// Deleted records too, with a `deleted_at` column (`--include-deleted`).
    package var includeDeleted = false

    package init(_ entity: EntityDefinition, includeDeleted: Bool = false) {
        self.entity = entity
        self.includeDeleted = includeDeleted
    }

    /// The extra column `--include-deleted` adds: when the platform deleted the record.
    package static let deletedAtColumn = "deleted_at"
    /// The extra column of a delta feed: ``FeedOperation``'s code.
    package static let operationColumn = "op"

    package var columns: [String] { entity.fields.map(\.name) + (includeDeleted ? [Self.deletedAtColumn] : []) }

    /// The columns typed from the registry (integer choices are integers, references text), except
    /// a column the store holds a value of another type in — a choice a map kept as it came
    /// (`"unknown": "keep"`) — which stays text, so nothing is lost or refused. One scan of the table.
    package func typedColumns(in connection: Connection) throws -> [ReportColumn] {
        let declared = typedColumns
        // The fields' columns only: `deleted_at` is the store's own canonical time.
        let checks = declared.prefix(entity.fields.count).enumerated().compactMap { index, column in
            Self.misfit(EntityTable.quoted(column.name), column.type).map { (index, $0) }
        }
        guard !checks.isEmpty else { return declared }
        let sql = "SELECT " + checks.map { "coalesce(max(\($0.1)), 0)" }.joined(separator: ", ") + " FROM \(EntityTable(entity).name)"
        let found = try connection.rows(sql).first ?? []
        var columns = declared
        for ((index, _), value) in zip(checks, found) where value.integer == 1 {
            columns[index] = ReportColumn(columns[index].name)
        }
        return columns
    }

    /// An SQL condition true for a stored value that is not of `type`, as extracts write it.
    private static func misfit(_ column: String, _ type: ReportColumnType) -> String? {
        switch type {
        case .text: nil
        case .integer, .boolean: "typeof(\(column)) NOT IN ('integer', 'null')"
        case .decimal: "typeof(\(column)) NOT IN ('integer', 'real', 'null')"
        case .datetime:
            "typeof(\(column)) NOT IN ('text', 'null') OR \(column) NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'"
        }
    }

    /// The columns typed from the registry: integer choices are integers, references text.
    var typedColumns: [ReportColumn] {
        fieldColumns + (includeDeleted ? [ReportColumn(Self.deletedAtColumn, .datetime)] : [])
    }

    private var fieldColumns: [ReportColumn] {
        entity.fields.map { field in
            switch field.type {
            case .text, .reference, .references: ReportColumn(field.name)
            case .integer, .duration: ReportColumn(field.name, .integer)
            case .decimal: ReportColumn(field.name, .decimal)
            case .boolean: ReportColumn(field.name, .boolean)
            case .datetime: ReportColumn(field.name, .datetime)
            case .choice(let list): ReportColumn(field.name, list.kind == .integer ? .integer : .text)
            }
        }
    }

    private var fieldList: String { entity.fields.map { EntityTable.quoted($0.name) }.joined(separator: ", ") }

    var selectSQL: String {
        let table = EntityTable(entity)
        var order = ["\"sys_id\" IS NULL", "\"sys_id\""]
        for group in entity.identifierRules where group != ["sys_id"] {
            order += group.map(EntityTable.quoted)
        }
        order.append("_id")
        let deleted = BookkeepingColumn.deletedAt.name
        if includeDeleted { return "SELECT \(fieldList), \(deleted) FROM \(table.name) ORDER BY \(order.joined(separator: ", "))" }
        return "SELECT \(fieldList) FROM \(table.name) WHERE \(deleted) IS NULL ORDER BY \(order.joined(separator: ", "))"
    }

    /// The feed query: the fields, then the position, `_updated_run` and the row's ``FeedOperation``
    /// code; `?1` = 1 selects every record, else `?2` is the run watermark and `(?3, ?4, ?5)` the
    /// cursor position.
    var feedSQL: String {
        let updated = "coalesce(\(EntityTable.quoted(entity.updatedField)), '')"
        let sysID = entity.field(named: "sys_id") != nil ? "coalesce(\"sys_id\", '')" : "''"
        return """
            SELECT \(fieldList), \(updated), \(sysID), _id, _updated_run, \(FeedOperation.sql(watermark: "?2")) FROM \(EntityTable(entity).name)
            WHERE ?1 = 1 OR coalesce(_updated_run, 0) > ?2 OR (\(updated), \(sysID), _id) > (?3, ?4, ?5)
            ORDER BY \(updated), \(sysID), _id
            """
    }

    /// Writes every record, in extract order, to `writer` (a CSV without masks copies each text
    /// column's bytes straight from the store).
    func write(from connection: Connection, to writer: TableWriter) throws {
        guard writer.writesStoredBytes, !includeDeleted else {
            try forEachRow(in: connection) { try writer.write($0) }
            return
        }
        let statement = try connection.prepare(selectSQL)
        defer { statement.reset() }
        try statement.bind([])
        while try statement.step() { try writer.write(statement, fields: entity.fields) }
    }

    /// Calls `body` with each record's values as canonical text, in extract order.
    package func forEachRow(in connection: Connection, _ body: ([String?]) throws -> Void) throws {
        let statement = try connection.prepare(selectSQL)
        defer { statement.reset() }
        try statement.bind([])
        var values: [String?] = []
        values.reserveCapacity(entity.fields.count)
        while try statement.step() {
            try readRow(statement, into: &values)
            try body(values)
        }
    }

    /// Calls `body` with each record a feed pickup delivers after `cursor` (every record when
    /// nil), in feed order; returns the cursor the pickup ends at (not stored).
    package func forEachDelta(
        in connection: Connection, after cursor: FeedCursor?, feed: String, _ body: ([String?]) throws -> Void
    ) throws -> FeedCursor {
        let statement = try connection.prepare(feedSQL)
        defer { statement.reset() }
        let position = cursor?.position
        try statement.bind([
            .integer(cursor == nil ? 1 : 0), .integer(cursor?.lastRun ?? 0),
            .text(position?.updated ?? ""), .text(position?.sysID ?? ""), .integer(position?.key ?? Int64.min),
        ])
        var next = cursor ?? FeedCursor(feed: feed, entity: entity.name)
        next.entity = entity.name
        next.rows = 0
        var last = position
        let base = Int32(entity.fields.count)
        var values: [String?] = []
        values.reserveCapacity(entity.fields.count)
        while try statement.step() {
            try read(statement, into: &values)
            values.append(statement.text(base + 4))
            try body(values)
            next.rows += 1
            let here = FeedCursor.Position(updated: statement.text(base) ?? "", sysID: statement.text(base + 1) ?? "", key: statement.int64(base + 2))
            if last.map({ $0 < here }) ?? true { last = here }
            if !statement.isNull(base + 3) { next.lastRun = max(next.lastRun, statement.int64(base + 3)) }
        }
        // Every record visible now has been delivered at its current version: the watermark is
        // the newest run in the table, even when this pickup delivered nothing new from it.
        let newest = try connection.scalar("SELECT max(_updated_run) FROM \(EntityTable(entity).name)").integer ?? 0
        next.lastRun = max(next.lastRun, newest)
        if let last {
            next.lastUpdated = last.updated
            next.lastSysID = last.sysID.isEmpty ? nil : last.sysID
            next.lastKey = last.key
        }
        return next
    }

    private func read(_ statement: Statement, into values: inout [String?]) throws {
        values.removeAll(keepingCapacity: true)
        for (index, field) in entity.fields.enumerated() {
            values.append(FieldValue(stored: statement.value(Int32(index)), type: field.type).canonicalText)
        }
    }

    /// ``read(_:into:)``, then the deletion time when ``includeDeleted`` selected it.
    private func readRow(_ statement: Statement, into values: inout [String?]) throws {
        try read(statement, into: &values)
        if includeDeleted { values.append(statement.text(Int32(entity.fields.count))) }
    }

    /// Writes the extract; returns the number of rows.
    @discardableResult
    package func write(from connection: Connection, format: ExtractFormat, to sink: any OutputSink, policy: CellPolicy = CellPolicy()) throws -> Int {
        let writer = try TableWriter(columns: columns, format: format, sink: sink, policy: policy)
        try forEachRow(in: connection) { try writer.write($0) }
        try writer.finish()
        return writer.rows
    }
}

