import Foundation
import TallyStore
import TallyFormats

/// Every version of an entity's records (SCD type 2), worked out from the audit the store keeps:
/// for `tally extract ENTITY --history`, `--as-of TIME` and `tally explain`.
///
/// A record's audit rows are walked back from its current values (``AuditRewind``) to learn what
/// each insert held, then forward over the runs that stand (``RunStanding``): each run that changed
/// the record opens a version. A version is valid from its `sys_updated_on` to the next one's; a
/// retirement is a version of its own, closed where it opens (the record is absent until it comes
/// back, when a `restored` version opens), at the retiring run's start as source time (when the
/// export that no longer held the record was read), kept between the versions around it.
package struct VersionHistory {
    package enum Change: String, Sendable { case inserted, updated, retired, restored }

    /// One version of one record.
    package struct Version: Sendable, Equatable {
        package var record: Int64
        /// The entity's fields' canonical values, by field index.
        package var values: [String?]
        package var run: Int64
        package var source: String?
        package var change: Change
        /// The fields this version's run changed (every field for an insert).
        package var changedFields: [Int]
        /// The input rows (``AuditTrail/inputRow(position:record:)``) of the audit rows that made it.
        package var inputRow: Int64?
        package var validFrom: String
        package var validTo: String?
        package var isCurrent: Bool
        /// The run whose version closed this one (nil while it is current).
        package var closedByRun: Int64?
        /// For a retirement by `tally import --deletes`: when the platform deleted the record; for
        /// the restore of a deleted record: the delete it undid (`_deleted_at`'s old value).
        package var deletedAt: String? = nil
    }

    /// The columns `--history` adds after the fields.
    package static let extraColumns: [(name: String, type: ReportColumnType)] = [
        ("valid_from", .text), ("valid_to", .text), ("is_current", .boolean), ("run", .integer), ("source", .text), ("change", .text),
    ]

    let entity: EntityDefinition
    let connection: Connection
    let standing: RunStanding
    private let updatedIndex: Int?
    /// The fields' types, read per cell (a `FieldDefinition` copied per cell cost retains and releases).
    private let types: [FieldType]
    private let timeParser = try? DateTimeParser()

    package init(entity: EntityDefinition, connection: Connection, standing: RunStanding) {
        self.entity = entity
        self.connection = connection
        self.standing = standing
        updatedIndex = entity.index(ofField: entity.updatedField)
        types = entity.fields.map(\.type)
    }

    /// An audit row of a record.
    struct Row {
        var id: Int64
        var run: Int64
        var field: String
        var old: String?
        var new: String?
        var source: String?
        var inputRow: Int64?
    }

    /// A record as stored now: its values and whether it is retired.
    struct Current {
        var values: [String?]
        var retired: Bool
    }

    private var auditSQL: String { "SELECT record, id, run, field, old, new, source, input_row FROM audit WHERE entity = ?1" }

    /// The versions of one record, oldest first.
    package func versions(of record: Int64) throws -> [Version] {
        let table = EntityTable(entity).name
        var current: Current?
        try connection.forEachRow("SELECT \(fieldList), retired_in_run FROM \(table) WHERE _id = ?", [.integer(record)]) { row in
            current = Current(values: read(row), retired: !row.isNull(Int32(entity.fields.count)))
        }
        var rows: [Row] = []
        try connection.forEachRow(auditSQL + " AND record = ?2 ORDER BY id", [.text(entity.name), .integer(record)]) { rows.append(Self.row($0)) }
        return versions(record: record, current: current, rows: rows)
    }

    /// Calls `body` with the versions of each record (oldest first), records in store-key order:
    /// the table and the audit are read side by side, one record in memory at a time.
    package func forEachRecord(_ body: (Int64, [Version]) throws -> Void) throws {
        let records = try connection.uncachedStatement("SELECT _id, \(fieldList), retired_in_run FROM \(EntityTable(entity).name) ORDER BY _id")
        try records.bind([])
        let audit = try connection.uncachedStatement(auditSQL + " ORDER BY record, id")
        try audit.bind([.text(entity.name)])
        var record: (id: Int64, current: Current)? = try step(records)
        var row: (record: Int64, row: Row)? = try audit.step() ? (audit.int64(0), Self.row(audit)) : nil
        while record != nil || row != nil {
            let id = min(record?.id ?? Int64.max, row?.record ?? Int64.max)
            var rows: [Row] = []
            while let next = row, next.record == id {
                rows.append(next.row)
                row = try audit.step() ? (audit.int64(0), Self.row(audit)) : nil
            }
            var current: Current?
            if let here = record, here.id == id {
                current = here.current
                record = try step(records)
            }
            let versions = versions(record: id, current: current, rows: rows)
            if !versions.isEmpty { try body(id, versions) }
        }
    }

    private func step(_ statement: Statement) throws -> (id: Int64, current: Current)? {
        guard try statement.step() else { return nil }
        var values: [String?] = []
        values.reserveCapacity(types.count)
        for (index, type) in types.enumerated() {
            values.append(FieldValue(stored: statement.value(Int32(index + 1)), type: type).canonicalText)
        }
        return (statement.int64(0), Current(values: values, retired: !statement.isNull(Int32(types.count + 1))))
    }

    private var fieldList: String { entity.fields.map { EntityTable.quoted($0.name) }.joined(separator: ", ") }

    private func read(_ statement: Statement) -> [String?] {
        types.enumerated().map { FieldValue(stored: statement.value(Int32($0.offset)), type: $0.element).canonicalText }
    }

    private static func row(_ statement: Statement) -> Row {
        Row(id: statement.int64(1), run: statement.int64(2), field: statement.text(3) ?? "", old: statement.text(4), new: statement.text(5),
            source: statement.text(6), inputRow: statement.isNull(7) ? nil : statement.int64(7))
    }

    /// The versions of record `id` from its current state and its audit rows (oldest first).
    func versions(record id: Int64, current: Current?, rows: [Row]) -> [Version] {
        guard !rows.isEmpty else {
            // No audit (pruned with --force): the record as it is, one version.
            guard let current, !current.retired, standing.asOfRun == nil else { return [] }
            return [Version(record: id, values: current.values, run: 0, source: nil, change: .inserted, changedFields: Array(entity.fields.indices),
                            inputRow: nil, validFrom: validFrom(current.values), validTo: nil, isCurrent: true, closedByRun: nil)]
        }
        // What each insert held: the current values with every later row undone.
        var inserted: [Int64: [String?]] = [:]
        if rows.count > 1 || current == nil {
            var rewind = AuditRewind(entity: entity, values: current?.values)
            for row in rows.reversed() {
                if row.field == AuditTrail.insertField, let values = rewind.values { inserted[row.id] = values }
                _ = rewind.undo(AuditRewind.Row(id: row.id, run: row.run, key: nil, field: row.field, old: row.old, new: row.new))
            }
        } else if let current {
            inserted[rows[0].id] = current.values
        }
        // Forward over the runs that stand, one version per run that changed the record.
        var versions: [Version] = []
        var state: [String?]?
        var retired = false
        var index = 0
        while index < rows.count {
            let run = rows[index].run
            var end = index
            while end < rows.count && rows[end].run == run { end += 1 }
            defer { index = end }
            guard rows[index].id <= standing.auditLimit, standing.stands(run) else { continue }
            var change: Change?
            var changed: [Int] = []
            var inputRow: Int64?
            var deletedAt: String?
            for row in rows[index..<end] {
                inputRow = inputRow ?? row.inputRow
                switch row.field {
                case AuditTrail.insertField:
                    state = inserted[row.id]
                    retired = false
                    change = .inserted
                    changed = Array(entity.fields.indices)
                case AuditTrail.removeField, "_extra":
                    continue
                case BookkeepingColumn.deletedAt.name:
                    deletedAt = row.new ?? row.old
                case BookkeepingColumn.retiredInRun.name:
                    guard state != nil else { continue }
                    retired = row.new != nil
                    if change != .inserted { change = retired ? .retired : .restored }
                default:
                    guard state != nil, let field = entity.index(ofField: row.field) else { continue }
                    state![field] = row.new
                    if !changed.contains(field) { changed.append(field) }
                    if change == nil { change = .updated }
                }
            }
            // An import writing to a retired record brings it back (the update clears retired_in_run unaudited).
            if change == .updated && retired {
                change = .restored
                retired = false
            }
            guard let values = state, let change else { continue }
            versions.append(Version(record: id, values: values, run: run, source: rows[index].source, change: change, changedFields: changed,
                                    inputRow: inputRow, validFrom: "", validTo: nil, isCurrent: false, closedByRun: nil, deletedAt: deletedAt))
        }
        // Validity: from each version's sys_updated_on to the next one's. A retirement's source time
        // is its run's start (a delete's: when the platform deleted the record), kept between the version it closes and the one that brings the record
        // back, so validity never runs backwards.
        for index in versions.indices where versions[index].change != .retired {
            versions[index].validFrom = validFrom(versions[index].values)
        }
        for index in versions.indices where versions[index].change == .retired {
            var at = versions[index].deletedAt ?? runTime(versions[index].run)
            if index + 1 < versions.count { at = min(at, versions[index + 1].validFrom) }
            if index > 0 { at = max(at, versions[index - 1].validFrom) }
            versions[index].validFrom = at
        }
        for index in versions.indices.dropFirst() {
            let previous = versions[index - 1]
            versions[index - 1].validTo = previous.change == .retired ? previous.validFrom : versions[index].validFrom
            versions[index - 1].closedByRun = previous.change == .retired ? previous.run : versions[index].run
        }
        if let last = versions.indices.last {
            if versions[last].change == .retired {
                (versions[last].validTo, versions[last].closedByRun) = (versions[last].validFrom, versions[last].run)
            } else {
                versions[last].isCurrent = true
            }
        }
        return versions
    }

    private func validFrom(_ values: [String?]) -> String {
        updatedIndex.flatMap { values[$0] } ?? ""
    }

    /// A run's start as canonical datetime text: the source time of what it alone decides (retirements).
    private func runTime(_ run: Int64) -> String {
        guard let started = standing.runs[run]?.startedAt else { return "" }
        if case .success(let text) = timeParser?.parse(started) { return text }
        return started
    }

    /// The version valid at source time `time`: the newest with `validFrom ≤ time < validTo`; nil
    /// when the record did not exist then (not yet created, or retired).
    package static func version(in versions: [Version], at time: String) -> Version? {
        versions.last { $0.change != .retired && $0.validFrom <= time && ($0.validTo.map { time < $0 } ?? true) }
    }

    /// A `--history` row: the fields, then ``extraColumns``.
    package static func row(_ version: Version) -> [String?] {
        version.values + [version.validFrom, version.validTo, version.isCurrent ? "true" : "false", String(version.run), version.source,
                          version.change.rawValue]
    }
}
