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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Paths.packageRoot.appendingPathComponent("Tests/Reliability/crash-test.sh").path, String(Self.trials ?? 6)]
        var environment = ProcessInfo.processInfo.environment
        environment["TALLY_BIN"] = TallyProcess.binary.path
        environment["CRASH_ROWS"] = environment["CRASH_ROWS"] ?? "20000"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "crash-test.sh failed:\n\(text)")
        #expect(text.contains(": 0 failure(s)"), "\(text)")
    }
}
