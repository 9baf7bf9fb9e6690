import TallyStore

/// The deletes of records the store did not hold when they arrived (`delete_tombstones`): a row
/// that would insert one of them with a version no newer than its delete is stale.
struct DeleteTombstones {
    let connection: Connection
    let entity: EntityDefinition
    private let sysIDIndex: Int
    private let updatedIndex: Int?

    /// Nil when the entity has no tombstones (the common case: inserts then pay nothing).
    init?(connection: Connection, entity: EntityDefinition) {
        guard let sysIDIndex = entity.index(ofField: "sys_id"),
              (try? connection.scalar("SELECT 1 FROM delete_tombstones WHERE entity = ? LIMIT 1", [.text(entity.name)]).integer) == 1 else {
            return nil
        }
        self.connection = connection
        self.entity = entity
        self.sysIDIndex = sysIDIndex
        updatedIndex = entity.index(ofField: entity.updatedField)
    }

    /// Whether a new record of `values` is a version the platform deleted later.
    func buries(_ values: [FieldValue?]) throws -> Bool {
        guard let sysID = values[sysIDIndex]?.canonicalText ?? nil,
              let deletedAt = try connection.scalar("SELECT deleted_at FROM delete_tombstones WHERE entity = ? AND sys_id = ?",
                                                    [.text(entity.name), .text(sysID)]).text else { return false }
        let version = updatedIndex.flatMap { values[$0]?.canonicalText ?? nil } ?? ""
        return version <= deletedAt
    }
}
