/// What a run (or one of its inputs) did with the rows it read.
///
/// Conservation: every row read is counted exactly once, as inserted, updated, unchanged,
/// skipped as stale, or rejected. ``isConserved`` checks it; a run that breaks it fails.
public struct RunCounts: Sendable, Equatable, Codable {
    public var read = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var skippedStale = 0
    public var rejected = 0
    /// Findings of severity warning (the rows still loaded).
    public var warnings = 0
    /// Writes a rule refused (precedence, read-only fields), recorded as conflicts.
    public var conflicts = 0
    /// Records a snapshot retired.
    public var retired = 0
    /// Rows an earlier run rejected that this run accepted (reruns, reject round trips).
    public var recovered = 0

    public init() {}

    /// One count, under the name the CLI, the store's columns and the reports use; `allCases`
    /// is their order everywhere.
    public enum Field: String, CaseIterable, Sendable {
        case read, inserted, updated, unchanged
        case skippedStale = "skipped_stale"
        case rejected, warnings, conflicts, retired, recovered

        /// The counts every input row falls in exactly once (an input's own counts): `read`, then its parts.
        public static let rows: [Field] = [.read, .inserted, .updated, .unchanged, .skippedStale, .rejected]
        /// The counts an import's summary line shows (`Total: …`, the job log).
        public static let summary: [Field] = rows + [.warnings, .conflicts]

        public var name: String { rawValue }

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

    public subscript(field: Field) -> Int {
        get { self[keyPath: field.keyPath] }
        set { self[keyPath: field.keyPath] = newValue }
    }

    /// `read = inserted + updated + unchanged + skipped_stale + rejected`.
    public var isConserved: Bool {
        read == Field.rows.dropFirst().reduce(0) { $0 + self[$1] }
    }

    public static func + (lhs: RunCounts, rhs: RunCounts) -> RunCounts {
        var sum = lhs
        for field in Field.allCases { sum[field] += rhs[field] }
        return sum
    }

    /// The counts as ordered (name, value) pairs, under the names the CLI and store use.
    public var named: [(String, Int)] {
        Field.allCases.map { ($0.name, self[$0]) }
    }

    /// Builds counts from named values (missing names are 0).
    public init(named values: [String: Int]) {
        for field in Field.allCases { self[field] = values[field.name] ?? 0 }
    }

    /// The sentence the CLI and the job log print: `read 3, inserted 2, …`, `fields` in order.
    public func text(_ fields: [Field] = Field.summary) -> String {
        fields.map { "\($0.name) \(self[$0])" }.joined(separator: ", ")
    }
}
