/// The columns a map does not know, kept on the record as one flat JSON object (`_extra`) in
/// source order. An update merges them like fields: a column the input lacks keeps its stored
/// value, so a partial export never wipes what a fuller one kept.
enum ExtraColumns {
    /// The columns as a JSON object in source order, or nil when there are none.
    static func json(_ extra: [ExtraField]) -> String? {
        guard !extra.isEmpty else { return nil }
        return "{" + extra.map { JSON.quote($0.name) + ":" + ($0.value.map(JSON.quote) ?? "null") }.joined(separator: ",") + "}"
    }

    /// `stored` with `incoming`'s values laid over it: stored columns keep their order, new ones
    /// follow in the input's order. Nil input keeps the stored text; unreadable stored text (never
    /// written by ``json(_:)``) gives way to the incoming.
    static func merge(stored: String?, incoming: String?) -> String? {
        guard let incoming else { return stored }
        guard let stored, stored != incoming, var merged = parse(stored), let laid = parse(incoming) else { return incoming }
        var position: [String: Int] = [:]
        for (index, field) in merged.enumerated() { position[field.name] = index }
        for field in laid {
            if let index = position[field.name] {
                merged[index].value = field.value
            } else {
                position[field.name] = merged.count
                merged.append(field)
            }
        }
        return json(merged)
    }

    /// The columns of a flat object of strings and nulls, in order; nil for any other text.
    static func parse(_ text: String) -> [ExtraField]? {
        var reader = FlatObjectReader(bytes: Array(text.utf8))
        return reader.read()
    }
}

/// Reads `{"name": "value" | null, …}`, the only shape ``ExtraColumns/json(_:)`` writes.
private struct FlatObjectReader {
    let bytes: [UInt8]
    var index = 0

    mutating func read() -> [ExtraField]? {
        var fields: [ExtraField] = []
        guard consume(UInt8(ascii: "{")) else { return nil }
        if consume(UInt8(ascii: "}")) { return atEnd ? fields : nil }
        repeat {
            guard let name = string(), consume(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            if bytes[index...].starts(with: Array("null".utf8)) {
                index += 4
                fields.append(ExtraField(name: name, value: nil))
            } else {
                guard let value = string() else { return nil }
                fields.append(ExtraField(name: name, value: value))
            }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}")) && atEnd ? fields : nil
    }

    private var atEnd: Bool { skipSpaceIndex() == bytes.count }

    private func skipSpaceIndex() -> Int {
        var at = index
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
        return at
    }

    private mutating func skipSpace() { index = skipSpaceIndex() }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A JSON string literal with its escapes resolved.
    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars); run.removeAll() }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): run.append(escape)
                case UInt8(ascii: "b"): run.append(0x08)
                case UInt8(ascii: "f"): run.append(0x0C)
                case UInt8(ascii: "n"): run.append(0x0A)
                case UInt8(ascii: "r"): run.append(0x0D)
                case UInt8(ascii: "t"): run.append(0x09)
                case UInt8(ascii: "u"):
                    guard var unit = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(unit), bytes[index...].starts(with: Array("\\u".utf8)) {
                        index += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(unit) else { return nil }
                    flush()
                    scalars.append(scalar)
                default: return nil
                }
            default:
                run.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else { return nil }
        index += 4
        return value
    }
}
