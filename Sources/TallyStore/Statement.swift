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
    /// The bytes of the text and blob values ``bind(_:)`` bound last, bound without a copy
    /// (`SQLITE_STATIC`): SQLite would otherwise allocate, copy and free each one. Kept until the
    /// next ``bind(_:)`` (which resets first) or the statement's end, so every row the statement
    /// steps through can still read them.
    private var boundBytes = UnsafeMutableRawBufferPointer(start: nil, count: 0)

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
    }

    /// Binds `values` to parameters 1…n after a reset. Text and blobs are first copied into one
    /// buffer the statement keeps (``boundBytes``), and bound from there.
    @discardableResult
    public func bind(_ values: [SQLValue]) throws(StoreError) -> Statement {
        reset()
        var needed = 0
        for value in values {
            switch value {
            case .text(let text): needed += text.utf8.count
            case .blob(let bytes): needed += bytes.count
            default: break
            }
        }
        if needed > boundBytes.count || boundBytes.baseAddress == nil {  // reset unbound the old bytes
            boundBytes.deallocate()
            boundBytes = .allocate(byteCount: max(needed, 2 * boundBytes.count, 256), alignment: 8)
        }
        var offset = 0
        for (position, value) in values.enumerated() {
            let index = Int32(position + 1)
            let code: Int32
            switch value {
            case .text(let text):
                var text = text  // withUTF8 makes a bridged string native first; ours already are
                let (start, count) = text.withUTF8 { keep(UnsafeRawBufferPointer($0), at: &offset) }
                code = sqlite3_bind_text64(handle, index, start.assumingMemoryBound(to: CChar.self),
                                           sqlite3_uint64(count), nil, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                let (start, count) = bytes.withUnsafeBytes { keep($0, at: &offset) }
                code = sqlite3_bind_blob64(handle, index, start, sqlite3_uint64(count), nil)
            default:
                try bind(value, at: index)
                continue
            }
            guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
        }
        return self
    }

    /// Copies `bytes` into ``boundBytes`` at `offset` (moved past them): where they start and how
    /// many. An empty value gets a non-null pointer too: SQLite reads a null one as NULL.
    private func keep(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> (UnsafeMutableRawPointer, Int) {
        let start = boundBytes.baseAddress! + offset
        if let source = bytes.baseAddress, bytes.count > 0 { start.copyMemory(from: source, byteCount: bytes.count) }
        offset += bytes.count
        return (start, bytes.count)
    }

    /// Binds one value to the 1-based parameter `index`.
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

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func columnName(_ index: Int32) -> String {
        String(cString: sqlite3_column_name(handle, index))
    }

    public func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    public func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    public func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

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
