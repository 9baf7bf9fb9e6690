import TallyStore

/// A first import into a store that holds no records yet writes its pages once, straight into the
/// store file, under SQLite's rollback journal, instead of writing every page to the WAL and then
/// copying it into the file at the checkpoint.
///
/// The run is still committed whole or not at all: pages past the file's end when the run began
/// need no journal (a rollback cuts the file back), and the few pages that existed are journaled
/// and synced first (`synchronous=FULL` while it lasts). The price is that other connections cannot
/// read the store while the run writes (they wait, then report it busy); a store without records
/// has nothing to read yet. A store that holds any record keeps WAL, so readers are never blocked
/// behind an import, and so does a store another connection has open (the switch does not wait).
struct FirstLoadJournal {
    private let connection: Connection

    /// Switches `database` to the rollback journal when it holds no records and no other
    /// connection has it open; nil when it stays in WAL.
    static func engage(_ database: TallyDatabase) -> FirstLoadJournal? {
        let connection = database.connection
        guard connection.path != ":memory:", !connection.isInTransaction,
              (try? holdsNoRecords(database)) == true,
              connection.switchJournalMode(to: .delete) == .delete
        else { return nil }
        guard (try? connection.setPragma(.synchronous, to: .full)) != nil else {
            _ = connection.switchJournalMode(to: .wal)
            return nil
        }
        return FirstLoadJournal(connection: connection)
    }

    /// Back to WAL and `synchronous=NORMAL`, once the run has committed or rolled back. Should the
    /// switch fail (a reader got in first), the store's next read-write open switches it.
    func release() {
        try? connection.setPragma(.synchronous, to: .normal)
        _ = connection.switchJournalMode(to: .wal, waiting: true)
    }

    private static func holdsNoRecords(_ database: TallyDatabase) throws -> Bool {
        try database.registry.entities.allSatisfy { try !database.connection.holdsRows(EntityTable($0).name) }
    }
}
