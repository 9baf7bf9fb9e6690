import TallyFormats
import TallyStore

/// Stores row-level findings (rejects and warnings) with the raw record, so a steward can see
/// what was wrong, where, and fix and re-import it.
struct FindingLog {
    let connection: Connection
    let run: Int64

    static let insertSQL = """
        INSERT INTO findings (run, input, file, record, line, field, rule, severity, rejected, message, raw)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Stores `findings` of one record; `rejected` says whether the record was rejected.
    func record(_ findings: [Finding], input: Int, raw: RawRecord, rejected: Bool) throws {
        let rawJSON = Self.json(of: raw)
        for finding in findings {
            try connection.run(Self.insertSQL, [
                .integer(run), .integer(Int64(input)), .text(finding.provenance.file),
                .integer(Int64(finding.provenance.record)), .integer(Int64(finding.provenance.line)),
                finding.field.sqlValue, .text(finding.rule.rawValue), .text(finding.severity.rawValue),
                .integer(rejected ? 1 : 0), .text(finding.message), .text(rawJSON),
            ])
        }
    }

    /// Stores a reader's issue: a malformed record (rejected), or a file-level problem.
    func record(_ issue: ReadIssue, input: Int) throws {
        try connection.run(Self.insertSQL, [
            .integer(run), .integer(Int64(input)), .text(issue.file),
            issue.record.map { .integer(Int64($0)) } ?? .null, .integer(Int64(issue.line)),
            issue.field.sqlValue, .text("read.\(issue.kind.rawValue)"), .text(Finding.Severity.error.rawValue),
            .integer(issue.record == nil ? 0 : 1), .text("column \(issue.column): \(issue.message)"),
            issue.rawText.map { .text(JSON.quote($0)) } ?? .null,
        ])
    }

    /// The raw record as a JSON object of its columns in source order.
    static func json(of raw: RawRecord) -> String {
        "{" + raw.fields.map { JSON.quote($0.0) + ":" + ($0.1.map(JSON.quote) ?? "null") }.joined(separator: ",") + "}"
    }
}
