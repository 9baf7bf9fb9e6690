/// What a delta feed's row is to a warehouse applying it, in Debezium's vocabulary (the `op` column).
package enum FeedOperation: String, Sendable, CaseIterable {
    /// Created after the feed's last pickup (every live record on a first or `--full` pickup).
    case create = "c"
    /// Changed since the last pickup, created before it.
    case update = "u"
    /// Deleted on the platform or retired (a snapshot, a dedupe merge): the warehouse removes it.
    case delete = "d"

    /// The SQL giving a record's code; `watermark` is the newest run the feed delivered before (0: none).
    static func sql(watermark: String) -> String {
        """
        CASE WHEN retired_in_run IS NOT NULL OR \(BookkeepingColumn.deletedAt.name) IS NOT NULL THEN '\(delete.rawValue)' \
        WHEN coalesce(_created_run, 0) > \(watermark) OR \(watermark) = 0 THEN '\(create.rawValue)' ELSE '\(update.rawValue)' END
        """
    }
}
