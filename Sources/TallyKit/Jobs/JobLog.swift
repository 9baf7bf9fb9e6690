import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a job's events go: human lines on stderr, and NDJSON appended to `--log FILE`.
///
/// With `quiet`, stderr gets only warnings, errors and the outcome; the log file gets everything.
/// Each NDJSON event is one `write` on a file opened with `O_APPEND`, so lines from several
/// processes never interleave mid-line.
package final class JobLog {
    private let quiet: Bool
    private let color: Bool
    private var logDescriptor: Int32 = -1
    package let logPath: String?
    /// Called before a line is written to stderr (to clear a progress line).
    package var beforeLine: () -> Void = {}

    /// Opens (appending, creating) `logPath` when given. Throws when it cannot be opened.
    package init(logPath: String?, quiet: Bool, color: Bool) throws(JobLogError) {
        self.quiet = quiet
        self.color = color
        self.logPath = logPath
        if let logPath {
            let descriptor = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw JobLogError(message: "cannot open the log \(logPath): \(String(cString: strerror(errno)))")
            }
            logDescriptor = descriptor
        }
    }

    deinit { if logDescriptor >= 0 { close(logDescriptor) } }

    /// Whether stderr should be coloured: a terminal, `NO_COLOR` unset, and not a dumb terminal.
    package static var stderrWantsColor: Bool {
        guard isatty(2) == 1 else { return false }
        if let value = getenv("NO_COLOR"), value.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return true
    }

    package func emit(_ event: JobEvent) {
        if !quiet || event.level != .info || event.outcome != nil {
            beforeLine()
            Self.write(Array((event.line(color: color) + "\n").utf8), to: 2)
        }
        if logDescriptor >= 0 { Self.write(Array((event.json + "\n").utf8), to: logDescriptor) }
    }

    static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

package struct JobLogError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
