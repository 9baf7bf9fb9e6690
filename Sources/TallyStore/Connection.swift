internal import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection to one SQLite store file.
///
/// Opens in WAL mode with `synchronous=NORMAL`, foreign keys on, extended result codes and a
/// busy timeout. Statements prepared through ``prepare(_:)`` are cached by SQL for the life of
/// the connection. Not thread-safe: use one connection per thread.
public final class Connection {
    let handle: OpaquePointer
    /// The file this connection opened.
    public let path: String
    /// Whether the connection was opened read-only (``Options/readOnly``).
    public let isReadOnly: Bool
    private var cache: [String: Statement] = [:]
    /// How long this connection waits for another's lock (``Options/busyTimeoutMilliseconds``).
    let busyTimeoutMilliseconds: Int32

    /// How a connection opens its file.
    public struct Options: Sendable {
        public var readOnly = false
        /// Create the file when missing (ignored when read-only).
        public var create = true
        /// How long to wait for another connection's lock before `SQLITE_BUSY`.
        public var busyTimeoutMilliseconds: Int32 = 5_000
        /// `cache_size` in KiB (negative pragma value); a large cache speeds up bulk imports.
        public var cacheKiB: Int = 16 * 1024

        public init(readOnly: Bool = false, create: Bool = true, busyTimeoutMilliseconds: Int32 = 5_000, cacheKiB: Int = 16 * 1024) {
            self.readOnly = readOnly
            self.create = create
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.cacheKiB = cacheKiB
        }
    }

    /// Configures the library once, before the first connection initialises it: no memory
    /// statistics (they take a global mutex on every allocation SQLite makes).
    private static let libraryConfigured: Bool = {
        _ = tally_sqlite3_disable_memstatus()  // SQLITE_MISUSE if already initialised: harmless
        return true
    }()

