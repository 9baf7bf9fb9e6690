/// `manifest.json`: what an extract wrote and from which state of the store.
///
/// Keys are written in a fixed order; everything but `generated_at` (and a feed's `picked_up_at`)
/// follows from the store and the arguments.
public struct ExtractManifest: Sendable {
    public struct File: Sendable, Equatable {
        public var report: String
        public var file: String
        public var format: ExtractFormat
        public var rows: Int
        public var bytes: Int
        public var sha256: String
    }

    /// The last committed run when the extract read the store.
    public struct Watermark: Sendable, Equatable {
        public var run: Int64?
        public var finishedAt: String?
    }

    public var generatedAt: String
    public var tallyVersion: String
    public var schemaVersion: Int
    public var watermark: Watermark
    public var format: ExtractFormat
    public var formulaGuard: Bool
    public var maskedFields: [String]
    public var staleDays: Int
    public var files: [File]
    /// For a delta feed: the cursor the pickup started after (nil: everything) and the one it ends at.
    public var feed: (since: FeedCursor?, cursor: FeedCursor, full: Bool)?

    /// The manifest as pretty-printed JSON, keys in a fixed order, ending in a newline.
    public var json: String {
        func string(_ text: String?) -> String {
            guard let text else { return "null" }
            var bytes: [UInt8] = []
            appendJSONString(text, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        func number(_ value: Int64?) -> String { value.map(String.init) ?? "null" }
        func cursor(_ cursor: FeedCursor?) -> String {
            guard let cursor else { return "null" }
            return "{\"run\": \(cursor.lastRun), \"sys_updated_on\": \(string(cursor.lastUpdated)), "
                + "\"sys_id\": \(string(cursor.lastSysID)), \"key\": \(number(cursor.lastKey))}"
        }
        var lines = [
            "{",
            "  \"generated_at\": \(string(generatedAt)),",
            "  \"tally_version\": \(string(tallyVersion)),",
            "  \"schema_version\": \(schemaVersion),",
            "  \"store_watermark\": {\"run\": \(number(watermark.run)), \"finished_at\": \(string(watermark.finishedAt))},",
            "  \"format\": \(string(format.rawValue)),",
            "  \"formula_guard\": \(format == .csv ? String(formulaGuard) : "null"),",
            "  \"masked_fields\": [\(maskedFields.map(string).joined(separator: ", "))],",
            "  \"stale_days\": \(staleDays),",
        ]
        if let feed {
            lines.append("  \"feed\": {\"name\": \(string(feed.cursor.feed)), \"entity\": \(string(feed.cursor.entity)), "
                + "\"full\": \(feed.full), \"since\": \(cursor(feed.since)), \"cursor\": \(cursor(feed.cursor)), \"rows\": \(feed.cursor.rows)},")
        }
        lines.append("  \"files\": [")
        for (index, file) in files.enumerated() {
            let comma = index == files.count - 1 ? "" : ","
            lines.append("    {\"report\": \(string(file.report)), \"file\": \(string(file.file)), \"format\": \(string(file.format.rawValue)), "
                + "\"rows\": \(file.rows), \"bytes\": \(file.bytes), \"sha256\": \(string(file.sha256))}\(comma)")
        }
        lines += ["  ]", "}"]
        return lines.joined(separator: "\n") + "\n"
    }
}
