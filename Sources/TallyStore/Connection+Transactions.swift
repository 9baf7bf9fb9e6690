/// How a transaction takes its lock.
public enum TransactionKind: String, Sendable {
    case deferred = "DEFERRED"
    /// Takes the write lock at once, so two writers never interleave (the default).
    case immediate = "IMMEDIATE"
    case exclusive = "EXCLUSIVE"
}

/// How a transaction or savepoint ends when its body returns: a dry run does the work, reads what
/// it did, and ends in `.rollback`.
public enum TransactionCompletion: Sendable {
    case commit
    case rollback
}

extension Connection {
    /// Runs `body` in a transaction that ends as `body` says: commits on `.commit`, rolls back on
    /// `.rollback` or when `body` (or the commit) throws. Rethrows the first error: a failed
    /// rollback never hides it. Transactions do not nest: use ``inSavepoint(_:)`` inside one.
    public func inTransaction(_ kind: TransactionKind = .immediate, _ body: () throws -> TransactionCompletion) throws {
        try beginTransaction(kind)
        try end(body, commit: commit, rollback: rollback)
    }

    /// Runs `body` in a transaction that commits when it returns: ``inTransaction(_:_:)`` for work
    /// that never ends in a rollback but by throwing.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        var result: T?
        try inTransaction(kind) {
            result = try body()
            return .commit
        }
        return result!
    }

    /// Runs `body` in a deferred transaction that may only read: every query in it sees one
    /// snapshot of the store, and a write fails (`SQLITE_READONLY`) instead of being kept.
    public func inReadTransaction<T>(_ body: () throws -> T) throws -> T {
        if !isReadOnly { try run("PRAGMA query_only = 1") }
        defer { if !isReadOnly { try? run("PRAGMA query_only = 0") } }
        return try transaction(.deferred, body)
    }

    /// Runs `body` in a savepoint, which nests inside a transaction or another savepoint (outside
    /// any, it is an immediate transaction). `.rollback` or a throw undoes its work with `ROLLBACK
    /// TO` and then `RELEASE` (which `ROLLBACK TO` alone would leave open); the first error is
    /// rethrown.
    public func inSavepoint(_ body: () throws -> TransactionCompletion) throws {
        guard isInTransaction else { return try inTransaction(.immediate, body) }
        try run("SAVEPOINT tally")
        try end(body, commit: { () throws(StoreError) in try run("RELEASE tally") },
                rollback: { () throws(StoreError) in
                    try run("ROLLBACK TO tally")
                    try run("RELEASE tally")
                })
    }

    /// Begins a transaction; ``commit()`` or ``rollback()`` ends it. Prefer ``inTransaction(_:_:)``.
    public func beginTransaction(_ kind: TransactionKind = .immediate) throws(StoreError) {
        try run("BEGIN \(kind.rawValue) TRANSACTION")
    }

    public func commit() throws(StoreError) {
        try run("COMMIT")
    }

    /// Rolls back the open transaction, if any: SQLite may already have rolled it back itself
    /// after an error (disk full, I/O, busy), and a second rollback would fail.
    public func rollback() throws(StoreError) {
        if isInTransaction { try run("ROLLBACK") }
    }

    /// Ends a transaction or savepoint that has begun, as `body` says, rethrowing the first error.
    private func end(_ body: () throws -> TransactionCompletion, commit: () throws(StoreError) -> Void,
                     rollback: () throws(StoreError) -> Void) throws {
        var firstError: (any Error)?
        do {
            switch try body() {
            case .commit:
                try commit()
                return
            case .rollback:
                break
            }
        } catch {
            firstError = error
        }
        do {
            try rollback()
        } catch {
            if firstError == nil { firstError = error }
        }
        if let firstError { throw firstError }
    }
}
