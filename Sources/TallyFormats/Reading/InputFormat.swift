/// The kinds of export Tally reads, as detected from their content (see ``FormatDetector``).
public enum InputFormat: String, Sendable, CaseIterable, Codable {
    /// Comma-separated values (RFC 4180).
    case csv
    /// Tab-separated values: CSV whose header line is split by tabs.
    case tsv
    /// One JSON document: `{"result":[…]}`, `{"records":[…]}`, a bare array, or a single object.
    case json
    /// Newline-delimited JSON: one object per line.
    case ndjson
    /// A ServiceNow XML unload: `<unload><table_name>…</table_name>…</unload>`.
    case xml
}
