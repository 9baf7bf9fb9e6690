/// One column's share of the row group being written: its finished data pages (header and body,
/// PLAIN values, definition levels when the column is nullable) and its statistics.
struct ParquetColumnChunk {
    let column: ParquetColumn
    /// Finished pages, each a Thrift `PageHeader` followed by its body.
    private(set) var pages: [UInt8] = []
    private var values: [UInt8] = []
    private var levels: [UInt8] = []
    private var pageValueCount = 0
    /// Booleans are bit-packed: bits of the byte being filled.
    private var bitCount = 0
    private(set) var valueCount = 0
    private(set) var nullCount = 0
    private var minimum: ParquetValue?
    private var maximum: ParquetValue?

    init(column: ParquetColumn) { self.column = column }

    /// Bytes held, to bound the row group.
    var bufferedBytes: Int { pages.count + values.count + levels.count }

    /// Appends one value; `value` must be null or of the column's kind (the writer checks).
    mutating func append(_ value: ParquetValue) {
        valueCount += 1
        pageValueCount += 1
        switch value {
        case .null:
            nullCount += 1
            levels.append(0)
            return
        case .int64(let number):
            withUnsafeBytes(of: number.littleEndian) { values.append(contentsOf: $0) }
        case .double(let number):
            withUnsafeBytes(of: number.bitPattern.littleEndian) { values.append(contentsOf: $0) }
        case .boolean(let flag):
            if bitCount % 8 == 0 { values.append(0) }
            if flag { values[values.count - 1] |= 1 << UInt8(bitCount % 8) }
            bitCount += 1
        case .string(let text):
            withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { values.append(contentsOf: $0) }
            values.append(contentsOf: text.utf8)
        }
        if column.isNullable { levels.append(1) }
        if minimum.map({ value.precedes($0) }) ?? !value.isNaN { minimum = value }
        if maximum.map({ $0.precedes(value) }) ?? !value.isNaN { maximum = value }
    }

    /// Ends the current page once it holds `limit` bytes or more.
    mutating func endPage(ifLargerThan limit: Int) {
        if values.count + levels.count >= limit { endPage() }
    }

    /// Writes the current page (if it holds any value) into ``pages``.
    mutating func endPage() {
        guard pageValueCount > 0 else { return }
        var body: [UInt8] = []
        if column.isNullable {
            let encoded = RLEHybrid.encode(bits: levels)
            withUnsafeBytes(of: UInt32(encoded.count).littleEndian) { body.append(contentsOf: $0) }
            body.append(contentsOf: encoded)
        }
        body.append(contentsOf: values)
        var header = ThriftCompactWriter()
        header.i32(1, 0)  // DATA_PAGE
        header.i32(2, Int32(body.count))  // uncompressed size
        header.i32(3, Int32(body.count))  // compressed size (UNCOMPRESSED)
        header.beginStruct(5)  // DataPageHeader
        header.i32(1, Int32(pageValueCount))
        header.i32(2, ParquetEncoding.plain)
        header.i32(3, ParquetEncoding.rle)
        header.i32(4, ParquetEncoding.rle)
        header.endStruct()
        header.finish()
        pages.append(contentsOf: header.bytes)
        pages.append(contentsOf: body)
        values.removeAll(keepingCapacity: true)
        levels.removeAll(keepingCapacity: true)
        pageValueCount = 0
        bitCount = 0
    }

    /// The chunk's `Statistics`: null count, and min/max unless a bound is longer than
    /// `ParquetWriter.maxStatisticsBytes` (as Arrow does, rather than truncating it).
    func writeStatistics(_ thrift: inout ThriftCompactWriter, id: Int) {
        thrift.beginStruct(id)
        thrift.i64(3, Int64(nullCount))
        if let minimum, let maximum {
            let (low, high) = (minimum.statisticsBytes, maximum.statisticsBytes)
            if low.count <= ParquetWriter.maxStatisticsBytes && high.count <= ParquetWriter.maxStatisticsBytes {
                thrift.binary(5, high)  // max_value
                thrift.binary(6, low)  // min_value
            }
        }
        thrift.endStruct()
    }

    /// Starts the next row group's chunk.
    mutating func reset() {
        pages.removeAll(keepingCapacity: false)
        valueCount = 0
        nullCount = 0
        minimum = nil
        maximum = nil
    }
}

/// Parquet's `Encoding` codes used here.
enum ParquetEncoding {
    static let plain: Int32 = 0
    static let rle: Int32 = 3
}

/// The RLE / bit-packed hybrid encoding of bit-width-1 levels: groups of 8 equal levels extend a
/// run, mixed groups are bit-packed, and a tail shorter than a group is written as runs.
enum RLEHybrid {
    static func encode(bits levels: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var runValue: UInt8 = 0
        var runLength = 0
        var packed: [UInt8] = []
        func varint(_ value: Int) {
            var rest = value
            while rest >= 0x80 {
                out.append(UInt8(rest & 0x7F) | 0x80)
                rest >>= 7
            }
            out.append(UInt8(rest))
        }
        func flushRun() {
            guard runLength > 0 else { return }
            varint(runLength << 1)
            out.append(runValue)
            runLength = 0
        }
        func flushPacked() {
            guard !packed.isEmpty else { return }
            varint(packed.count << 1 | 1)  // groups of 8 values, one byte each at width 1
            out.append(contentsOf: packed)
            packed.removeAll(keepingCapacity: true)
        }
        var index = 0
        while index + 8 <= levels.count {
            let group = levels[index..<index + 8]
            let first = group.first!
            if group.allSatisfy({ $0 == first }) {
                flushPacked()
                if runLength > 0 && runValue != first { flushRun() }
                runValue = first
                runLength += 8
            } else {
                flushRun()
                var byte: UInt8 = 0
                for (bit, level) in group.enumerated() where level != 0 { byte |= 1 << UInt8(bit) }
                packed.append(byte)
            }
            index += 8
        }
        flushPacked()
        for level in levels[index...] {
            if runLength > 0 && runValue != level { flushRun() }
            runValue = level
            runLength += 1
        }
        flushRun()
        return out
    }
}

extension ParquetValue {
    /// The order of Parquet's statistics: signed for numbers, false < true, unsigned bytes for text.
    func precedes(_ other: ParquetValue) -> Bool {
        switch (self, other) {
        case (.int64(let a), .int64(let b)): a < b
        case (.double(let a), .double(let b)): a < b || (a == 0 && b == 0 && a.sign == .minus && b.sign == .plus)
        case (.boolean(let a), .boolean(let b)): !a && b
        case (.string(let a), .string(let b)): a.utf8.lexicographicallyPrecedes(b.utf8)
        default: false
        }
    }

    var isNaN: Bool {
        if case .double(let number) = self { number.isNaN } else { false }
    }

    /// The value PLAIN-encoded, as statistics carry it.
    var statisticsBytes: [UInt8] {
        switch self {
        case .null: []
        case .int64(let number): withUnsafeBytes(of: number.littleEndian) { Array($0) }
        case .double(let number): withUnsafeBytes(of: number.bitPattern.littleEndian) { Array($0) }
        case .boolean(let flag): [flag ? 1 : 0]
        case .string(let text): Array(text.utf8)
        }
    }
}
