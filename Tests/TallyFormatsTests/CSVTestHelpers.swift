import TallyFormats

/// Chunk sizes that split records, fields, escapes, CRLF pairs and multi-byte characters.
let chunkSizes = [1, 2, 3, 7, 64, Int.max]

/// Reads CSV bytes through a source that hands them out `chunkSize` at a time.
func readCSV(
    _ bytes: [UInt8], chunkSize: Int = .max, options: CSVOptions = CSVOptions(), bufferSize: Int = 256 << 10
) -> [ReadEvent] {
    let source = MemoryByteSource(bytes, name: "test.csv", chunkSize: chunkSize)
    return CSVReader(source: source, options: options, bufferSize: bufferSize).readAll()
}

func readCSV(
    _ text: String, chunkSize: Int = .max, options: CSVOptions = CSVOptions(), bufferSize: Int = 256 << 10
) -> [ReadEvent] {
    readCSV(Array(text.utf8), chunkSize: chunkSize, options: options, bufferSize: bufferSize)
}


/// The values of every record (issues dropped).
func values(_ events: [ReadEvent]) -> [[String?]] {
    events.compactMap { $0.record?.values }
}

/// Issues as comparable tuples: kind, line, column, record.
struct Position: Equatable, CustomStringConvertible {
    var kind: ReadIssue.Kind
    var line: Int
    var column: Int
    var record: Int?

    init(_ kind: ReadIssue.Kind, line: Int, column: Int, record: Int?) {
        self.kind = kind
        self.line = line
        self.column = column
        self.record = record
    }

    init(_ issue: ReadIssue) {
        self.init(issue.kind, line: issue.line, column: issue.column, record: issue.record)
    }

    var description: String { "\(kind.rawValue)@\(line):\(column)#\(record.map(String.init) ?? "-")" }
}

func positions(_ events: [ReadEvent]) -> [Position] {
    events.compactMap { $0.issue.map(Position.init) }
}

