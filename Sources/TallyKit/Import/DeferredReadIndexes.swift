import TallyStore

/// An import into an empty table leaves out the indexes only reads use (each reference to a CI,
/// for the CMDB reports) while it writes its rows, and builds them once at the end, in the same
/// transaction: one sorted pass instead of an insert in random key order for every row (a first
/// import of 1M incidents spent about a sixth of its CPU on the `cmdb_ci` index).
struct DeferredReadIndexes {
    private let connection: Connection
    private let indexes: [EntityTable.Index]

    /// Drops `table`'s read indexes when the table holds no rows; leaves them be otherwise.
    init(_ table: EntityTable, connection: Connection) throws {
        self.connection = connection
        guard !table.readIndexes.isEmpty, try !connection.holdsRows(table.name) else {
            indexes = []
            return
        }
        indexes = table.readIndexes
        for index in indexes { try connection.execute("DROP INDEX IF EXISTS \(index.name)") }
    }

    /// Whether any index waits to be built.
    var isEmpty: Bool { indexes.isEmpty }

    /// Builds the indexes ``init(_:connection:)`` dropped.
    func rebuild() throws {
        for index in indexes { try connection.execute(index.sql) }
    }
}
