import Foundation
import Testing
import TestSupport

/// Runs `Tests/Reliability/crash-test.sh` (SIGKILL at random moments during import, snapshot,
/// rerun, rollback, extract and a job run) against the built binary — only when
/// `TALLY_CRASH_TRIALS` says how many trials, since it takes minutes:
/// `TALLY_CRASH_TRIALS=6 swift test --filter CrashSafety` (six trials: one per operation).
@Suite("Crash safety")
struct CrashSafetyTests {
    static let trials = ProcessInfo.processInfo.environment["TALLY_CRASH_TRIALS"].flatMap(Int.init)

    @Test("kill -9 at random moments leaves a store that holds, each run whole or absent",
          .enabled(if: trials != nil, "set TALLY_CRASH_TRIALS=N to run N crash trials"), .timeLimit(.minutes(60)))
    func crashTrials() throws {
        let text = try Self.crashTest(trials: Self.trials ?? 6)
        #expect(text.contains(": 0 failure(s)"), "\(text)")
    }

    @Test("a job killed while archiving across file systems leaves whole files or temp files, never a partial or second archived copy",
          .enabled(if: trials != nil, "set TALLY_CRASH_TRIALS=N to run N crash trials"), .timeLimit(.minutes(60)))
    func crossFileSystemArchiveTrials() throws {
        let text = try Self.crashTest(trials: Self.trials ?? 6, operations: "job")
        #expect(text.contains(": 0 failure(s)"), "\(text)")
        if text.contains("no second file system") {
            print("skipped the cross-file-system archive: no tmpfs mount and no separate /dev/shm here")
        } else {
            #expect(text.contains("archive across file systems: yes"), "\(text)")
        }
    }

    /// Runs crash-test.sh; returns its output after expecting exit 0.
    static func crashTest(trials: Int, operations: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Paths.packageRoot.appendingPathComponent("Tests/Reliability/crash-test.sh").path, String(trials)]
        var environment = ProcessInfo.processInfo.environment
        environment["TALLY_BIN"] = TallyProcess.binary.path
        environment["CRASH_ROWS"] = environment["CRASH_ROWS"] ?? "20000"
        if let operations { environment["CRASH_OPS"] = operations }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "crash-test.sh failed:\n\(text)", sourceLocation: sourceLocation)
        return text
    }
}
