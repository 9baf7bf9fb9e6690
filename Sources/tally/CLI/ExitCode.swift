import TallyKit

/// Tally's exit codes, chosen so cron and scripts can tell outcomes apart (sysexits where they fit).
enum ExitCode: Int32 {
    /// Committed and clean.
    case success = 0
    /// Failed: nothing committed.
    case failure = 1
    /// Bad command line (EX_USAGE).
    case usage = 64
    /// Committed, with rejects or conflicts to look at (EX_DATAERR).
    case dataIssues = 65
    /// An input is missing or unreadable (EX_NOINPUT).
    case noInput = 66
    /// Another run holds the store's lock (EX_TEMPFAIL).
    case locked = 75

    /// How a job ended, as cron sees it.
    init(_ exit: JobExit) {
        self = switch exit {
        case .clean: .success
        case .dataIssues: .dataIssues
        case .inputMissing: .noInput
        case .failed: .failure
        case .locked: .locked
        case .usage: .usage
        }
    }
}
