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

    /// `read = inserted + updated + unchanged + skipped_stale + rejected`.
    public var isConserved: Bool {
        read == inserted + updated + unchanged + skippedStale + rejected
    }

    public static func + (lhs: RunCounts, rhs: RunCounts) -> RunCounts {
        var sum = lhs
        sum.read += rhs.read
        sum.inserted += rhs.inserted
        sum.updated += rhs.updated
        sum.unchanged += rhs.unchanged
        sum.skippedStale += rhs.skippedStale
        sum.rejected += rhs.rejected
        sum.warnings += rhs.warnings
        sum.conflicts += rhs.conflicts
        sum.retired += rhs.retired
        sum.recovered += rhs.recovered
        return sum
    }

    /// The counts as ordered (name, value) pairs, under the names the CLI and store use.
    public var named: [(String, Int)] {
        [("read", read), ("inserted", inserted), ("updated", updated), ("unchanged", unchanged),
         ("skipped_stale", skippedStale), ("rejected", rejected), ("warnings", warnings),
         ("conflicts", conflicts), ("retired", retired), ("recovered", recovered)]
    }

    /// Builds counts from named values (missing names are 0).
    public init(named values: [String: Int]) {
        read = values["read"] ?? 0
        inserted = values["inserted"] ?? 0
        updated = values["updated"] ?? 0
        unchanged = values["unchanged"] ?? 0
        skippedStale = values["skipped_stale"] ?? 0
        rejected = values["rejected"] ?? 0
        warnings = values["warnings"] ?? 0
        conflicts = values["conflicts"] ?? 0
        retired = values["retired"] ?? 0
        recovered = values["recovered"] ?? 0
    }
}
