/// What reconciliation did with one record. Exactly one per row read, so the counts conserve.
package enum RecordOutcome: Sendable, Equatable {
    case inserted
    case updated(fields: [String])
    /// Nothing to write: the stored record already says this (or won a same-version tie).
    case unchanged
    /// Older than the stored record (`sys_updated_on`, then `sys_mod_count`): not applied.
    case skippedStale
    /// Not applied; the findings say why.
    case rejected([Finding])
}

extension RunCounts {
    /// Counts one record's outcome.
    package mutating func count(_ outcome: RecordOutcome) {
        read += 1
        switch outcome {
        case .inserted: inserted += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        case .skippedStale: skippedStale += 1
        case .rejected: rejected += 1
        }
    }
}
