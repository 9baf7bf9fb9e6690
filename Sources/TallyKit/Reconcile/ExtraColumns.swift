import TallyFormats

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
    /// written by ``json(_:)``) gives way to the incoming. In a same-version `tie`, a column both
    /// sides carry keeps the value ``SameVersionTie`` picks.
    static func merge(stored: String?, incoming: String?, tie: Bool = false) -> String? {
        guard let incoming else { return stored }
        guard let stored, stored != incoming, var merged = parse(stored), let laid = parse(incoming) else { return incoming }
        var position: [String: Int] = [:]
        for (index, field) in merged.enumerated() { position[field.name] = index }
        for field in laid {
            if let index = position[field.name] {
                if !(tie && SameVersionTie.keepsStored(merged[index].value, over: field.value)) { merged[index].value = field.value }
            } else {
                position[field.name] = merged.count
                merged.append(field)
            }
        }
        return json(merged)
    }

    /// The columns of a JSON object, in order, read as the JSON reader reads a record (as
    /// ``RejectStore`` reads a reject's raw row); nil for text that is not one.
    static func parse(_ text: String) -> [ExtraField]? {
        let reader = JSONRecordReader(source: MemoryByteSource(text, name: "_extra"))
        guard case .record(let record)? = try? reader.next() else { return nil }
        return record.fields.map { ExtraField(name: $0, value: $1) }
    }
}
