import Foundation

/// The result of running the built `tally` binary.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the built `tally` executable, as a person or cron would.
public enum TallyProcess {
    /// The binary under test: `$TALLY_BIN`, else `tally` beside the running test bundle.
    public static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["TALLY_BIN"] {
            return URL(fileURLWithPath: path)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        // swift test runs `.build/<triple>/debug/TallyPackageTests.xctest`; the binary sits beside it.
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("tally")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                return candidate
            }
            folder.deleteLastPathComponent()
        }
        return executable.deletingLastPathComponent().appendingPathComponent("tally")
    }

    /// Runs `tally ARGS` in `directory`, feeding `stdin`, with `environment` added to this one's.
    public static func run(
        _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
        environment: [String: String] = [:]
    ) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["TALLY_DB"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env

        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outData = outPipe.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = errPipe.fileHandleForReading.readDataToEndOfFile() }
        if let stdin { inPipe.fileHandleForWriting.write(stdin) }
        try? inPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return ProcessOutput(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }
}
