import TallyStore

/// Where a delta feed's last pickup ended, kept in the store (`feed_cursors`, with the run
/// watermark in its `last_run` column).
///
/// The delivery rule — a record is in the next pickup when any of these holds:
/// 1. the feed has no cursor yet, or `--full` was given;
/// 2. the record was written by a run newer than ``lastRun`` (`_updated_run > lastRun`);
/// 3. its position `(sys_updated_on, sys_id, _id)` is after (``lastUpdated``, ``lastSysID``, ``lastKey``).
///
/// Rule 2 is what makes the feed exact. A cursor on (sys_updated_on, sys_id) alone skips a record
/// that arrives after a pickup with the same second as the cursor and a smaller sys_id (or an
/// older second: a late export, a rollback restoring older values). Every such record was written
/// by a run after the pickup, so rule 2 delivers it. Nothing is delivered twice: after a pickup,
/// every record visible to it was delivered at its current version, and a record only passes rule
/// 2 or 3 again once a later run rewrites it (its new version, delivered once). Runs never
/// interleave (the store's lock) and commit whole, so run ids grow in commit order and a
/// snapshot holding a record of run R holds all of R. Rule 3 keeps the classic cursor for records
/// without `_updated_run`.
///
/// Rows are delivered in `(sys_updated_on, sys_id, _id)` order. The cursor moves only after the
/// files are written (and the manifest with them); a failed pickup leaves it where it was, so the
/// next one delivers the same rows again.
package struct FeedCursor: Sendable, Equatable {
    package var feed: String
    package var entity: String
    package var lastUpdated: String?
    package var lastSysID: String?
    package var lastKey: Int64?
    /// The newest run whose writes the feed has delivered (0: none).
    package var lastRun: Int64
    package var pickedUpAt: String?
    /// Rows delivered by the pickup that set this cursor.
    package var rows: Int

    package init(feed: String, entity: String, lastUpdated: String? = nil, lastSysID: String? = nil, lastKey: Int64? = nil,
                lastRun: Int64 = 0, pickedUpAt: String? = nil, rows: Int = 0) {
        self.feed = feed
        self.entity = entity
        self.lastUpdated = lastUpdated
        self.lastSysID = lastSysID
        self.lastKey = lastKey
        self.lastRun = lastRun
        self.pickedUpAt = pickedUpAt
        self.rows = rows
    }

    /// The stored cursor of `feed`, or nil before its first pickup.
    package static func load(feed: String, from connection: Connection) throws -> FeedCursor? {
        let rows = try connection.rows(
            "SELECT entity, last_updated, last_sys_id, last_key, picked_up_at, rows, last_run FROM feed_cursors WHERE feed = ?", [.text(feed)])
        guard let row = rows.first else { return nil }
        let run = row[6].integer ?? 0
        return FeedCursor(feed: feed, entity: row[0].text ?? "", lastUpdated: row[1].text, lastSysID: row[2].text,
                          lastKey: row[3].integer, lastRun: run, pickedUpAt: row[4].text, rows: Int(row[5].integer ?? 0))
    }

    /// Stores this cursor.
    package func save(to connection: Connection) throws {
        try connection.transaction(.immediate) {
            try connection.run("""
                INSERT INTO feed_cursors (feed, entity, last_updated, last_sys_id, last_key, picked_up_at, rows, last_run)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (feed) DO UPDATE SET entity = excluded.entity, last_updated = excluded.last_updated,
                    last_sys_id = excluded.last_sys_id, last_key = excluded.last_key,
                    picked_up_at = excluded.picked_up_at, rows = excluded.rows, last_run = excluded.last_run
                """, [.text(feed), .text(entity), lastUpdated.sqlValue, lastSysID.sqlValue,
                      lastKey.map(SQLValue.integer) ?? .null, .text(pickedUpAt ?? Timestamp.now()), .integer(Int64(rows)),
                      .integer(lastRun)])
        }
    }

    /// The position `(sys_updated_on, sys_id, _id)` of a record, compared as the feed orders them.
    struct Position: Comparable {
        var updated: String
        var sysID: String
        var key: Int64

        static func < (a: Position, b: Position) -> Bool {
            (a.updated, a.sysID, a.key) < (b.updated, b.sysID, b.key)
        }
    }

    var position: Position? {
        guard lastUpdated != nil || lastSysID != nil || lastKey != nil else { return nil }
        return Position(updated: lastUpdated ?? "", sysID: lastSysID ?? "", key: lastKey ?? 0)
    }
}
