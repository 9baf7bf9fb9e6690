/// One record exactly as the export holds it: ordered field names and their text values.
///
/// Values stay text: no type guessing, so leading zeros and long numbers survive. A value is
/// `nil` only where the format itself says null (JSON `null`, an XML element marked null);
/// an empty CSV field is `""`. Null tokens such as `?` are the mapping stage's business.
/// `names` is usually shared between the records of one file (copy-on-write), so it costs
/// nothing per record.
///
/// The CSV reader hands its values over packed (``PackedFields``: one buffer a record, not a
/// `String` a field), so a row that is only hashed and found unchanged never becomes strings.
/// Read values with ``value(at:)`` or ``withUTF8(at:_:)``; ``values`` makes every string at once.
public struct RawRecord: Sendable, Equatable {
    public var names: [String]
    public var provenance: Provenance
    private var storage: Storage

    private enum Storage: Sendable {
        case strings([String?])
        case packed(PackedFields)
    }

    public init(names: [String], values: [String?], provenance: Provenance) {
        precondition(names.count == values.count, "a record needs one value per name")
        self.names = names
        self.storage = .strings(values)
        self.provenance = provenance
    }

    public init(names: [String], packed: PackedFields, provenance: Provenance) {
        precondition(names.count == packed.count, "a record needs one value per name")
        self.names = names
        self.storage = .packed(packed)
        self.provenance = provenance
    }

    /// Every value, as strings (made on each call for a packed record: prefer ``value(at:)``).
    public var values: [String?] {
        get {
            switch storage {
            case .strings(let values): return values
            case .packed(let packed): return (0..<packed.count).map { packed.string(at: $0) }
            }
        }
        set { storage = .strings(newValue) }
    }

    /// The value at `index` (in ``names`` order).
    @inline(__always)
    public func value(at index: Int) -> String? {
        switch storage {
        case .strings(let values): return values[index]
        case .packed(let packed): return packed.string(at: index)
        }
    }

    /// Calls `body` with the UTF-8 bytes of the value at `index` (nil for a null), making no string
    /// when the record is packed.
    @inline(__always)
    public func withUTF8<Result>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        switch storage {
        case .strings(let values):
            guard var text = values[index] else { return body(nil) }
            return text.withUTF8 { body($0) }
        case .packed(let packed):
            return packed.withUTF8(at: index) { body($0) }
        }
    }

    /// Calls `body` with the UTF-8 bytes of each value in turn (nil for a null).
    @inline(__always)
    public func forEachUTF8(_ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
        switch storage {
        case .strings(let values):
            for value in values {
                guard var text = value else { body(nil); continue }
                text.withUTF8 { body($0) }
            }
        case .packed(let packed):
            packed.forEachUTF8 { body($0) }
        }
    }

    /// The value of the first field called `name`: `.none` when there is no such field,
    /// `.some(nil)` when the field is present and null.
    public subscript(name: String) -> String?? {
        guard let index = names.firstIndex(of: name) else { return .none }
        return .some(value(at: index))
    }

    /// The fields in source order.
    public var fields: Zip2Sequence<[String], [String?]> { zip(names, values) }

    public static func == (lhs: RawRecord, rhs: RawRecord) -> Bool {
        lhs.names == rhs.names && lhs.provenance == rhs.provenance && lhs.values == rhs.values
    }
}

/// A record's values in one buffer: the end offset of each value (a `UInt32` each), then the
/// values' UTF-8 bytes one after the other. Values are never null (CSV has no null) and are
/// valid UTF-8 (the reader checked each one).
public struct PackedFields: Sendable {
    private let storage: [UInt8]
    public let count: Int

    /// Packs `data`, whose value `i` ends at `ends[i]` (and starts where value `i - 1` ends).
    init(ends: UnsafeBufferPointer<UInt32>, data: UnsafeBufferPointer<UInt8>) {
        count = ends.count
        let header = ends.count * 4
        storage = [UInt8](unsafeUninitializedCapacity: header + data.count) { buffer, initialized in
            if header > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: ends.baseAddress!, byteCount: header) }
            if !data.isEmpty { (buffer.baseAddress! + header).update(from: data.baseAddress!, count: data.count) }
            initialized = header + data.count
        }
    }

    /// Calls `body` with the bytes of value `index`.
    @inline(__always)
    public func withUTF8<Result>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        precondition(index >= 0 && index < count, "no value \(index) in a record of \(count)")
        return storage.withUnsafeBufferPointer { buffer in
            let raw = UnsafeRawPointer(buffer.baseAddress!)
            let start = index == 0 ? 0 : Int(raw.loadUnaligned(fromByteOffset: (index - 1) * 4, as: UInt32.self))
            let end = Int(raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            return body(UnsafeBufferPointer(start: buffer.baseAddress! + count * 4 + start, count: end - start))
        }
    }

    /// Calls `body` with the bytes of each value in turn.
    @inline(__always)
    public func forEachUTF8(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        storage.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            let data = base + count * 4
            var start = 0
            for index in 0..<count {
                let end = Int(raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
                body(UnsafeBufferPointer(start: data + start, count: end - start))
                start = end
            }
        }
    }

    /// Value `index` as a string.
    public func string(at index: Int) -> String {
        withUTF8(at: index) { String(decoding: $0, as: UTF8.self) }
    }
}
