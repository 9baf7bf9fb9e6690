import Foundation
import TallyFormats
import TallyStore

extension StoreCheck {
    /// Each kept input (`STORE.inputs/<sha256>`) still has the SHA-256 its runs recorded: a rerun
    /// reads it, so a kept input changed or lost since is an error or a warning now, not a
    /// surprise at the rerun.
    func keptInputs() throws -> StoreCheckReport.Entry {
        let archive = InputArchive(storePath: database.path)
        var runsBySHA: [String: [Int64]] = [:]
        try connection.forEachRow("SELECT sha256, run FROM run_inputs WHERE stored_path IS NOT NULL AND sha256 IS NOT NULL ORDER BY run") { row in
            if let sha = row.text(0) { runsBySHA[sha, default: []].append(row.int64(1)) }
        }
        var problems: [StoreCheckReport.Problem] = []
        for (sha, runs) in runsBySHA.sorted(by: { $0.value[0] < $1.value[0] }) {
            let path = archive.path(for: sha)
            let which = "run\(runs.count == 1 ? "" : "s") \(runs.map(String.init).joined(separator: ", "))"
            var status = stat()
            guard lstat(path, &status) == 0 else {
                problems.append(.init(check: .keptInputs, severity: .warning,
                                      message: "the input kept for \(which) is missing (\(path)): \(runs.count == 1 ? "that run" : "those runs") cannot be rerun"))
                continue
            }
            guard (status.st_mode & S_IFMT) == S_IFREG else {
                // Never opened: a FIFO would keep the check waiting for a writer.
                problems.append(.init(check: .keptInputs, severity: .error, message: "the input kept for \(which) is not a regular file (\(path)): remove it; \(runs.count == 1 ? "that run" : "those runs") cannot be rerun"))
                continue
            }
            let actual: String
            do { actual = SHA256.hex(try SHA256.hash(fileAt: path)) }
            catch {
                problems.append(.init(check: .keptInputs, severity: .error, message: "the input kept for \(which) cannot be read: \(path): \(error.message)"))
                continue
            }
            if actual != sha {
                problems.append(.init(check: .keptInputs, severity: .error,
                                      message: "the input kept for \(which) no longer matches its SHA-256 (\(path) hashes to \(actual)): it was changed after the run, so a rerun would read other bytes"))
            }
        }
        return .init(check: .keptInputs, summary: "\(runsBySHA.count) kept input(s) hashed" + (problems.isEmpty ? ": ok" : ": \(problems.count) problem(s)"),
                     problems: problems)
    }
}