    /// Opens (or creates) the store at `path`. `:memory:` opens a private in-memory store.
    public init(path: String, options: Options = Options()) throws(StoreError) {
        _ = Self.libraryConfigured
        self.path = path
        isReadOnly = options.readOnly
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if options.create && !options.readOnly { flags |= SQLITE_OPEN_CREATE }
        var handle = try Self.openHandle(path, flags: flags)
        if options.readOnly && path != ":memory:" && Self.cannotOpenShm(handle) {
            // A WAL store in a read-only folder: SQLite cannot create PATH-shm to read it. With no
            // PATH-wal beside it, nothing can be writing it (a writer needs that file), so it is
            // read as an immutable file.
            sqlite3_close_v2(handle)
            var info = stat()
            guard stat(path + "-wal", &info) != 0 || info.st_size == 0 else {
                throw StoreError(extendedCode: SQLITE_CANTOPEN, message: "the store at \(path) cannot be read here: its folder is read-only "
                    + "and \(path)-wal holds changes not yet in the store; open it once where it can be written, or copy both files to a writable folder")
            }
            handle = try Self.openHandle(Self.immutableURI(path), flags: flags | SQLITE_OPEN_URI, shownAs: path)
        }
        self.handle = handle
        busyTimeoutMilliseconds = options.busyTimeoutMilliseconds
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, options.busyTimeoutMilliseconds)
        do throws(StoreError) {
            if !options.readOnly && path != ":memory:" {
                // SQLite silently falls back to read-only when the file cannot be written, and
                // WAL needs PATH-wal and PATH-shm beside it: say so plainly instead of failing
                // later with "unable to open database file".
                if sqlite3_db_readonly(handle, "main") == 1 {
                    throw StoreError(extendedCode: SQLITE_READONLY, message: Self.readOnlyMessage(path))
                }
                do throws(StoreError) {
                    try execute("PRAGMA journal_mode=WAL")
                } catch {
                    if error.isBusy {
                        // Only a writer under the rollback journal holds the store against this switch:
                        // the first import into an empty store.
                        throw StoreError(extendedCode: error.extendedCode, message: "the store at \(path) is held whole by another process's initial load (the first import into an empty store) until that run ends", sql: error.sql)
                    }
                    guard error.primaryCode == SQLITE_CANTOPEN || error.primaryCode == SQLITE_READONLY else { throw error }
                    if let limit = Self.outOfDescriptors(sqlite3_system_errno(handle)) {
                        throw StoreError(extendedCode: error.extendedCode, message: "cannot open \(path)-wal beside the store: \(limit)")
                    }
                    throw StoreError(extendedCode: SQLITE_READONLY, message: Self.readOnlyMessage(path))
                }
            }
            try setPragma(.synchronous, to: .normal)
            try setPragma(.foreignKeys, to: true)
            try setPragma(.cacheSize, to: .kibibytes(max(options.cacheKiB, 64)))
        } catch {
            cache.removeAll()
            sqlite3_close_v2(handle)
            throw error
        }
    }

    /// Opens a handle, or throws saying why in words (a missing folder, too many open files).
    private static func openHandle(_ name: String, flags: Int32, shownAs path: String? = nil) throws(StoreError) -> OpaquePointer {
        let path = path ?? name
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(name, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            let systemCode = handle.map { sqlite3_system_errno($0) } ?? 0
            if let handle { sqlite3_close_v2(handle) }
            if let limit = outOfDescriptors(systemCode) {
                throw StoreError(extendedCode: code, message: "cannot open the store at \(path): \(limit)")
            }
            let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            var info = stat()
            if !folder.isEmpty && (stat(folder, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR) {
                throw StoreError(extendedCode: code, message: "cannot open the store at \(path): the folder \(folder) does not exist")
            }
            throw StoreError(extendedCode: code, message: "cannot open the store at \(path): \(message)")
        }
        return handle
    }

    /// Whether a read-only handle cannot read its WAL store because PATH-shm cannot be created.
    private static func cannotOpenShm(_ handle: OpaquePointer) -> Bool {
        sqlite3_exec(handle, "SELECT count(*) FROM sqlite_master", nil, nil, nil) != SQLITE_OK
            && sqlite3_extended_errcode(handle) & 0xFF == SQLITE_CANTOPEN
    }

    /// `file:PATH?immutable=1`, with the characters a URI reserves escaped.
    private static func immutableURI(_ path: String) -> String {
        var escaped = ""
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte < 0x21 || byte >= 0x7F {
                escaped += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            } else {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return "file:" + escaped + "?immutable=1"
    }

    /// A sentence for EMFILE/ENFILE (the process or the system ran out of file descriptors), else nil.
    static func outOfDescriptors(_ code: Int32) -> String? {
        guard code == EMFILE || code == ENFILE else { return nil }
        var limit = rlimit()
        let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? " (ulimit -n is \(limit.rlim_cur))" : ""
        return code == EMFILE
            ? "too many open files: this process may open no more files\(soft); raise the limit with ulimit -n"
            : "too many open files on this system; close some programs or raise the system's limit"
    }

    static func readOnlyMessage(_ path: String) -> String {
        "the store at \(path) cannot be written: the file or its folder is read-only (a store needs to write the file and create \(path)-wal and \(path)-shm beside it)"
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(code: Int32, sql: String?) -> StoreError {
        let extended = sqlite3_extended_errcode(handle)
        var message = String(cString: sqlite3_errmsg(handle))
        let primary = (extended != 0 ? extended : code) & 0xFF
        if primary == SQLITE_FULL { message = Self.diskFullMessage(path) }
        else if let limit = Self.outOfDescriptors(sqlite3_system_errno(handle)) { message = limit }
        return StoreError(extendedCode: extended != 0 ? extended : code, message: message, sql: sql)
    }

    /// "the disk is full writing PATH (3 MB free); free space there and run again".
    public static func diskFullMessage(_ path: String) -> String {
        // The free space of the file system the path is on: of its nearest folder that exists.
        var info = statvfs()
        var folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        while statvfs(folder.isEmpty ? "/" : folder, &info) != 0, let slash = folder.lastIndex(of: "/") {
            folder = String(folder[..<slash])
        }
        let free = statvfs(folder.isEmpty ? "/" : folder, &info) == 0
            ? " (\(UInt64(info.f_bavail) * UInt64(info.f_frsize) / 1_048_576) MB free when it failed)" : ""
        return "the disk is full writing \(path)\(free); free space on that file system and run again"
    }


    /// Runs one or more statements with no parameters (schema scripts). A statement with a
    /// parameter is refused (`SQLITE_MISUSE`) before it runs: nothing is ever bound as a silent NULL.
    public func execute(_ sql: String) throws(StoreError) {
        let failure: StoreError? = Array(sql.utf8CString).withUnsafeBufferPointer { text in
            var next = text.baseAddress
            while let start = next, start.pointee != 0 {
                var statement: OpaquePointer?
                let code = sqlite3_prepare_v3(handle, start, -1, 0, &statement, &next)
                guard code == SQLITE_OK else { return error(code: code, sql: sql) }
                guard let statement else { continue }  // only blanks or a comment were left
                defer { sqlite3_finalize(statement) }
                let parameters = sqlite3_bind_parameter_count(statement)
                guard parameters == 0 else { return .unboundParameters(bound: 0, expected: parameters, sql: sql) }
                var step: Int32
                repeat { step = sqlite3_step(statement) } while step == SQLITE_ROW
                guard step == SQLITE_DONE else { return error(code: step, sql: sql) }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// The cached prepared statement for `sql`, prepared with `SQLITE_PREPARE_PERSISTENT` on first use.
    public func prepare(_ sql: String) throws(StoreError) -> Statement {
        if let statement = cache[sql] {
            statement.reset()
            return statement
        }
        let statement = try Statement(connection: self, sql: sql, persistent: true)
        cache[sql] = statement
        return statement
    }

    /// The SQL of every statement cached by ``prepare(_:)`` so far: what a test runs
    /// `EXPLAIN QUERY PLAN` on after exercising a command.
    public var cachedSQL: [String] { cache.keys.sorted() }

    /// A statement of its own for `sql`, not the cached one: for a query that stays open while the
    /// caller runs others (which may use the cache freely, the same SQL included).
    public func uncachedStatement(_ sql: String) throws(StoreError) -> Statement {
        try Statement(connection: self, sql: sql, persistent: false)
    }

    /// Runs `sql` with `values` bound; a statement that fails is dropped from the cache.
    public func run(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) {
        let statement = try prepare(sql)
        do {
            try statement.execute(values)
        } catch {
            cache[sql] = nil
            throw error
        }
    }

    /// Every row `sql` returns, with `values` bound.
    public func rows(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> [[SQLValue]] {
        var result: [[SQLValue]] = []
        try forEachRow(sql, values) { result.append($0.row()) }
        return result
    }

    /// Calls `body` with each row of `sql`, read a page of `pageSize` rows at a time: memory stays
    /// bounded whatever the row count, and `body` may write the tables being read (each page is
    /// read whole before `body` sees it). `sql` pages by an increasing integer key, which is its
    /// first column, and ends with `… AND key > ? ORDER BY key LIMIT ?`: this binds `values`, then
    /// the last key seen (first the smallest `Int64`), then `pageSize`.
    public func forEachPage(
        _ sql: String, _ values: [SQLValue] = [], pageSize: Int = 1_000, _ body: ([SQLValue]) throws -> Void
    ) throws {
        var after = Int64.min
        while true {
            let page = try rows(sql, values + [.integer(after), .integer(Int64(pageSize))])
            for row in page { try body(row) }
            guard page.count == pageSize, let last = page.last?.first?.integer else { return }
            after = last
        }
    }

    /// Calls `body` with the statement positioned on each row in turn.
    public func forEachRow(
        _ sql: String, _ values: [SQLValue] = [], _ body: (Statement) throws(StoreError) -> Void
    ) throws(StoreError) {
        let statement = try prepare(sql)
        do {
            try statement.bind(values)
            while try statement.step() { try body(statement) }
            statement.reset()
        } catch {
            statement.reset()
            cache[sql] = nil
            throw error
        }
    }

    /// The first column of the first row, or `.null` when there is no row.
    public func scalar(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> SQLValue {
        var value = SQLValue.null
        var seen = false
        try forEachRow(sql, values) { statement in
            if !seen { value = statement.value(0); seen = true }
        }
        return value
    }

    /// Whether `table` holds at least one row (one step of a scan, whatever its size).
    public func holdsRows(_ table: String) throws(StoreError) -> Bool {
        try scalar("SELECT EXISTS (SELECT 1 FROM \(table))").integer == 1
    }

    /// The rowid of the last insert on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The SQLite library's version, e.g. `3.40.1`.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
