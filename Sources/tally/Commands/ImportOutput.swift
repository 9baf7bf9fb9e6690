import TallyKit

/// Prints an import's (or rerun's) outcome and maps it to an exit code, the same way for both.
struct ImportOutput {
    let console: Console
    let json: Bool

    func report(_ body: () throws(ImportFailure) -> ImportResult) throws -> ExitCode {
        let result: ImportResult
        do {
            result = try body()
        } catch {
            if json {
                console.line(ImportResult(run: error.run, status: .failed, entity: "", source: "", inputs: [],
                                          counts: RunCounts(), message: error.message).json)
            }
            switch error.kind {
            case .inputMissing: throw CommandFailure.noInput(error.message)
            case .invalidRequest: throw CommandFailure(exitCode: .usage, message: error.message)
            case .failed: throw CommandFailure.failed(error.run.map { "run \($0) failed: \(error.message)" } ?? error.message)
            case .locked: throw CommandFailure.locked(error.message)
            case .inputChanged: throw CommandFailure(exitCode: .dataIssues, message: error.run.map { "run \($0) failed: \(error.message)" } ?? error.message)
            }
        }
        if json {
            for change in result.changes { console.line(change.json) }
            console.line(result.json)
        } else {
            for change in result.changes { console.line("  " + change.line) }
            console.out(ImportSummary.text(result))
        }
        if result.status == .skipped { return .success }
        return result.counts.rejected > 0 || result.counts.conflicts > 0 ? .dataIssues : .success
    }
}
