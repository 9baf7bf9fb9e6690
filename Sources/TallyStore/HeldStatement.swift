/// A statement a row loop runs once a row, prepared on first use and kept: going through
/// ``Connection/run(_:_:)`` would look its SQL up in the statement cache every time (hashing a
/// long INSERT once a row). Dropped after a failure, so the next run prepares it afresh.
public final class HeldStatement {
    public let sql: String
    private let connection: Connection
    private var statement: Statement?

    public init(_ sql: String, on connection: Connection) {
        self.sql = sql
        self.connection = connection
    }

    /// Runs the statement with `values` bound.
    public func run(_ values: [SQLValue]) throws(StoreError) {
        try run { (parameters: inout Parameters) throws(StoreError) in
            for value in values { try parameters.append(value) }
        }
    }

    /// Runs the statement with the parameters `bind` appends, in order (all of them, else `SQLITE_MISUSE`):
    /// a row loop binds its values from where it keeps them, with no array of ``SQLValue``.
    public func run(_ bind: (inout Parameters) throws(StoreError) -> Void) throws(StoreError) {
        let statement: Statement
        if let held = self.statement {
            statement = held
        } else {
            statement = try connection.prepare(sql)
            self.statement = statement
        }
        do {
            try statement.execute(bind)
        } catch {
            self.statement = nil
            statement.reset()
            throw error
        }
    }
}
