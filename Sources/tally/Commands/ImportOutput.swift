import TallyKit

/// Prints an import's (or rerun's) outcome and maps it to an exit code, the same way for both.
/// With --json the outcome is always the last line, even when the store could not be opened.
final class ImportOutput {
    let console: Console
    let json: Bool
    /// Whether the outcome line was printed (by ``report(_:)``).
    private var reported = false

    init(console: Console, json: Bool) {
        self.console = console
        self.json = json
    }

    /// Runs `body` (which opens the store and calls ``report(_:)``); a failure before the report
    /// (no store, not a Tally store, the lock held) still ends --json output with a failed outcome.
    func guarding(_ body: () throws -> ExitCode) throws -> ExitCode {
        do {
            return try body()
        } catch {
            if json && !reported {
                let message = (error as? CommandFailure)?.message ?? ErrorText.describe(error)
                console.line(Self.failed(run: nil, message))
            }
            throw error
        }
    }

    static func failed(run: Int64?, _ message: String) -> String {
        ImportResult(run: run, status: .failed, entity: "", source: "", inputs: [], counts: RunCounts(), message: message).json
    }

    func report(_ body: () throws(ImportFailure) -> ImportResult) throws -> ExitCode {
        let result: ImportResult
        reported = true
        do {
            result = try body()
        } catch {
            if json { console.line(Self.failed(run: error.run, error.message)) }
            switch error.kind {
            case .inputMissing: throw CommandFailure.noInput(error.message)
            case .invalidRequest: throw CommandFailure(exitCode: .usage, message: error.message)
            case .failed: throw CommandFailure.failed(error.run.map { "run \($0) failed: \(error.message)" } ?? error.message)
            case .locked: throw CommandFailure.locked(error.message)
            case .inputChanged: throw CommandFailure(exitCode: .dataIssues, message: error.run.map { "run \($0) failed: \(error.message)" } ?? error.message)
            }
        }
        for warning in result.warnings { console.error("warning: " + warning) }
        if json {
            for change in result.changes { console.line(change.json) }
            for reject in result.rejects { console.line(reject.asChange.json) }
            console.line(result.json)
        } else {
            for change in result.changes { console.line("  " + change.line) }
            console.out(Self.rejectSummary(result.rejects))
            console.out(ImportSummary.text(result))
        }
        if result.status == .skipped { return .success }
        return result.counts.rejected > 0 || result.counts.conflicts > 0 ? .dataIssues : .success
    }

    /// How many examples of each rule a dry run's text shows.
    static let examplesPerRule = 3

    /// Why rows would be rejected: the count per rule, most first, and the first rows of each with
    /// their place and message. Empty when nothing would be rejected.
    static func rejectSummary(_ rejects: [RejectedRecord]) -> String {
        guard !rejects.isEmpty else { return "" }
        var byRule: [String: (count: Int, examples: [String])] = [:]
        for reject in rejects {
            let place = reject.place
            for reason in reject.reasons {
                var entry = byRule[reason.rule] ?? (0, [])
                entry.count += 1
                if entry.examples.count < examplesPerRule {
                    entry.examples.append("\(place)" + (reason.field.map { " \($0)" } ?? "") + ": \(reason.message)")
                }
                byRule[reason.rule] = entry
            }
        }
        var lines = ["Would reject \(rejects.count) row(s):"]
        for (rule, entry) in byRule.sorted(by: { ($0.value.count, $1.key) > ($1.value.count, $0.key) }) {
            lines.append("  \(rule): \(entry.count)")
            for example in entry.examples { lines.append("    " + example) }
            if entry.count > entry.examples.count { lines.append("    … and \(entry.count - entry.examples.count) more") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
