import TallyFormats

/// `manifest.json`: what an extract wrote and from which state of the store.
///
/// Everything but `generated_at` follows from the store and the arguments.
package struct ExtractManifest: Sendable {
    package struct File: Sendable, Equatable {
        package var report: String
        package var file: String
        package var format: ExtractFormat
        package var rows: Int
        package var bytes: Int
        package var sha256: String
        /// The digest of everything the file's bytes follow from (see ``Extractor/inputsDigest(of:request:watermark:)``);
        /// nil for an extract written to standard output.
        package var inputsSHA256: String? = nil
        /// The file was left as the previous extract wrote it: its inputs had not changed.
        package var reused = false
    }

    /// The last committed run when the extract read the store.
    package struct Watermark: Sendable, Equatable {
        package var run: Int64?
        package var finishedAt: String?
    }

    package var generatedAt: String
    package var tallyVersion: String
    package var schemaVersion: Int
    package var watermark: Watermark
    package var format: ExtractFormat
    package var formulaGuard: Bool
    package var maskedFields: [String]
    package var staleDays: Int
    package var files: [File]
    /// For a delta feed: the cursor the pickup started after (nil: everything) and the one it ends at.
    package var feed: (since: FeedCursor?, cursor: FeedCursor, full: Bool)?
    /// The past the files show (`--as-of-run`, `--as-of`), and whether entity files are version histories.
    package var asOf: AsOf? = nil
    package var history = false
}

extension ExtractManifest: JSONOutput {
    /// Each top-level key on its own line, and each file; the rest inline.
    package static var jsonLayout: OrderedJSONEncoder.Layout { .lines(at: ["", "files"]) }

    private enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at", tallyVersion = "tally_version", schemaVersion = "schema_version"
        case watermark = "store_watermark", format, formulaGuard = "formula_guard", maskedFields = "masked_fields"
        case staleDays = "stale_days", asOf = "as_of", history, feed, files
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(generatedAt, forKey: .generatedAt)
        try container.encode(tallyVersion, forKey: .tallyVersion)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encode(watermark, forKey: .watermark)
        try container.encode(format, forKey: .format)
        // The guard is a CSV matter: null for the other formats.
        try container.encode(format == .csv ? formulaGuard : nil, forKey: .formulaGuard)
        try container.encode(maskedFields, forKey: .maskedFields)
        try container.encode(staleDays, forKey: .staleDays)
        // Only an extract of the past names it, so other manifests keep their shape.
        if let asOf { try container.encode(asOf, forKey: .asOf) }
        if history { try container.encode(true, forKey: .history) }
        if let feed { try container.encode(Feed(since: feed.since, cursor: feed.cursor, full: feed.full), forKey: .feed) }
        try container.encode(files, forKey: .files)
    }

    /// A delta feed's pickup as the manifest shows it.
    private struct Feed: Encodable {
        var since: FeedCursor?
        var cursor: FeedCursor
        var full: Bool

        enum CodingKeys: String, CodingKey { case name, entity, full, since, cursor, rows }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(cursor.feed, forKey: .name)
            try container.encode(cursor.entity, forKey: .entity)
            try container.encode(full, forKey: .full)
            try container.encode(since.map(Position.init), forKey: .since)
            try container.encode(Position(cursor), forKey: .cursor)
            try container.encode(cursor.rows, forKey: .rows)
        }
    }

    /// Where a feed's cursor stands.
    private struct Position: Encodable {
        var run: Int64
        var sysUpdatedOn: String?
        var sysID: String?
        var key: Int64?

        init(_ cursor: FeedCursor) {
            (run, sysUpdatedOn, sysID, key) = (cursor.lastRun, cursor.lastUpdated, cursor.lastSysID, cursor.lastKey)
        }

        enum CodingKeys: String, CodingKey { case run, sysUpdatedOn = "sys_updated_on", sysID = "sys_id", key }
    }
}

extension ExtractManifest.File: Encodable {
    private enum CodingKeys: String, CodingKey {
        case report, file, format, rows, bytes, sha256, inputsSHA256 = "inputs_sha256", reused
    }

    /// Every key always (`inputs_sha256` null for standard output), so readers see one shape.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(report, forKey: .report)
        try container.encode(file, forKey: .file)
        try container.encode(format, forKey: .format)
        try container.encode(rows, forKey: .rows)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(inputsSHA256, forKey: .inputsSHA256)
        try container.encode(reused, forKey: .reused)
    }
}

extension AsOf: Encodable {
    private enum CodingKeys: String, CodingKey { case run, time }

    /// Both keys always, null for the axis not asked.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(time, forKey: .time)
    }
}

extension ExtractManifest.Watermark: Encodable {
    private enum CodingKeys: String, CodingKey { case run, finishedAt = "finished_at" }
}
