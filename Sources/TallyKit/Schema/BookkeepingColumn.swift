/// A column Tally keeps in an entity's table beside the record's fields, declared once: the
/// table, the writer's statements and the reads back name these, never a position of their own.
package enum BookkeepingColumn: String, CaseIterable, Sendable {
    /// Source columns the map does not know: a JSON object.
    case extra = "_extra"
    /// The hash of the field values, for change detection.
    case hash = "_hash"
    /// The hash of the input row that last wrote the record (NULL after any other write).
    case inputHash = "_input_hash"
    /// The source that last wrote the record.
    case source = "_source"
    case createdRun = "_created_run"
    case updatedRun = "_updated_run"
    /// Set when a snapshot or a delete retired the record.
    case retiredInRun = "retired_in_run"
    /// When the platform deleted the record (`sys_audit_delete.sys_created_on`, canonical UTC),
    /// set by `tally import --deletes`: the record is kept, and extracts and reports leave it out.
    case deletedAt = "_deleted_at"

    package var name: String { rawValue }

    /// The SQL declaration.
    package var declaration: String {
        switch self {
        case .extra, .source, .deletedAt: "TEXT"
        case .hash, .inputHash, .createdRun, .updatedRun, .retiredInRun: "INTEGER"
        }
    }

    /// What an insert sets, in binding order.
    static let inserted: [Self] = [.extra, .hash, .inputHash, .source, .createdRun, .updatedRun]
    /// What an update from an input row sets, in binding order.
    static let updated: [Self] = [.extra, .hash, .inputHash, .source, .updatedRun]
    /// What a stored record is read with, after its fields (see `StoredRecord`).
    static let stored: [Self] = [.extra, .hash, .source, .createdRun, .updatedRun, .retiredInRun, .deletedAt]
    /// What identification reads of a matching record, after its `_id`.
    static let matched: [Self] = [.inputHash, .createdRun, .updatedRun, .retiredInRun]
}

extension [BookkeepingColumn] {
    /// The names, comma-separated, for a column list.
    var list: String { map(\.name).joined(separator: ", ") }

    /// The position of `column` in a row that has these columns from position `first` on.
    func position(of column: BookkeepingColumn, from first: Int) -> Int32 {
        guard let offset = firstIndex(of: column) else { preconditionFailure("\(column.name) is not read here") }
        return Int32(first + offset)
    }
}
