/// What became of one job input: the status its run ended in, or why it has none.
package enum JobInputStatus: String, Sendable, Encodable, CustomStringConvertible {
    case committed, skipped, failed
    case dryRun = "dry_run"
    /// A named input file was not there.
    case missing
    /// An earlier input failed and the job stops on error.
    case notRun = "not_run"

    /// The status of an import that ran: it ends committed, skipped, dry run or failed.
    package init(_ status: RunStatus) {
        switch status {
        case .committed: self = .committed
        case .skipped: self = .skipped
        case .dryRun: self = .dryRun
        case .failed, .running, .rolledBack, .abandoned: self = .failed
        }
    }

    package var description: String { rawValue }
}
