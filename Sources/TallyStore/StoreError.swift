internal import CSQLite

/// A failure reported by SQLite, with what a person needs to find it.
///
/// Carries the extended result code, SQLite's message and the SQL that failed — never the bound
/// values, so data cannot leak into logs.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE` is 2067, and so on).
    public var extendedCode: Int32
    /// SQLite's message, or ours for errors Tally raises about the store itself.
    public var message: String
    /// The statement that failed, when there was one.
    public var sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended one).
    public var primaryCode: Int32 { extendedCode & 0xFF }

    /// SQLite's name for the code, such as `SQLITE_CONSTRAINT_UNIQUE`.
    public var codeName: String {
        if let name = sqlite3_errstr(extendedCode) { return String(cString: name) }
        return "code \(extendedCode)"
    }

    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    public var isReadOnly: Bool { primaryCode == SQLITE_READONLY }
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL }

    /// Whether the failure comes from the store's surroundings (disk, files, other processes),
    /// not from the statement: then its SQL says nothing a person can act on.
    public var isEnvironmental: Bool {
        [SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_BUSY, SQLITE_LOCKED,
         SQLITE_NOMEM, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_PERM].contains(primaryCode)
    }

    public var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT }
    /// The file is not a SQLite database at all.
    public var isNotADatabase: Bool { primaryCode == SQLITE_NOTADB }

    /// The message, SQLite's name for the code, and the statement when it helps: a failure of the
    /// disk or the files is told without the SQL it interrupted, and a long statement is cut.
    public var description: String {
        var text = "SQLite error \(extendedCode) (\(codeName)): \(message)"
        if isEnvironmental { text = message == codeName ? message : "\(message) (\(codeName))" }
        if let sql, !isEnvironmental {
            let shown = sql.count > 200 ? String(sql.prefix(160)) + " …" : sql
            text += " — while executing `\(shown)`"
        }
        return text
    }

    /// A statement run with fewer or more values than it has parameters: GRDB's "wrong number of
    /// statement arguments", never a parameter left NULL.
    static func unboundParameters(bound: Int32, expected: Int32, sql: String) -> StoreError {
        StoreError(extendedCode: SQLITE_MISUSE, message: "wrong number of statement arguments: \(bound) bound, the statement has \(expected) parameter(s)", sql: sql)
    }

    /// An error Tally raises about the store (not from SQLite), e.g. a schema too new.
    public static func misuse(_ message: String) -> StoreError {
        StoreError(extendedCode: SQLITE_MISUSE, message: message)
    }
}
