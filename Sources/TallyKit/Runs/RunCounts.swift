/// What a run (or one of its inputs) did with the rows it read.
///
/// Conservation: every row read is counted exactly once, as inserted, updated, unchanged,
/// skipped as stale, or rejected. ``isConserved`` checks it; a run that breaks it fails.
package struct RunCounts: Sendable, Equatable, Codable {
    package var read = 0
    package var inserted = 0
    package var updated = 0
    package var unchanged = 0
    package var skippedStale = 0
    package var rejected = 0
    /// Findings of severity warning (the rows still loaded).
    package var warnings = 0
    /// Writes a rule refused (precedence, read-only fields), recorded as conflicts.
    package var conflicts = 0
    /// Records a snapshot retired.
    package var retired = 0
    /// Rows an earlier run rejected that this run accepted (reruns, reject round trips).
    package var recovered = 0

    package init() {}

    /// One count, under the name the CLI, the store's columns and the reports use; `allCases`
    /// is their order everywhere.
    package enum Field: String, CaseIterable, Sendable, CodingKey {
        case read, inserted, updated, unchanged
        case skippedStale = "skipped_stale"
        case rejected, warnings, conflicts, retired, recovered

        /// The counts every input row falls in exactly once (an input's own counts): `read`, then its parts.
        package static let rows: [Field] = [.read, .inserted, .updated, .unchanged, .skippedStale, .rejected]
        /// The counts an import's summary line shows (`Total: …`, the job log).
        package static let summary: [Field] = rows + [.warnings, .conflicts]

        package var name: String { rawValue }

        var keyPath: WritableKeyPath<RunCounts, Int> {
            switch self {
            case .read: \.read
            case .inserted: \.inserted
            case .updated: \.updated
            case .unchanged: \.unchanged
            case .skippedStale: \.skippedStale
            case .rejected: \.rejected
            case .warnings: \.warnings
            case .conflicts: \.conflicts
            case .retired: \.retired
            case .recovered: \.recovered
            }
        }
    }

    package subscript(field: Field) -> Int {
        get { self[keyPath: field.keyPath] }
        set { self[keyPath: field.keyPath] = newValue }
    }

    /// `read = inserted + updated + unchanged + skipped_stale + rejected`.
    package var isConserved: Bool {
        read == Field.rows.dropFirst().reduce(0) { $0 + self[$1] }
    }

    package static func + (lhs: RunCounts, rhs: RunCounts) -> RunCounts {
        var sum = lhs
        for field in Field.allCases { sum[field] += rhs[field] }
        return sum
    }

    /// The counts as ordered (name, value) pairs, under the names the CLI and store use.
    package var named: [(String, Int)] {
        Field.allCases.map { ($0.name, self[$0]) }
    }

    /// Builds counts from named values (missing names are 0).
    package init(named values: [String: Int]) {
        for field in Field.allCases { self[field] = values[field.name] ?? 0 }
    }

    /// The sentence the CLI and the job log print: `read 3, inserted 2, …`, `fields` in order.
    package func text(_ fields: [Field] = Field.summary) -> String {
        fields.map { "\($0.name) \(self[$0])" }.joined(separator: ", ")
    }
}
