/// A column of a Parquet file: a flat, primitive, optionally nullable field.
public struct ParquetColumn: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `INT64`.
        case int64
        /// `DOUBLE`.
        case double
        /// `BOOLEAN`.
        case boolean
        /// `INT64` microseconds since 1970-01-01 UTC, annotated `TIMESTAMP(isAdjustedToUTC, MICROS)`.
        case timestampMicros
        /// `BYTE_ARRAY` annotated `STRING` (UTF-8).
        case string
    }

    public var name: String
    public var kind: Kind
    /// `OPTIONAL` (with definition levels) rather than `REQUIRED`.
    public var isNullable: Bool

    public init(_ name: String, _ kind: Kind, isNullable: Bool = true) {
        self.name = name
        self.kind = kind
        self.isNullable = isNullable
    }
}

/// One cell for ``ParquetWriter``; a timestamp is `.int64` microseconds.
public enum ParquetValue: Sendable, Hashable {
    case null
    case int64(Int64)
    case double(Double)
    case boolean(Bool)
    case string(String)
}

/// Writes a Parquet file to a sink, front to back: `PAR1`, row groups of data pages (PLAIN
/// values, RLE/bit-packed definition levels, no compression), then the Thrift footer.
///
/// Memory is bounded by ``rowGroupBytes``: a row group is written out once its columns hold that
/// much. Nothing in the file depends on the time or the machine, so the same rows give the same
/// bytes. Each column chunk carries min, max and null count.
public final class ParquetWriter {
    /// Min/max longer than this are left out of a chunk's statistics (Arrow's default limit).
    static let maxStatisticsBytes = 4096

    public let columns: [ParquetColumn]
    private let sink: any OutputSink
    private let createdBy: String
    private let rowGroupBytes: Int
    private let pageBytes: Int
    private var chunks: [ParquetColumnChunk]
    private var rowGroupRows = 0
    private var offset: Int64 = 0
    /// The footer's `RowGroup` structs, encoded as each row group is written.
    private var rowGroups: [[UInt8]] = []
    public private(set) var rows = 0

    /// Starts the file (writes `PAR1`). `createdBy` names the writer in the footer; keep it free of
    /// times so files stay reproducible.
    public init(
        columns: [ParquetColumn], sink: any OutputSink, createdBy: String,
        rowGroupBytes: Int = 32 << 20, pageBytes: Int = 1 << 20
    ) throws(OutputError) {
        self.columns = columns
        self.sink = sink
        self.createdBy = createdBy
        self.rowGroupBytes = max(rowGroupBytes, 1)
        self.pageBytes = max(pageBytes, 1)
        chunks = columns.map { ParquetColumnChunk(column: $0) }
        try emit(Self.magic)
    }

    /// Appends one row, one value per column: null only in a nullable column, else of the column's
    /// kind (`.int64` for a timestamp). A value that does not fit throws and writes nothing.
    public func write(_ row: [ParquetValue]) throws(OutputError) {
        guard row.count == columns.count else {
            throw OutputError(name: sink.name, message: "a Parquet row needs \(columns.count) values, got \(row.count)")
        }
        for (column, value) in zip(columns, row) where !Self.fits(value, column) {
            throw OutputError(name: sink.name, message: "row \(rows + 1), column \(column.name): \(value) does not fit a \(column.isNullable ? "nullable" : "required") \(column.kind) column")
        }
        for index in chunks.indices {
            chunks[index].append(row[index])
            chunks[index].endPage(ifLargerThan: pageBytes)
        }
        rows += 1
        rowGroupRows += 1
        if rowGroupRows % 256 == 0 && chunks.reduce(0, { $0 + $1.bufferedBytes }) >= rowGroupBytes {
            try endRowGroup()
        }
    }

