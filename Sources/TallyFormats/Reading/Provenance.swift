/// Where a record came from: the input's name, its 1-based record number and first physical line.
///
/// Record numbers count data records only (a CSV header is not a record); lines count physical
/// lines from 1, so a CSV record whose quoted field spans lines 4–6 has `line == 4`.
public struct Provenance: Sendable, Hashable, Codable {
    public var file: String
    public var record: Int
    public var line: Int

    public init(file: String, record: Int, line: Int) {
        self.file = file
        self.record = record
        self.line = line
    }

    /// Where the record is, for a person: `FILE:LINE`, or `FILE record N (line L)` when records
    /// share lines (a JSON export on one line), where the line alone would name every record.
    public var place: String { Self.place(file: file, line: line, record: record) }

    /// ``place`` from stored columns (a finding's file, line and record).
    public static func place(file: String, line: Int?, record: Int?) -> String {
        guard let line else { return record.map { "\(file) record \($0)" } ?? file }
        if let record, line < record { return "\(file) record \(record) (line \(line))" }
        return "\(file):\(line)"
    }
}
