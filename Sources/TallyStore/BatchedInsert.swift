/// An `INSERT` of many rows, written several at a time: rows are held (their values packed, see
/// ``PackedParameters``) until ``rowsPerStatement`` wait or ``flush()`` is called, then written by
/// one statement of that many `VALUES` rows, which opens the table's and indexes' cursors once
/// for them all instead of once a row. Rows are written in the order they were added.
///
/// A caller that holds rows must flush before anything reads the table, and before its
/// transaction ends: a held row is not in the store.
///
/// Inside a transaction, SQLite keeps a statement journal (a copy of every page the statement
/// changes, in a temporary file once it outgrows 64 KiB) for a statement of several rows that
/// might fail after writing some: with the default `ABORT` conflict resolution, with an upsert,
/// or with foreign-key checks on. A run that fails whole on any error needs none of it, so its
/// batches are `INSERT OR FAIL` (earlier rows kept on a failure), with no upsert, while foreign
/// keys are off.
public final class BatchedInsert {
    /// SQLite binds 32,766 values at most in one statement.
    public static let rowsPerStatement = 16
    private let connection: Connection
    private let head: String
    private let row: String
    private let columns: Int
    /// The statements by their number of rows, prepared on first use.
    private var statements: [Int: HeldStatement] = [:]
    /// The values of the rows held, ``columns`` a row.
    private var held = PackedParameters()
    private var heldRows: Int { held.count / columns }

    /// `head` is the statement before its values (`INSERT OR FAIL INTO table (a, b)`).
    public init(_ head: String, columns: Int, on connection: Connection) {
        precondition(columns > 0 && columns * Self.rowsPerStatement <= 32_766, "an INSERT binds 1 to 32,766 values")
        self.connection = connection
        self.head = head
        self.columns = columns
        self.row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
    }

    /// Whether rows are waiting to be written.
    public var isHolding: Bool { heldRows > 0 }

    /// Adds a row (`pack` appends its values, one a column) and writes the rows held when there
    /// are ``rowsPerStatement`` of them, or at once unless `holding`.
    public func add(holding: Bool, _ pack: (inout PackedParameters) -> Void) throws(StoreError) {
        let before = held.count
        pack(&held)
        precondition(held.count - before == columns, "a row of \(head) binds \(columns) values, not \(held.count - before)")
        if !holding || heldRows == Self.rowsPerStatement { try flush() }
    }

    /// Writes the rows held, if any.
    public func flush() throws(StoreError) {
        guard heldRows > 0 else { return }
        let rows = heldRows
        let values = held
        held = PackedParameters(capacity: values.byteCount)
        let statement = statements[rows] ?? {
            let sql = head + " VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
            let made = HeldStatement(sql, on: connection)
            statements[rows] = made
            return made
        }()
        try statement.run { (parameters: inout Parameters) throws(StoreError) in try parameters.append(contentsOf: values) }
    }
}
