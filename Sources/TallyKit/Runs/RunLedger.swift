import Foundation
import TallyStore

/// One input of a run, as the ledger keeps it.
package struct RunInput: Sendable, Equatable, Codable {
    package var position: Int
    package var path: String
    package var size: Int64?
    package var sha256: String?
    package var format: String?
    package var counts: RunCounts
    /// Source columns the map did not know (kept on the records as extra), reported once.
    package var unknownColumns: [String] = []
    /// Where the run kept a copy of the input, for reruns (nil once pruned).
    package var storedPath: String?
    /// Rows recognised as unchanged by their input hash before mapping (part of
    /// `counts.unchanged`; not stored: it says how the run went, not what it did).
    package var unchangedBeforeMapping = 0

    enum CodingKeys: String, CodingKey {
        case position, path, size, sha256, format, counts, unknownColumns, storedPath
    }

    package init(position: Int, path: String, size: Int64?, sha256: String?, format: String?, counts: RunCounts = RunCounts()) {
        self.position = position
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.format = format
        self.counts = counts
    }
}

/// A run as the ledger keeps it.
package struct RunRecord: Sendable, Equatable {
    package var id: Int64
    package var kind: RunKind
    package var entity: String?
    package var source: String?
    package var status: RunStatus
    package var command: String
    package var startedAt: String
    package var finishedAt: String?
    package var parentRun: Int64?
    package var counts: RunCounts
    package var message: String?
}

/// `runs --json` prints one a line; `show --json` nests it.
extension RunRecord: JSONOutput {
    private enum CodingKeys: String, CodingKey {
        case id, kind, entity, source, status, startedAt = "started_at", finishedAt = "finished_at"
        case parentRun = "parent_run", command, message, counts
    }
}

