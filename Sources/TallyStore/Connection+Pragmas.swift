internal import CSQLite

/// A value a pragma reads and writes, as SQLite returns and spells it.
public protocol PragmaValue: Sendable {
    /// The value SQLite returned, or nil when it is not one of these.
    init?(pragma value: SQLValue)
    /// The value as written after `PRAGMA name =`.
    var pragmaLiteral: String { get }
}

/// A pragma and the type of its value: Kit reads and sets the store's settings through these, and
/// never writes `PRAGMA` text.
public struct Pragma<Value: PragmaValue>: Sendable {
    public let name: String

    init(_ name: String) { self.name = name }
}

extension Pragma where Value == Bool {
    /// Whether foreign keys are enforced. Setting it inside a transaction does nothing (SQLite).
    public static var foreignKeys: Pragma { Pragma("foreign_keys") }
    /// Whether the connection refuses to write.
    public static var queryOnly: Pragma { Pragma("query_only") }
}

extension Pragma where Value == Int {
    /// The schema version a store records (``Migrator``).
    public static var userVersion: Pragma { Pragma("user_version") }
}

extension Pragma where Value == SynchronousMode {
    public static var synchronous: Pragma { Pragma("synchronous") }
}

extension Pragma where Value == CacheSize {
    public static var cacheSize: Pragma { Pragma("cache_size") }
}

extension Pragma where Value == JournalMode {
    /// The journal mode in force; change it with ``Connection/switchJournalMode(to:waiting:)``,
    /// which says whether the switch took.
    public static var journalMode: Pragma { Pragma("journal_mode") }
}

/// How often SQLite syncs the file (`PRAGMA synchronous`).
public enum SynchronousMode: Int, PragmaValue {
    case off = 0, normal = 1, full = 2, extra = 3

    public init?(pragma value: SQLValue) {
        guard let number = value.integer else { return nil }
        self.init(rawValue: Int(number))
    }

    public var pragmaLiteral: String {
        switch self {
        case .off: "OFF"
        case .normal: "NORMAL"
        case .full: "FULL"
        case .extra: "EXTRA"
        }
    }
}

/// The page cache's size (`PRAGMA cache_size`): a page count, or KiB (a negative pragma value).
public enum CacheSize: PragmaValue, Equatable {
    case pages(Int)
    case kibibytes(Int)

    public init?(pragma value: SQLValue) {
        guard let number = value.integer else { return nil }
        self = number < 0 ? .kibibytes(Int(-number)) : .pages(Int(number))
    }

    public var pragmaLiteral: String {
        switch self {
        case .pages(let count): String(count)
        case .kibibytes(let size): String(-size)
        }
    }
}

/// A journal mode, as SQLite names it.
public enum JournalMode: String, PragmaValue {
    case delete, truncate, persist, memory, wal, off

    public init?(pragma value: SQLValue) {
        guard let text = value.text?.lowercased() else { return nil }
        self.init(rawValue: text)
    }

    public var pragmaLiteral: String { rawValue.uppercased() }
}

extension Bool: PragmaValue {
    public init?(pragma value: SQLValue) {
        switch value.integer {
        case 0: self = false
        case 1: self = true
        default: return nil
        }
    }

    public var pragmaLiteral: String { self ? "ON" : "OFF" }
}

extension Int: PragmaValue {
    public init?(pragma value: SQLValue) {
        guard let number = value.integer else { return nil }
        self = Int(number)
    }

    public var pragmaLiteral: String { String(self) }
}

/// A row that `PRAGMA foreign_key_check` found referring to a missing parent row.
public struct ForeignKeyViolation: Sendable, Equatable {
    public var table: String
    /// The row's rowid (nil in a table without rowids).
    public var rowID: Int64?
    /// The table the missing row belongs in.
    public var parent: String
}

extension Connection {
    /// The value of `pragma` on this connection.
    public func pragma<Value>(_ pragma: Pragma<Value>) throws(StoreError) -> Value {
        let value = try scalar("PRAGMA \(pragma.name)")
        guard let typed = Value(pragma: value) else {
            throw StoreError(extendedCode: SQLITE_MISMATCH, message: "PRAGMA \(pragma.name) returned \(value), not a \(Value.self)")
        }
        return typed
    }

    public func setPragma<Value>(_ pragma: Pragma<Value>, to value: Value) throws(StoreError) {
        try execute("PRAGMA \(pragma.name) = \(value.pragmaLiteral)")
    }

    /// Switches the journal mode and returns the mode in force afterwards: SQLite keeps the old
    /// mode (or fails busy) while another connection has the store open, and this returns nil when
    /// the switch failed. Unless `waiting`, it does not wait for other connections' locks.
    public func switchJournalMode(to mode: JournalMode, waiting: Bool = false) -> JournalMode? {
        if !waiting { sqlite3_busy_timeout(handle, 0) }
        defer { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
        return try? JournalMode(pragma: scalar("PRAGMA journal_mode = \(mode.rawValue)"))
    }

    /// What `PRAGMA integrity_check` finds wrong; empty when the store is sound.
    public func integrityCheck() throws(StoreError) -> [String] {
        let lines = try rows("PRAGMA integrity_check").compactMap { $0.first?.text }
        return lines == ["ok"] ? [] : lines
    }

    /// The rows `PRAGMA foreign_key_check` finds referring to missing rows.
    public func foreignKeyCheck() throws(StoreError) -> [ForeignKeyViolation] {
        try rows("PRAGMA foreign_key_check").map { row in
            ForeignKeyViolation(table: row[0].text ?? "?", rowID: row[1].integer, parent: row[2].text ?? "?")
        }
    }
}
