import TallyStore
import TallyFormats

/// A point in the past an extract is taken at: right after run ``run`` committed (transaction
/// time), each record's version valid at source time ``time``, or both (source time as the store
/// knew it after the run).
package struct AsOf: Sendable, Equatable {
    package var run: Int64?
    /// Canonical datetime text (`2024-03-01 12:00:00`).
    package var time: String?

    package init(run: Int64? = nil, time: String? = nil) {
        self.run = run
        self.time = time
    }
}

/// The entity tables as they stood at an ``AsOf``, put in place of the real ones for one extract,
/// so every report's SQL stays as it is: a temporary view named like each table shadows it (SQLite
/// looks names up in `temp` first), and is dropped again after.
///
/// At a run alone, only the records the audit changed after that run are worked back (from their
/// current values, undoing the later audit rows: ``AuditRewind``) into a temporary table; the view
/// is the table's other rows plus those. At a source time, every record's version is looked up in
/// its history (``VersionHistory``).
final class AsOfView {
    let connection: Connection
    private var created: [String] = []

    private init(connection: Connection) { self.connection = connection }

    /// Puts the view of `entities` at `asOf` in place (in the caller's read transaction).
    static func install(_ asOf: AsOf, entities: [EntityDefinition], connection: Connection) throws -> AsOfView {
        let view = AsOfView(connection: connection)
        let standing = try RunStanding(connection: connection, asOfRun: asOf.run)
        try view.writingTemporaries {
            for entity in entities {
                if let time = asOf.time {
                    try view.shadow(entity, at: time, standing: standing)
                } else {
                    try view.shadow(entity, after: standing)
                }
            }
        }
        return view
    }

    /// Drops the views and tables (the real tables are seen again).
    func remove() {
        try? writingTemporaries {
            for name in created.reversed() { try connection.execute("DROP \(name)") }
        }
        created = []
    }

    /// A read transaction makes a writable connection query-only; temporary objects are no store
    /// writes, so they are allowed for the while they are made.
    private func writingTemporaries(_ body: () throws -> Void) throws {
        let flip = !connection.isReadOnly
        if flip { try connection.run("PRAGMA query_only = 0") }
        defer { if flip { try? connection.run("PRAGMA query_only = 1") } }
        try body()
    }

    private static let bookkeeping: [BookkeepingColumn] = [.extra, .source, .createdRun, .updatedRun, .retiredInRun, .deletedAt]

