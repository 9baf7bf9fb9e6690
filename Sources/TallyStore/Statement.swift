internal import CSQLite
import Foundation

/// SQLite's `SQLITE_TRANSIENT`: a C macro Swift cannot import. Tells SQLite to copy bound bytes.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. Prepared once, reused many times, finalized when released.
///
/// Obtain one from ``Connection/prepare(_:)`` (cached by SQL). Bind with ``bind(_:)`` or the
/// typed `bind(_:at:)`, then ``step()`` through rows and read columns by index.
public final class Statement {
    let handle: OpaquePointer
    /// The SQL text, for errors.
    public let sql: String
    private unowned let connection: Connection
    /// The bytes of the text and blob values bound since the last reset. Unchecked: only the
    /// statement's own binding (one thread, one ``Parameters`` at a time) touches it, and the
    /// dynamic exclusivity check cost more than the copy it guards.
    @exclusivity(unchecked) var boundBytes = BoundBytes()

    init(connection: Connection, sql: String, persistent: Bool) throws(StoreError) {
        self.connection = connection
        self.sql = sql
        var handle: OpaquePointer?
        let flags: UInt32 = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &handle, nil)
        guard code == SQLITE_OK, let handle else {
            throw connection.error(code: code, sql: sql)
        }
        self.handle = handle
    }

    deinit {
        sqlite3_finalize(handle)
        boundBytes.deallocate()
    }

    /// Clears the previous bindings and result state.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        boundBytes.reset()
    }

    /// Binds `values` to parameters 1…n after a reset; throws `SQLITE_MISUSE` unless there is
    /// exactly one value a parameter.
    @discardableResult
    public func bind(_ values: [SQLValue]) throws(StoreError) -> Statement {
        reset()
        let expected = parameterCount
        guard values.count == expected else { throw .unboundParameters(bound: Int32(values.count), expected: expected, sql: sql) }
        var parameters = Parameters(self)
        for value in values { try parameters.append(value) }
        return self
    }

    /// How many parameters the statement has.
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    /// The error of a failed call on this statement, with its SQL.
    func error(code: Int32) -> StoreError {
        connection.error(code: code, sql: sql)
    }

    /// Binds one value to the 1-based parameter `index`. A lookup binds each of its parameters this
    /// way after a ``reset()``; one it skips stays NULL, so prefer ``bind(_:)``, which checks the count.
    public func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        let code: Int32
        switch value {
        case .null: code = sqlite3_bind_null(handle, index)
        case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
        case .real(let number): code = sqlite3_bind_double(handle, index, number)
        case .text(let text): code = bindText(text, at: index)
        case .blob(let bytes):
            code = bytes.withUnsafeBytes { raw in
                sqlite3_bind_blob64(handle, index, raw.baseAddress, sqlite3_uint64(raw.count), sqliteTransient)
            }
        }
        guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
    }

    private func bindText(_ text: String, at index: Int32) -> Int32 {
        if text.isEmpty { return sqlite3_bind_text(handle, index, "", 0, sqliteTransient) }
        var text = text
        return text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text64(handle, index, chars.baseAddress, sqlite3_uint64(chars.count),
                                    sqliteTransient, UInt8(SQLITE_UTF8))
            }
        }
    }

    /// Advances to the next row: `true` when a row is ready, `false` when done.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(handle)
            throw connection.error(code: code, sql: sql)
        }
    }

    /// Runs the statement to completion with `values` bound.
    public func execute(_ values: [SQLValue] = []) throws(StoreError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Runs the statement to completion with the parameters `bind` appends, which must be all of
    /// them (else `SQLITE_MISUSE`, and the statement does not run). Binds every parameter afresh
    /// instead of clearing them first.
    public func execute(_ bind: (inout Parameters) throws(StoreError) -> Void) throws(StoreError) {
        sqlite3_reset(handle)
        boundBytes.reset()
        var parameters = Parameters(self)
        try bind(&parameters)
        let expected = parameterCount
        guard parameters.count == expected else { throw .unboundParameters(bound: parameters.count, expected: expected, sql: sql) }
        while try step() {}
        sqlite3_reset(handle)
    }

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func columnName(_ index: Int32) -> String {
        String(cString: sqlite3_column_name(handle, index))
    }

    public func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    public func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    public func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// How SQLite holds a column's value in the current row.
    public enum StorageClass: Sendable { case null, integer, real, text, blob }

    public func storageClass(_ index: Int32) -> StorageClass {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_BLOB: .blob
        default: .text
        }
    }

    /// Calls `body` with the column's text bytes as SQLite holds them (valid until the next step):
    /// for a writer that copies them out, with no `String` made.
    public func withTextBytes<R>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_text(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    /// The column as text, or `nil` when it is NULL.
    public func text(_ index: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The column as a typed value.
    public func value(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default: return .text(text(index) ?? "")
        }
    }

    /// Whether column `index` of the current row is `value` (as ``value(_:)`` would compare), read
    /// in place: no `String` or array is made for a text or blob column.
    public func column(_ index: Int32, is value: SQLValue) -> Bool {
        let type = sqlite3_column_type(handle, index)
        switch value {
        case .null: return type == SQLITE_NULL
        case .integer(let number): return type == SQLITE_INTEGER && sqlite3_column_int64(handle, index) == number
        case .real(let number): return type == SQLITE_FLOAT && sqlite3_column_double(handle, index) == number
        case .text(var text):
            guard type == SQLITE_TEXT else { return false }
            let pointer = sqlite3_column_text(handle, index)
            let count = Int(sqlite3_column_bytes(handle, index))
            return text.withUTF8 { utf8 in
                utf8.count == count && (count == 0 || memcmp(utf8.baseAddress!, pointer!, count) == 0)
            }
        case .blob(let bytes):
            guard type == SQLITE_BLOB else { return false }
            let count = Int(sqlite3_column_bytes(handle, index))
            guard bytes.count == count else { return false }
            guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return count == 0 }
            return bytes.withUnsafeBytes { memcmp($0.baseAddress!, pointer, count) == 0 }
        }
    }

    /// Every column of the current row.
    public func row() -> [SQLValue] { (0..<columnCount).map(value) }
}