    /// Writes the last row group and the footer, then flushes the sink. Call once.
    public func finish() throws(OutputError) {
        try endRowGroup()
        var footer = ThriftCompactWriter()
        footer.i32(1, 1)  // version
        footer.list(2, of: .structure, count: columns.count + 1)
        footer.beginStructValue()  // the root group
        footer.string(4, "schema")
        footer.i32(5, Int32(columns.count))
        footer.endStruct()
        for column in columns { Self.writeSchemaElement(column, to: &footer) }
        footer.i64(3, Int64(rows))
        footer.list(4, of: .structure, count: rowGroups.count)
        var bytes = footer.bytes
        for group in rowGroups { bytes.append(contentsOf: group) }
        // Continue the FileMetaData after the row groups, whose bytes were encoded apart.
        var tail = ThriftCompactWriter.continuing(after: 4)
        tail.string(6, createdBy)
        tail.list(7, of: .structure, count: columns.count)
        for _ in columns {
            tail.beginStructValue()  // ColumnOrder
            tail.beginStruct(1)  // TYPE_ORDER
            tail.endStruct()
            tail.endStruct()
        }
        tail.finish()
        bytes.append(contentsOf: tail.bytes)
        try emit(bytes)
        try emit(withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) })
        try emit(Self.magic)
        try sink.flush()
    }

    private static let magic = Array("PAR1".utf8)

    private static func fits(_ value: ParquetValue, _ column: ParquetColumn) -> Bool {
        switch (value, column.kind) {
        case (.null, _): column.isNullable
        case (.int64, .int64), (.int64, .timestampMicros), (.double, .double), (.boolean, .boolean), (.string, .string): true
        default: false
        }
    }

    private func emit(_ bytes: [UInt8]) throws(OutputError) {
        try sink.write(bytes)
        offset += Int64(bytes.count)
    }

    /// Writes the buffered column chunks one after the other and records their metadata.
    private func endRowGroup() throws(OutputError) {
        guard rowGroupRows > 0 else { return }
        var group = ThriftCompactWriter()
        group.beginStructValue()
        group.list(1, of: .structure, count: chunks.count)
        var total: Int64 = 0
        for index in chunks.indices {
            chunks[index].endPage()
            let start = offset
            let size = Int64(chunks[index].pages.count)
            try emit(chunks[index].pages)
            total += size
            group.beginStructValue()  // ColumnChunk
            group.i64(2, start)  // file_offset
            group.beginStruct(3)  // ColumnMetaData
            group.i32(1, Self.physicalType(chunks[index].column.kind))
            group.list(2, of: .i32, count: 2)
            group.i32Value(ParquetEncoding.plain)
            group.i32Value(ParquetEncoding.rle)
            group.list(3, of: .binary, count: 1)
            group.binaryValue(Array(chunks[index].column.name.utf8))
            group.i32(4, 0)  // UNCOMPRESSED
            group.i64(5, Int64(chunks[index].valueCount))
            group.i64(6, size)
            group.i64(7, size)
            group.i64(9, start)  // data_page_offset
            chunks[index].writeStatistics(&group, id: 12)
            group.endStruct()
            group.endStruct()
            chunks[index].reset()
        }
        group.i64(2, total)
        group.i64(3, Int64(rowGroupRows))
        group.endStruct()
        rowGroups.append(group.bytes)
        rowGroupRows = 0
    }

    private static func physicalType(_ kind: ParquetColumn.Kind) -> Int32 {
        switch kind {
        case .boolean: 0
        case .int64, .timestampMicros: 2
        case .double: 5
        case .string: 6
        }
    }

    private static func writeSchemaElement(_ column: ParquetColumn, to thrift: inout ThriftCompactWriter) {
        thrift.beginStructValue()
        thrift.i32(1, physicalType(column.kind))
        thrift.i32(3, column.isNullable ? 1 : 0)  // OPTIONAL : REQUIRED
        thrift.string(4, column.name)
        switch column.kind {
        case .string:
            thrift.i32(6, 0)  // converted type UTF8
            thrift.beginStruct(10)
            thrift.beginStruct(1)  // STRING
            thrift.endStruct()
            thrift.endStruct()
        case .timestampMicros:
            thrift.i32(6, 10)  // converted type TIMESTAMP_MICROS
            thrift.beginStruct(10)
            thrift.beginStruct(8)  // TIMESTAMP
            thrift.bool(1, true)  // isAdjustedToUTC
            thrift.beginStruct(2)  // unit
            thrift.beginStruct(2)  // MICROS
            thrift.endStruct()
            thrift.endStruct()
            thrift.endStruct()
            thrift.endStruct()
        case .int64, .double, .boolean:
            break
        }
        thrift.endStruct()
    }
}