    /// Creates `temp.tally_asof_<entity>` shaped like the entity's table; returns its name and an insert for it.
    private func rowsTable(_ entity: EntityDefinition) throws -> (name: String, insert: Statement) {
        let table = EntityTable(entity).name
        let rows = "tally_asof_\(entity.name)"
        try connection.execute("CREATE TEMP TABLE \(rows) AS SELECT * FROM main.\(table) WHERE 0")
        created.append("TABLE temp.\(rows)")
        let columns = ["_id"] + entity.fields.map { EntityTable.quoted($0.name) } + Self.bookkeeping.map(\.name)
        let insert = try connection.uncachedStatement(
            "INSERT INTO temp.\(rows) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
        return (rows, insert)
    }

    private func createView(_ entity: EntityDefinition, _ select: String) throws {
        let table = EntityTable(entity).name
        try connection.execute("CREATE TEMP VIEW \(table) AS \(select)")
        created.append("VIEW temp.\(table)")
    }

    private func insert(_ statement: Statement, id: Int64, values: [String?], entity: EntityDefinition,
                        extra: String?, source: String?, createdRun: Int64?, updatedRun: Int64?, retiredInRun: Int64?,
                        deletedAt: String? = nil) throws {
        var bindings: [SQLValue] = [.integer(id)]
        bindings.reserveCapacity(entity.fields.count + 6)
        for (field, value) in zip(entity.fields, values) { bindings.append(FieldValue(canonical: value, type: field.type).sqlValue) }
        bindings += [extra.sqlValue, source.sqlValue, createdRun.map(SQLValue.integer) ?? .null,
                     updatedRun.map(SQLValue.integer) ?? .null, retiredInRun.map(SQLValue.integer) ?? .null, deletedAt.sqlValue]
        try statement.execute(bindings)
    }

    /// Transaction time: the records changed after the view's run, worked back.
    private func shadow(_ entity: EntityDefinition, after standing: RunStanding) throws {
        guard standing.asOfRun != nil else { return }
        // The later rows are read one record at a time (memory stays flat whatever their number).
        let later = try connection.uncachedStatement("SELECT record, id, run, field, old, new FROM audit WHERE id > ? AND entity = ? ORDER BY record, id")
        try later.bind([.integer(standing.auditLimit), .text(entity.name)])
        guard try later.step() else { return }
        let (rows, insertRow) = try rowsTable(entity)
        let ids = "tally_asof_\(entity.name)_ids"
        try connection.execute("CREATE TEMP TABLE \(ids) (_id INTEGER PRIMARY KEY)")
        created.append("TABLE temp.\(ids)")
        var more = true
        while more {
            let id = later.int64(0)
            var changes: [AuditRewind.Row] = []
            while more && later.int64(0) == id {
                changes.append(AuditRewind.Row(id: later.int64(1), run: later.int64(2), key: nil, field: later.text(3) ?? "",
                                               old: later.text(4), new: later.text(5)))
                more = try later.step()
            }
            try connection.run("INSERT INTO temp.\(ids) (_id) VALUES (?)", [.integer(id)])
            try shadow(entity, record: id, undoing: changes, standing: standing, into: insertRow)
        }
        let table = EntityTable(entity).name
        try createView(entity, "SELECT * FROM main.\(table) WHERE _id NOT IN (SELECT _id FROM temp.\(ids)) UNION ALL SELECT * FROM temp.\(rows)")
    }

    /// Works record `id` back from its current values over `changes` (its audit rows after the
    /// view's run, oldest first) and adds what it was then, if it existed, to the rows table.
    private func shadow(_ entity: EntityDefinition, record id: Int64, undoing changes: [AuditRewind.Row], standing: RunStanding,
                        into insertRow: Statement) throws {
        // (This entity's view is made after its rows: the table's name still means the table.)
        let table = EntityTable(entity).name
        let exists = try connection.scalar("SELECT count(*) FROM main.\(table) WHERE _id = ?", [.integer(id)]).integer == 1
        let record = exists ? try EntityWriter.load(entity, id: id, connection: connection) : nil
        var rewind = AuditRewind(entity: entity, current: record)
        var bookkeeping = record
        for row in changes.reversed() {
            switch row.field {
            case AuditTrail.removeField:
                bookkeeping = try? Rollback.record(fromJSON: row.old ?? "{}", entity: entity, id: id)
            case BookkeepingColumn.retiredInRun.name:
                bookkeeping?.retiredInRun = row.old.flatMap { Int64($0) }
            case BookkeepingColumn.extra.name:
                bookkeeping?.extra = row.old
            case BookkeepingColumn.deletedAt.name:
                bookkeeping?.deletedAt = row.old
            default:
                break
            }
            _ = rewind.undo(row)
        }
        guard let values = rewind.values, var bookkeeping else { return }
        if bookkeeping.retiredInRun == nil { bookkeeping.retiredInRun = try retired(entity, id, at: standing.auditLimit) }
        let asOfRun = standing.asOfRun ?? Int64.max
        try insert(insertRow, id: id, values: values, entity: entity, extra: bookkeeping.extra, source: bookkeeping.source,
                   createdRun: bookkeeping.createdRun.flatMap { $0 <= asOfRun ? $0 : nil },
                   updatedRun: bookkeeping.updatedRun.flatMap { $0 <= asOfRun ? $0 : nil }, retiredInRun: bookkeeping.retiredInRun,
                   deletedAt: bookkeeping.deletedAt)
    }

    /// The run that had retired the record at audit row `limit`, if one had: an import bringing a
    /// retired record back clears `retired_in_run` without an audit row of its own, so a revival
    /// after `limit` is not undone by the walk back; its field changes show it happened.
    private func retired(_ entity: EntityDefinition, _ id: Int64, at limit: Int64) throws -> Int64? {
        let bindings: [SQLValue] = [.text(entity.name), .integer(id), .integer(limit)]
        guard let last = try connection.rows("""
            SELECT id, new FROM audit WHERE entity = ?1 AND record = ?2 AND field = 'retired_in_run' AND id <= ?3 ORDER BY id DESC LIMIT 1
            """, bindings).first, let run = last[1].text.flatMap({ Int64($0) }) else { return nil }
        let revived = try connection.scalar("""
            SELECT count(*) FROM audit WHERE entity = ?1 AND record = ?2 AND id > ?4 AND id <= ?3
              AND field NOT IN ('retired_in_run', '*', '-', '_extra', '_deleted_at') AND run IN (SELECT id FROM runs WHERE kind IN ('import', 'rerun'))
            """, bindings + [last[0]]).integer ?? 0
        return revived == 0 ? run : nil
    }

    /// Source time: every record's version valid at `time`.
    private func shadow(_ entity: EntityDefinition, at time: String, standing: RunStanding) throws {
        let (rows, insert) = try rowsTable(entity)
        try VersionHistory(entity: entity, connection: connection, standing: standing).forEachRecord { id, versions in
            guard let version = VersionHistory.version(in: versions, at: time) else { return }
            try self.insert(insert, id: id, values: version.values, entity: entity, extra: nil, source: version.source,
                            createdRun: versions.first?.run, updatedRun: version.run, retiredInRun: nil)
        }
        try createView(entity, "SELECT * FROM temp.\(rows)")
    }
}
