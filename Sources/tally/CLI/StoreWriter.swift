import TallyKit

/// What a command that writes to the store needs: the store's path and how long to wait for its
/// lock. Every writer takes the lock before it opens (and perhaps migrates) the store.
struct StoreWriter {
    var databasePath: String
    var wait: Double?
    /// Whether a missing store is created (an import) or refused with exit 66 (everything else).
    var access: StoreAccess

    init(databasePath: String, wait: Double?, access: StoreAccess) {
        self.databasePath = databasePath
        self.wait = wait
        self.access = access
    }

    init(_ arguments: ParsedArguments, command: String, access: StoreAccess = .write) throws(UsageError) {
        databasePath = arguments.databasePath
        wait = try arguments.seconds("wait", command: command)
        self.access = access
    }

    /// Takes the store's lock (exit 75 naming the holder when busy), opens the store, runs `body`,
    /// and releases the lock.
    func write<T>(_ console: Console, command: String = typedCommandLine, _ body: (TallyDatabase) throws -> T) throws -> T {
        let lock = try StoreLock.take(databasePath, command: command, wait: wait, console)
        defer { lock.release() }
        return try body(try TallyDatabase.open(path: databasePath, access: access))
    }
}
