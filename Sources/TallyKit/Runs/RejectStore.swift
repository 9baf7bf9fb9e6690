import TallyFormats
import TallyStore

/// A rejected record as stewards see it: where it came from, every reason, and the row as read.
package struct RejectedRecord: Sendable, Equatable {
    package struct Reason: Sendable, Equatable, Encodable {
        package var field: String?
        package var rule: String
        package var message: String
    }

    package var run: Int64
    package var entity: String?
    package var file: String
    package var line: Int?
    package var record: Int?
    /// Whether the row still waits for a person, and the later run that took it up, if any.
    package var status: RejectStatus = .outstanding
    package var followedUpIn: Int64?
    package var reasons: [Reason]
    /// The raw record's columns in source order; empty when the row could not be read at all.
    package var columns: [(String, String?)]
    /// The row's text as read, for rows the reader could not split into columns.
    package var rawText: String?

    package static func == (lhs: RejectedRecord, rhs: RejectedRecord) -> Bool {
        lhs.run == rhs.run && lhs.file == rhs.file && lhs.record == rhs.record && lhs.reasons == rhs.reasons
            && lhs.columns.map(\.0) == rhs.columns.map(\.0) && lhs.columns.map(\.1) == rhs.columns.map(\.1)
    }
}

/// Where a rejected row stands. A row is counted once, whatever number of reasons it has; a
/// later run that takes it up again (a rerun of its run, or its fixed reject export fed back)
/// settles it, unless that run is rolled back.
package enum RejectStatus: String, Sendable, CaseIterable {
    /// Nothing has taken it up yet: a person's to fix.
    case outstanding
    /// A later committed run accepted the row.
    case recovered
    /// A later committed run rejected it again: that run's reject stands for it.
    case rejectedAgain = "rejected_again"
    /// Its run was rolled back, so its rejection no longer stands.
    case rolledBack = "rolled_back"

    /// The statuses a later run (or a rollback) settled: no longer a person's to fix.
    package static let settled: [RejectStatus] = [.recovered, .rejectedAgain, .rolledBack]

    /// For people: `rejected again`.
    package var label: String {
        switch self {
        case .outstanding: "outstanding"
        case .recovered: "recovered"
        case .rejectedAgain: "rejected again"
        case .rolledBack: "rolled back"
        }
    }

    /// An SQL expression giving the status of the rejected finding aliased `f`.
    static func sql(_ f: String) -> String {
        """
        CASE WHEN (SELECT status FROM runs WHERE id = \(f).run) <> 'committed' THEN 'rolled_back' \
        WHEN (SELECT status FROM runs WHERE id = \(f).recovered_in_run) = 'committed' THEN 'recovered' \
        WHEN (SELECT status FROM runs WHERE id = \(f).retried_in_run) = 'committed' THEN 'rejected_again' \
        ELSE 'outstanding' END
        """
    }

    /// An SQL expression naming the rejected row of finding `f` once, whatever its reasons.
    static func rowKey(_ f: String) -> String {
        "printf('%d:%d:%d', \(f).run, \(f).input, coalesce(\(f).record, -\(f).id))"
    }
}

/// Records which later run took a rejected row up again, so `tally rejects`, `rejects_by_rule`
/// and the steward page tell outstanding rejects from recovered ones. Runs inside the run's
/// transaction, once at its end: nothing per row on the import's path.
struct RejectFollowUp {
    /// A row of a fed-back reject export: the run, file, line and record it was rejected at
    /// (`record` is nil in an export written before `_reject_record`).
    struct FedBack: Sendable {
        var run: Int64
        var file: String
        var line: Int?
        var record: Int?
        var accepted: Bool
    }

    let connection: Connection
    /// The run taking the rows up.
    let run: Int64

    /// A finding no committed run has followed up yet: a later run never takes over another's
    /// follow-up, so rolling the later one back leaves the earlier one standing.
    static let unsettled = "coalesce((SELECT status FROM runs WHERE id = coalesce(recovered_in_run, retried_in_run)), '') <> 'committed'"

