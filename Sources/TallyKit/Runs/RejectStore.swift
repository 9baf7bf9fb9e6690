/// A rejected record as stewards see it: where it came from, every reason, and the row as read.
public struct RejectedRecord: Sendable, Equatable {
    public struct Reason: Sendable, Equatable {
        public var field: String?
        public var rule: String
        public var message: String
    }

    public var run: Int64
    public var entity: String?
    public var file: String
    public var line: Int?
    public var record: Int?
    public var reasons: [Reason]
    /// The raw record's columns in source order; empty when the row could not be read at all.
    public var columns: [(String, String?)]
    /// The row's text as read, for rows the reader could not split into columns.
    public var rawText: String?

    public static func == (lhs: RejectedRecord, rhs: RejectedRecord) -> Bool {
        lhs.run == rhs.run && lhs.file == rhs.file && lhs.record == rhs.record && lhs.reasons == rhs.reasons
            && lhs.columns.map(\.0) == rhs.columns.map(\.0) && lhs.columns.map(\.1) == rhs.columns.map(\.1)
    }
}

/// Reads rejected records back from the store, one per rejected row (its findings grouped).
public struct RejectStore {
    let connection: Connection

    public init(_ database: TallyDatabase) { connection = database.connection }

    /// Rejected records of `run` (or of every run), in run, input and record order.
    public func rejects(run: Int64? = nil) throws -> [RejectedRecord] {
        var result: [RejectedRecord] = []
        var condition = "f.rejected = 1"
        var values: [SQLValue] = []
        if let run { condition += " AND f.run = ?"; values.append(.integer(run)) }
        var lastKey: (Int64, Int64, Int64)?
        try connection.forEachRow("""
            SELECT f.run, r.entity, f.input, f.file, f.line, f.record, f.field, f.rule, f.message, f.raw, f.id
            FROM findings f JOIN runs r ON r.id = f.run
            WHERE \(condition) ORDER BY f.run, f.input, f.record, f.id
            """, values) { row in
            let key = (row.int64(0), row.int64(2), row.isNull(5) ? -row.int64(10) : row.int64(5))
            let reason = RejectedRecord.Reason(field: row.text(6), rule: row.text(7) ?? "", message: row.text(8) ?? "")
            if let lastKey, lastKey == key {
                result[result.count - 1].reasons.append(reason)
                return
            }
            lastKey = key
            let raw = row.text(9)
            var columns: [(String, String?)] = []
            var rawText: String?
            if let raw, raw.hasPrefix("{") {
                columns = Self.columns(ofJSONObject: raw)
            } else if let raw {
                rawText = Self.string(ofJSONString: raw)
            }
            result.append(RejectedRecord(
                run: row.int64(0), entity: row.text(1), file: row.text(3) ?? "",
                line: row.isNull(4) ? nil : Int(row.int64(4)), record: row.isNull(5) ? nil : Int(row.int64(5)),
                reasons: [reason], columns: columns, rawText: rawText))
        }
        return result
    }

    /// The (name, value) pairs of a stored raw-record JSON object, in order.
    static func columns(ofJSONObject text: String) -> [(String, String?)] {
        let reader = JSONRecordReader(source: MemoryByteSource(text, name: "raw"))
        guard case .record(let record)? = try? reader.next() else { return [] }
        return Array(record.fields)
    }

    /// The text of a stored JSON string literal.
    static func string(ofJSONString text: String) -> String? {
        let reader = JSONRecordReader(source: MemoryByteSource("{\"t\":" + text + "}", name: "raw"))
        guard case .record(let record)? = try? reader.next() else { return text }
        return record.values.first ?? nil
    }
}
