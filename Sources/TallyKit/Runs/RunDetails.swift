import Foundation
import TallyFormats
import TallyStore

/// Everything `tally show` says about a run.
package struct RunDetails: Sendable {
    /// Findings or conflicts grouped by rule or field, with a count and the first few rows.
    package struct Group: Sendable, Equatable {
        package var name: String
        package var count: Int
        package var examples: [String]
    }

    package var run: RunRecord
    package var inputs: [RunInput]
    package var rejectsByRule: [Group]
    package var warningsByRule: [Group]
    package var conflictsByField: [Group]
    package var timings: [(String, String)]
    package var derived: [RunRecord]

    /// How many example rows each group shows.
    package static let exampleCount = 3

    package static func load(run id: Int64, database: TallyDatabase) throws -> RunDetails? {
        let ledger = RunLedger(database)
        guard let run = try ledger.run(id) else { return nil }
        let connection = database.connection
        func findings(rejected: Int) throws -> [Group] {
            try connection.rows("SELECT rule, count(*) FROM findings WHERE run = ? AND rejected = ? GROUP BY rule ORDER BY count(*) DESC, rule",
                                [.integer(id), .integer(Int64(rejected))]).map { row in
                let rule = row[0].text ?? ""
                let examples = try connection.rows("""
                    SELECT file, line, coalesce(field, '-'), message, record FROM findings WHERE run = ? AND rejected = ? AND rule = ? ORDER BY id LIMIT \(exampleCount)
                    """, [.integer(id), .integer(Int64(rejected)), .text(rule)]).map { row in
                    let place = Provenance.place(file: row[0].text ?? "", line: row[1].integer.map(Int.init), record: row[4].integer.map(Int.init))
                    return "\(place) \(row[2].text ?? "-"): \(row[3].text ?? "")"
                }
                return Group(name: rule, count: Int(row[1].integer ?? 0), examples: examples)
            }
        }
        let conflicts = try connection.rows("SELECT field, count(*) FROM conflicts WHERE run = ? GROUP BY field ORDER BY count(*) DESC, field", [.integer(id)]).map { row in
            let field = row[0].text ?? ""
            let examples = try connection.rows("SELECT coalesce(key, '?'), rule, message FROM conflicts WHERE run = ? AND field = ? ORDER BY id LIMIT \(exampleCount)",
                                               [.integer(id), .text(field)]).map { "\($0[0].text ?? "") [\($0[1].text ?? "")]: \($0[2].text ?? "")" }
            return Group(name: field, count: Int(row[1].integer ?? 0), examples: examples)
        }
        var timings: [(String, String)] = []
        if let text = try connection.scalar("SELECT timings FROM runs WHERE id = ?", [.integer(id)]).text,
           let entries = try? JSONDecoder().decode([StageClock.Entry].self, from: Data(text.utf8)) {
            timings = entries.map { ($0.stage, String(format: "%.3f", $0.seconds)) }
        }
        return RunDetails(run: run, inputs: try ledger.inputs(run: id), rejectsByRule: try findings(rejected: 1),
                          warningsByRule: try findings(rejected: 0), conflictsByField: conflicts, timings: timings,
                          derived: try ledger.runs(derivedFrom: id).reversed())
    }

    package var json: String {
        func groups(_ list: [Group]) -> String {
            "[" + list.map { "{\"name\": \(JSON.quote($0.name)), \"count\": \($0.count), \"examples\": [\($0.examples.map(JSON.quote).joined(separator: ", "))]}" }.joined(separator: ", ") + "]"
        }
        let inputsJSON = inputs.map { input in
            "{\"position\": \(input.position), \"path\": \(JSON.quote(input.path)), \"sha256\": \(input.sha256.map(JSON.quote) ?? "null"), \"rows\": \(input.counts.read), \"kept\": \(input.storedPath != nil)}"
        }.joined(separator: ", ")
        let timingsJSON = timings.map { "\(JSON.quote($0.0)): \($0.1)" }.joined(separator: ", ")
        return "{\"run\": \(run.json), \"inputs\": [\(inputsJSON)], \"rejects_by_rule\": \(groups(rejectsByRule)), "
            + "\"warnings_by_rule\": \(groups(warningsByRule)), \"conflicts_by_field\": \(groups(conflictsByField)), "
            + "\"timings\": {\(timingsJSON)}, \"derived_runs\": [\(derived.map { String($0.id) }.joined(separator: ", "))]}"
    }
}

extension RunRecord {
    /// The run as one JSON object.
    package var json: String {
        let countsJSON = counts.named.map { "\(JSON.quote($0.0)): \($0.1)" }.joined(separator: ", ")
        return "{\"id\": \(id), \"kind\": \(JSON.quote(kind)), \"entity\": \(entity.map(JSON.quote) ?? "null"), \"source\": \(source.map(JSON.quote) ?? "null"), "
            + "\"status\": \(JSON.quote(status.rawValue)), \"started_at\": \(JSON.quote(startedAt)), \"finished_at\": \(finishedAt.map(JSON.quote) ?? "null"), "
            + "\"parent_run\": \(parentRun.map(String.init) ?? "null"), \"command\": \(JSON.quote(command)), \"message\": \(message.map(JSON.quote) ?? "null"), \"counts\": {\(countsJSON)}}"
    }
}
