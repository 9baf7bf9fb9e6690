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
    /// Seconds per stage, in the order the stages ran.
    package var timings: [(String, FixedDecimal)]
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
        var timings: [(String, FixedDecimal)] = []
        if let text = try connection.scalar("SELECT timings FROM runs WHERE id = ?", [.integer(id)]).text,
           let entries = try? JSONDecoder().decode([StageClock.Entry].self, from: Data(text.utf8)) {
            timings = entries.map { ($0.stage, FixedDecimal($0.seconds, decimals: 3)) }
        }
        return RunDetails(run: run, inputs: try ledger.inputs(run: id), rejectsByRule: try findings(rejected: 1),
                          warningsByRule: try findings(rejected: 0), conflictsByField: conflicts, timings: timings,
                          derived: try ledger.runs(derivedFrom: id).reversed())
    }
}

extension RunDetails: JSONOutput {
    private enum CodingKeys: String, CodingKey {
        case run, inputs, rejectsByRule = "rejects_by_rule", warningsByRule = "warnings_by_rule"
        case conflictsByField = "conflicts_by_field", timings, derived = "derived_runs"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(inputs.map(Input.init), forKey: .inputs)
        try container.encode(rejectsByRule, forKey: .rejectsByRule)
        try container.encode(warningsByRule, forKey: .warningsByRule)
        try container.encode(conflictsByField, forKey: .conflictsByField)
        try container.encode(OrderedJSONObject(timings.map { (key: $0.0, value: $0.1) }), forKey: .timings)
        try container.encode(derived.map(\.id), forKey: .derived)
    }

    /// An input as `show` reports it: `kept` says whether a rerun can still read it.
    private struct Input: Encodable {
        var position: Int
        var path: String
        var sha256: String?
        var rows: Int
        var kept: Bool

        init(_ input: RunInput) {
            (position, path, sha256, rows, kept) = (input.position, input.path, input.sha256, input.counts.read, input.storedPath != nil)
        }
    }
}

extension RunDetails.Group: Encodable {}