/// The run ledger: every run's id, command, status, times and counts, and its inputs.
///
/// A run row is written in its own small transaction before the run's data, so a run that dies
/// leaves a `running` row behind (later marked `abandoned`), and a failed run is recorded even
/// though its data was rolled back.
package struct RunLedger {
    let connection: Connection

    package init(_ database: TallyDatabase) { connection = database.connection }

    /// Writes `runs.request` with its keys sorted: a plain `JSONEncoder`'s order varies from
    /// process to process, and the same request must be stored as the same text.
    static var requestEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    /// Records the start of a run and returns its id. The row commits at once in a transaction
    /// of its own, unless `inTransaction` says the caller's transaction holds it (dry runs).
    package func begin(kind: RunKind, entity: String?, source: String?, command: String, parentRun: Int64? = nil,
                      settings: RunSettings? = nil, inTransaction: Bool = false) throws -> Int64 {
        let request = try settings.map { String(decoding: try Self.requestEncoder.encode($0), as: UTF8.self) }
        let insert = { [connection] () throws -> Int64 in
            try connection.run(
                "INSERT INTO runs (kind, entity, source, status, command, started_at, parent_run, pid, request) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                [.text(kind.rawValue), entity.sqlValue, source.sqlValue, .text(command), .text(Timestamp.now()),
                 parentRun.map(SQLValue.integer) ?? .null, .integer(Int64(getpid())), request.sqlValue])
            return connection.lastInsertRowID
        }
        return inTransaction ? try insert() : try connection.transaction { try insert() }
    }

    /// Writes an input's row (call inside the run's transaction, so it commits with the data).
    package func record(_ input: RunInput, run: Int64) throws {
        var values: [SQLValue] = [.integer(run), .integer(Int64(input.position)), .text(input.path),
                                  input.size.map(SQLValue.integer) ?? .null, input.sha256.sqlValue, input.format.sqlValue]
        let c = input.counts
        values += RunCounts.Field.rows.map { .integer(Int64(c[$0])) }
        values.append(input.unknownColumns.isEmpty ? .null : .text("[" + input.unknownColumns.map(JSON.quote).joined(separator: ",") + "]"))
        values.append(input.storedPath.sqlValue)
        try connection.run("""
            INSERT OR REPLACE INTO run_inputs (run, position, path, size, sha256, format, \(Self.inputCountColumns), unknown_columns, stored_path)
            VALUES (?, ?, ?, ?, ?, ?, \(RunCounts.Field.rows.map { _ in "?" }.joined(separator: ", ")), ?, ?)
            """, values)
    }

    /// Sets a run's final status, counts and message, and the range of the audit rows it wrote
    /// (`audit`, taken when its write transaction began; nil for a run that wrote nothing).
    package func finish(run: Int64, status: RunStatus, counts: RunCounts, message: String? = nil, timings: String? = nil,
                       audit: AuditSpan?) throws {
        try audit?.record(run: run, connection: connection)
        var values: [SQLValue] = [.text(status.rawValue), .text(Timestamp.now()), message.sqlValue, timings.sqlValue]
        values += RunCounts.Field.allCases.map { .integer(Int64(counts[$0])) }
        values.append(.integer(run))
        try connection.run("""
            UPDATE runs SET status = ?, finished_at = ?, message = ?, timings = coalesce(?, timings),
              \(RunCounts.Field.allCases.map { "\($0.name) = ?" }.joined(separator: ", "))
            WHERE id = ?
            """, values)
    }

    /// Links a run to the run it follows up (a fed-back reject export's run).
    package func setParent(run: Int64, parent: Int64) throws {
        try connection.run("UPDATE runs SET parent_run = ? WHERE id = ?", [.integer(parent), .integer(run)])
    }

    /// Sets a run's status alone (a rolled-back run).
    package func setStatus(run: Int64, _ status: RunStatus) throws {
        try connection.run("UPDATE runs SET status = ? WHERE id = ?", [.text(status.rawValue), .integer(run)])
    }

    /// The settings a run was started with, for reruns.
    package func settings(run: Int64) throws -> RunSettings? {
        guard let text = try connection.scalar("SELECT request FROM runs WHERE id = ?", [.integer(run)]).text else { return nil }
        return try JSONDecoder().decode(RunSettings.self, from: Data(text.utf8))
    }

    /// Finishes a run in a transaction of its own (for failures after the data was rolled back).
    package func finishSeparately(run: Int64, status: RunStatus, counts: RunCounts, message: String?) throws {
        try connection.transaction { try finish(run: run, status: status, counts: counts, message: message, audit: nil) }
    }

    /// Whether a committed run of the entity and source imported an input of exactly this size.
    package func hasCommittedInput(size: Int64, entity: String, source: String) throws -> Bool {
        try !connection.scalar("""
            SELECT 1 FROM run_inputs i JOIN runs r ON r.id = i.run
            WHERE i.size = ? AND r.entity = ? AND r.source = ? AND r.status = 'committed' LIMIT 1
            """, [.integer(size), .text(entity), .text(source)]).isNull
    }

    /// The committed run (if any) that already imported a file with this SHA-256 for the entity
    /// and source, in the same mode: a snapshot is only the same as an earlier snapshot (an
    /// earlier delta import of the same file retired nothing).
    package func committedRun(sha256: String, entity: String, source: String, snapshot: Bool = false) throws -> Int64? {
        try connection.scalar("""
            SELECT r.id FROM run_inputs i JOIN runs r ON r.id = i.run
            WHERE i.sha256 = ? AND r.entity = ? AND r.source = ? AND r.status = 'committed'
              AND (json_extract(r.request, '$.snapshot') IS NOT NULL) = ?
            ORDER BY r.id LIMIT 1
            """, [.text(sha256), .text(entity), .text(source), .integer(snapshot ? 1 : 0)]).integer
    }

    static let runColumns = "id, kind, entity, source, status, command, started_at, finished_at, parent_run, message, "
        + RunCounts.Field.allCases.map(\.name).joined(separator: ", ")
    /// An input's counts, as `run_inputs` names them.
    static let inputCountColumns = RunCounts.Field.rows.map(\.name).joined(separator: ", ")

    /// One run, or nil.
    package func run(_ id: Int64) throws -> RunRecord? {
        try runs(where: "id = ?", [.integer(id)]).first
    }

    /// The newest `limit` runs, only those with `status` and of `job` when given, newest first.
    package func runs(status: RunStatus? = nil, job: String? = nil, limit: Int = 1_000_000) throws -> [RunRecord] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
        if let job { conditions.append("job_run IN (SELECT id FROM job_runs WHERE job = ?)"); values.append(.text(job)) }
        return try runs(where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), values, limit: limit)
    }

    /// The runs derived from `run` (reruns), newest first.
    package func runs(derivedFrom run: Int64) throws -> [RunRecord] {
        try runs(where: "parent_run = ?", [.integer(run)])
    }

    /// Runs matching a condition built here from Kit's own words, newest first.
    private func runs(where condition: String, _ values: [SQLValue], limit: Int = 1_000_000) throws -> [RunRecord] {
        var result: [RunRecord] = []
        try connection.forEachRow("SELECT \(Self.runColumns) FROM runs WHERE \(condition) ORDER BY id DESC LIMIT \(limit)", values) { row in
            var counts = RunCounts()
            for (offset, field) in RunCounts.Field.allCases.enumerated() { counts[field] = Int(row.int64(Int32(10 + offset))) }
            result.append(RunRecord(
                id: row.int64(0), kind: RunKind(rawValue: row.text(1) ?? "") ?? .import, entity: row.text(2), source: row.text(3),
                status: RunStatus(rawValue: row.text(4) ?? "") ?? .failed, command: row.text(5) ?? "",
                startedAt: row.text(6) ?? "", finishedAt: row.text(7),
                parentRun: row.isNull(8) ? nil : row.int64(8), counts: counts, message: row.text(9)))
        }
        return result
    }

    /// A run's inputs in order.
    package func inputs(run: Int64) throws -> [RunInput] {
        var result: [RunInput] = []
        try connection.forEachRow("""
            SELECT position, path, size, sha256, format, \(Self.inputCountColumns), stored_path, unknown_columns
            FROM run_inputs WHERE run = ? ORDER BY position
            """, [.integer(run)]) { row in
            var counts = RunCounts()
            for (offset, field) in RunCounts.Field.rows.enumerated() { counts[field] = Int(row.int64(Int32(5 + offset))) }
            let after = Int32(5 + RunCounts.Field.rows.count)
            var input = RunInput(position: Int(row.int64(0)), path: row.text(1) ?? "",
                                 size: row.isNull(2) ? nil : row.int64(2), sha256: row.text(3), format: row.text(4), counts: counts)
            input.storedPath = row.text(after)
            if let unknown = row.text(after + 1) {
                input.unknownColumns = (try? JSONDecoder().decode([String].self, from: Data(unknown.utf8))) ?? []
            }
            result.append(input)
        }
        return result
    }
}
