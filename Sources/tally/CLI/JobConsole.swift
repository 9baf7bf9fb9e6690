#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyKit

/// Renders a job's events: human lines on stderr (coloured on a terminal), NDJSON appended to
/// `--log FILE`, and each import's progress line on a terminal.
///
/// With `quiet`, stderr gets only warnings, errors and the outcome; the log file gets everything.
/// Each NDJSON event is one `write` on a file opened with `O_APPEND`, so lines from several
/// processes never interleave mid-line.
final class JobConsole: JobEventSink {
    private let quiet: Bool
    private let color: Bool
    private var logDescriptor: Int32 = -1
    let progress: (@Sendable (ImportProgress) -> Void)?

    /// Opens (appending, creating) `logPath` when given; throws a message when it cannot.
    init(logPath: String?, quiet: Bool, console: Console) throws(CommandFailure) {
        self.quiet = quiet
        color = console.errorWantsColor
        progress = !quiet && console.isErrorTerminal ? ProgressLine().callback : nil
        if let logPath {
            let descriptor = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw CommandFailure.noInput("cannot open the log \(logPath): \(String(cString: strerror(errno)))")
            }
            logDescriptor = descriptor
        }
    }

    deinit { if logDescriptor >= 0 { close(logDescriptor) } }

    func record(_ event: JobEvent) {
        if !quiet || event.level != .info || event.outcome != nil {
            Console.write(Array((Self.line(event, color: color) + "\n").utf8), to: 2)
        }
        if logDescriptor >= 0 { Console.write(Array((JobEventLine(event: event).json + "\n").utf8), to: logDescriptor) }
    }

    static func code(_ exit: JobExit) -> Int32 { ExitCode(exit).rawValue }

    /// The human line: `2026-11-23T01:00:04Z  info  nightly import: run 12 committed …`.
    static func line(_ event: JobEvent, color: Bool) -> String {
        let label = event.level.rawValue + String(repeating: " ", count: max(1, 8 - event.level.rawValue.count))
        var tag = label
        if color {
            let code = switch event.level { case .info: "2"; case .warning: "33"; case .error: "31;1" }
            tag = "\u{1B}[\(code)m\(label)\u{1B}[0m"
        }
        return "\(event.time)  \(tag)\(event.job) \(event.stage): \(event.text(exitCode: Self.code))"
    }
}
