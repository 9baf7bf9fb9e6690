/// Where a run stands. Stored as its raw value.
package enum RunStatus: String, Sendable, Codable, CaseIterable {
    /// Started and not finished; a `running` run whose process is gone is `abandoned`.
    case running
    case committed
    /// Failed: its data was rolled back; the run row stays as a record of the attempt.
    case failed
    /// A later rollback undid it.
    case rolledBack = "rolled_back"
    /// Every input was already committed; nothing to do.
    case skipped
    /// Its process died before it finished; nothing of it was committed.
    case abandoned
    /// Reported for `--dry-run`; never stored.
    case dryRun = "dry_run"
}
