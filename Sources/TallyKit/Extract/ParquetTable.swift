import TallyFormats

/// An extract's rows as Parquet: each column typed from its ``ReportColumnType`` (integers
/// `INT64`, decimals `DOUBLE`, booleans `BOOLEAN`, datetimes `TIMESTAMP` UTC microseconds, text
/// `STRING`), every column nullable, as every stored field and report cell can be null.
///
/// Values arrive as the canonical text the other formats write; a value its column's type cannot
/// hold stops the extract with the row and column rather than writing something else.
final class ParquetTable {
    private let writer: ParquetWriter
    private let columns: [ReportColumn]
    private let types: [ReportColumnType]
    private let name: String
    private var row: [ParquetValue] = []

    /// `masked`: columns written as text whatever their type (a salted hash).
    init(columns: [ReportColumn], masked: [Bool], sink: any OutputSink) throws(OutputError) {
        self.columns = columns
        name = sink.name
        types = zip(columns, masked).map { $1 ? .text : $0.type }
        writer = try ParquetWriter(
            columns: zip(columns, types).map { ParquetColumn($0.name, Self.kind(of: $1)) },
            sink: sink, createdBy: "tally version \(TallyVersion.current)")
    }

    var rows: Int { writer.rows }

    func write(_ cells: [String?]) throws(OutputError) {
        row.removeAll(keepingCapacity: true)
        for (index, cell) in cells.enumerated() {
            guard let cell else {
                row.append(.null)
                continue
            }
            guard let value = Self.value(cell, as: types[index]) else {
                throw OutputError(
                    name: name, message: "row \(writer.rows + 1), column \(columns[index].name): '\(cell)' is not a \(types[index].rawValue)"
                        + (types[index] == .datetime ? " (YYYY-MM-DD HH:MM:SS)" : "") + "; extract it as CSV to see the value")
            }
            row.append(value)
        }
        try writer.write(row)
    }

    func finish() throws(OutputError) { try writer.finish() }

    static func kind(of type: ReportColumnType) -> ParquetColumn.Kind {
        switch type {
        case .text: .string
        case .integer: .int64
        case .decimal: .double
        case .boolean: .boolean
        case .datetime: .timestampMicros
        }
    }

    static func value(_ text: String, as type: ReportColumnType) -> ParquetValue? {
        switch type {
        case .text: .string(text)
        case .integer: Int64(text).map(ParquetValue.int64)
        case .decimal: Double(text).flatMap { $0.isFinite ? .double($0) : nil }
        case .boolean: text == "true" ? .boolean(true) : text == "false" ? .boolean(false) : nil
        case .datetime: microseconds(text).map(ParquetValue.int64)
        }
    }

    /// Microseconds since 1970-01-01 00:00:00 UTC of a canonical `YYYY-MM-DD HH:MM:SS`.
    static func microseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x20, bytes[13] == 0x3A, bytes[16] == 0x3A else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000
    }
}
