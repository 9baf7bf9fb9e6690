/// `manifest.json`: what an extract wrote and from which state of the store.
///
/// Keys are written in a fixed order; everything but `generated_at` (and a feed's `picked_up_at`)
/// follows from the store and the arguments.
package struct ExtractManifest: Sendable {
    package struct File: Sendable, Equatable {
        package var report: String
        package var file: String
        package var format: ExtractFormat
        package var rows: Int
        package var bytes: Int
        package var sha256: String
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

    /// The manifest as pretty-printed JSON, keys in a fixed order, ending in a newline.
    package var json: String {
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
        if let asOf {
            lines.append("  \"as_of\": {\"run\": \(number(asOf.run)), \"time\": \(string(asOf.time))},")
        }
        if history { lines.append("  \"history\": true,") }
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
