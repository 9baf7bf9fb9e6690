import TallyFormats

/// A Thrift compact-protocol value, decoded without a schema (tests only).
enum ThriftValue: Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure([Int: ThriftValue])

    subscript(_ id: Int) -> ThriftValue? {
        if case .structure(let fields) = self { fields[id] } else { nil }
    }

    var int: Int64? { if case .int(let n) = self { n } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var bytes: [UInt8]? { if case .binary(let b) = self { b } else { nil } }
    var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
    var list: [ThriftValue] { if case .list(let l) = self { l } else { [] } }
}

struct ReaderError: Error, CustomStringConvertible {
    var description: String
}

/// Reads Thrift compact structs from bytes (tests only: the product only writes them).
struct ThriftCompactReader {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw ReaderError(description: "Thrift: read past the end at \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func zigzag() throws -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func structure() throws -> ThriftValue {
        var fields: [Int: ThriftValue] = [:]
        var last = 0
        while true {
            let header = try byte()
            if header == 0 { return .structure(fields) }
            let type = header & 0x0F
            let delta = Int(header >> 4)
            let id = delta == 0 ? Int(try zigzag()) : last + delta
            last = id
            fields[id] = try value(type: type)
        }
    }

    mutating func value(type: UInt8) throws -> ThriftValue {
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(try zigzag())
        case 7:
            var raw: UInt64 = 0
            for shift in 0..<8 { raw |= UInt64(try byte()) << (8 * UInt64(shift)) }
            return .double(Double(bitPattern: raw))
        case 8:
            let count = Int(try varint())
            guard position + count <= bytes.count else { throw ReaderError(description: "Thrift: binary past the end") }
            defer { position += count }
            return .binary(Array(bytes[position..<position + count]))
        case 9, 10:
            let header = try byte()
            let count = header >> 4 == 15 ? Int(try varint()) : Int(header >> 4)
            let element = header & 0x0F
            var items: [ThriftValue] = []
            for _ in 0..<count {
                if element == 1 || element == 2 { items.append(.bool(try byte() == 1)) } else { items.append(try value(type: element)) }
            }
            return .list(items)
        case 12: return try structure()
        default: throw ReaderError(description: "Thrift: type \(type) not supported at \(position)")
        }
    }
}

/// A Parquet file as the test reader understands it: flat schema, data page v1, PLAIN values,
/// RLE/bit-packed definition levels, uncompressed — what ``ParquetWriter`` writes, checked strictly.
struct ParquetTestFile {
    let metadata: ThriftValue
    /// Leaf schema elements, in column order.
    let schema: [ThriftValue]
    /// Every column's values, row groups concatenated.
    var values: [[ParquetValue]] = []
    /// Data pages read, per row group and column.
    var pageCounts: [[Int]] = []

    var rowGroups: [ThriftValue] { metadata[4]?.list ?? [] }
    var names: [String] { schema.map { $0[4]?.string ?? "" } }

    init(_ bytes: [UInt8]) throws {
        let magic = Array("PAR1".utf8)
        guard bytes.count >= 12, Array(bytes.prefix(4)) == magic, Array(bytes.suffix(4)) == magic else {
            throw ReaderError(description: "no PAR1 at both ends")
        }
        let lengthStart = bytes.count - 8
        let length = Int(bytes[lengthStart]) | Int(bytes[lengthStart + 1]) << 8 | Int(bytes[lengthStart + 2]) << 16 | Int(bytes[lengthStart + 3]) << 24
        var reader = ThriftCompactReader(bytes, at: lengthStart - length)
        metadata = try reader.structure()
        guard reader.position == lengthStart else { throw ReaderError(description: "footer length \(length) does not match its content") }
        let elements = metadata[2]?.list ?? []
        guard let root = elements.first, root[5]?.int == Int64(elements.count - 1) else { throw ReaderError(description: "root has the wrong child count") }
        schema = Array(elements.dropFirst())
        values = Array(repeating: [], count: schema.count)
        for group in rowGroups {
            var counts: [Int] = []
            let chunks = group[1]?.list ?? []
            guard chunks.count == schema.count else { throw ReaderError(description: "a row group has \(chunks.count) chunks") }
            for (index, chunk) in chunks.enumerated() {
                guard let meta = chunk[3], let start = meta[9]?.int, let size = meta[7]?.int, let count = meta[5]?.int else {
                    throw ReaderError(description: "column chunk without metadata")
                }
                counts.append(try readChunk(bytes, from: Int(start), size: Int(size), values: Int(count), column: index))
            }
            pageCounts.append(counts)
        }
    }

