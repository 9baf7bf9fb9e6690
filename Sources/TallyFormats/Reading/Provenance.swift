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
}
