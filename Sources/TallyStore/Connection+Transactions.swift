/// How a transaction takes its lock.
public enum TransactionKind: String, Sendable {
    case deferred = "DEFERRED"
    /// Takes the write lock at once, so two writers never interleave (the default).
    case immediate = "IMMEDIATE"
    case exclusive = "EXCLUSIVE"
}

extension Connection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws, and
    /// rethrows the first error (a failed rollback never hides it).
    public func transaction<T>(
        _ kind: TransactionKind = .immediate, _ body: () throws -> T
    ) throws -> T {
        try execute("BEGIN \(kind.rawValue) TRANSACTION")
        let result: T
        do {
            result = try body()
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        return result
    }

    /// Runs `body` in a savepoint, which nests inside a transaction or another savepoint.
    /// On a throw it rolls back to the savepoint and releases it (`ROLLBACK TO` alone would leave
    /// it open), then rethrows the first error.
    public func savepoint<T>(_ name: String = "tally", _ body: () throws -> T) throws -> T {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "savepoint names are identifiers")
        try execute("SAVEPOINT \(name)")
        let result: T
        do {
            result = try body()
        } catch {
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            throw error
        }
        try execute("RELEASE \(name)")
        return result
    }
}