    private mutating func readChunk(_ bytes: [UInt8], from start: Int, size: Int, values expected: Int, column: Int) throws -> Int {
        var position = start
        var pages = 0
        var read = 0
        let nullable = schema[column][3]?.int == 1
        let type = schema[column][1]?.int ?? -1
        while position < start + size {
            var reader = ThriftCompactReader(bytes, at: position)
            let header = try reader.structure()
            guard header[1]?.int == 0, let bodySize = header[3]?.int, header[2]?.int == bodySize, let page = header[5], let count = page[1]?.int else {
                throw ReaderError(description: "not an uncompressed data page v1")
            }
            var body = ThriftCompactReader(bytes, at: reader.position)
            let end = reader.position + Int(bodySize)
            var levels = Array(repeating: UInt8(1), count: Int(count))
            if nullable {
                var length = 0
                for shift in 0..<4 { length |= Int(try body.byte()) << (8 * shift) }
                levels = try Self.decodeLevels(Array(bytes[body.position..<body.position + length]), count: Int(count))
                body.position += length
            }
            var bit = 0
            for level in levels {
                guard level == 1 else {
                    values[column].append(.null)
                    continue
                }
                switch type {
                case 0:
                    let byte = bytes[body.position + bit / 8]
                    values[column].append(.boolean(byte >> UInt8(bit % 8) & 1 == 1))
                    bit += 1
                case 2, 5:
                    var raw: UInt64 = 0
                    for shift in 0..<8 { raw |= UInt64(try body.byte()) << (8 * UInt64(shift)) }
                    values[column].append(type == 2 ? .int64(Int64(bitPattern: raw)) : .double(Double(bitPattern: raw)))
                case 6:
                    var length = 0
                    for shift in 0..<4 { length |= Int(try body.byte()) << (8 * shift) }
                    values[column].append(.string(String(decoding: bytes[body.position..<body.position + length], as: UTF8.self)))
                    body.position += length
                default:
                    throw ReaderError(description: "physical type \(type) not expected")
                }
            }
            if type == 0 { body.position += (bit + 7) / 8 }
            guard body.position == end else { throw ReaderError(description: "page body has \(end - body.position) bytes left over") }
            position = end
            pages += 1
            read += Int(count)
        }
        guard position == start + size, read == expected else { throw ReaderError(description: "chunk size or value count wrong") }
        return pages
    }

    /// Decodes the RLE / bit-packed hybrid at bit width 1.
    static func decodeLevels(_ bytes: [UInt8], count: Int) throws -> [UInt8] {
        var reader = ThriftCompactReader(bytes)
        var levels: [UInt8] = []
        while reader.position < bytes.count {
            let header = try reader.varint()
            if header & 1 == 0 {
                let value = try reader.byte()
                levels += Array(repeating: value, count: Int(header >> 1))
            } else {
                for _ in 0..<Int(header >> 1) {
                    let byte = try reader.byte()
                    for bit in 0..<8 { levels.append(byte >> UInt8(bit) & 1) }
                }
            }
        }
        guard levels.count >= count, levels[count...].allSatisfy({ $0 == 0 }) else { throw ReaderError(description: "\(levels.count) levels for \(count) values") }
        return Array(levels.prefix(count))
    }
}