    /// A rerun of `parent`: each row the parent (or an earlier rerun of it) rejected was read again,
    /// by the same input position and record number; it is recovered unless this run rejected it too.
    func rerun(of parent: Int64) throws {
        let earlier = "run IN (SELECT id FROM runs WHERE id = ?2 OR (kind = 'rerun' AND parent_run = ?2 AND id < ?1 AND status = 'committed'))"
        try connection.run("""
            UPDATE findings SET recovered_in_run = ?1, retried_in_run = NULL
            WHERE rejected = 1 AND record IS NOT NULL AND \(earlier) AND \(Self.unsettled)
            """, [.integer(run), .integer(parent)])
        try connection.run("""
            UPDATE findings SET recovered_in_run = NULL, retried_in_run = ?1
            WHERE rejected = 1 AND recovered_in_run = ?1
              AND (input, record) IN (SELECT input, record FROM findings WHERE run = ?1 AND rejected = 1)
            """, [.integer(run)])
    }

    /// Rows of a fed-back reject export, found by the run, file and record their `_reject_*`
    /// columns name (by line in an older export: records of a one-line JSON file share it).
    func fedBack(_ rows: [FedBack]) throws {
        for (parent, rows) in Dictionary(grouping: rows, by: \.run) {
            var byLine: [String: [Int64]] = [:], byRecord: [String: [Int64]] = [:]
            try connection.forEachRow("SELECT id, file, line, record FROM findings WHERE run = ? AND rejected = 1", [.integer(parent)]) { row in
                let file = row.text(1) ?? ""
                byLine[Self.place(file, row.isNull(2) ? nil : Int(row.int64(2))), default: []].append(row.int64(0))
                if !row.isNull(3) { byRecord[Self.place(file, Int(row.int64(3))), default: []].append(row.int64(0)) }
            }
            for row in rows {
                let ids = row.record.map { byRecord[Self.place(row.file, $0)] } ?? byLine[Self.place(row.file, row.line)]
                for id in ids ?? [] {
                    try connection.run("UPDATE findings SET recovered_in_run = ?, retried_in_run = ? WHERE id = ? AND \(Self.unsettled)", [
                        row.accepted ? .integer(run) : .null, row.accepted ? .null : .integer(run), .integer(id),
                    ])
                }
            }
        }
    }

    private static func place(_ file: String, _ line: Int?) -> String { file + "\u{0}" + (line.map(String.init) ?? "") }
}

/// Reads rejected records back from the store, one per rejected row (its findings grouped).
package struct RejectStore {
    let connection: Connection

    package init(_ database: TallyDatabase) { connection = database.connection }

    /// Rejected records of `run` (or of every run), in run, input and record order: the
    /// outstanding ones, or with `all` every one, whatever its status.
    package func rejects(run: Int64? = nil, all: Bool = true) throws -> [RejectedRecord] {
        var result: [RejectedRecord] = []
        var condition = "rejected = 1"
        var values: [SQLValue] = []
        if let run { condition += " AND run = ?"; values.append(.integer(run)) }
        if !all { condition += " AND status = 'outstanding'" }
        var lastKey: (Int64, Int64, Int64)?
        try connection.forEachRow("""
            SELECT * FROM (
                SELECT f.run, r.entity, f.input, f.file, f.line, f.record, f.field, f.rule, f.message, f.raw, f.id,
                       \(RejectStatus.sql("f")) AS status, coalesce(f.recovered_in_run, f.retried_in_run), f.rejected
                FROM findings f JOIN runs r ON r.id = f.run
            )
            WHERE \(condition) ORDER BY run, input, record, id
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
                status: RejectStatus(rawValue: row.text(11) ?? "") ?? .outstanding,
                followedUpIn: row.isNull(12) ? nil : row.int64(12),
                reasons: [reason], columns: columns, rawText: rawText))
        }
        return result
    }

    /// Rejected rows of `run` (or of every run) per status, each row once.
    package func counts(run: Int64? = nil) throws -> [RejectStatus: Int] {
        var counts: [RejectStatus: Int] = [:]
        for row in try connection.rows("""
            SELECT status, count(DISTINCT key) FROM (
                SELECT \(RejectStatus.sql("f")) AS status, \(RejectStatus.rowKey("f")) AS key
                FROM findings f WHERE f.rejected = 1 AND (?1 IS NULL OR f.run = ?1)
            )
            GROUP BY status ORDER BY status
            """, [run.map(SQLValue.integer) ?? .null]) {
            if let status = row[0].text.flatMap(RejectStatus.init(rawValue:)) { counts[status] = Int(row[1].integer ?? 0) }
        }
        return counts
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

extension RejectedRecord {
    /// Where the row was in its file: `file:line`, or `file record N` where lines say less.
    package var place: String { Provenance.place(file: file, line: line, record: record) }
}
