#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: data to stdout (buffered), messages to stderr (written at once).
final class Console {
    private var buffer: [UInt8] = []
    private let bufferLimit = 64 * 1024

    init() { buffer.reserveCapacity(bufferLimit) }

    /// Standard output: data (records, JSON results, summaries).
    func out(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= bufferLimit { flush() }
    }

    /// Raw bytes to standard output.
    func out(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= bufferLimit { flush() }
    }

    /// One line on standard output.
    func line(_ text: String = "") { out(text + "\n") }

    /// One line on standard error: messages for people and logs. Flushes stdout first so the
    /// two streams interleave in order on a terminal.
    func error(_ text: String) {
        flush()
        Self.write(Array((text + "\n").utf8), to: 2)
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        Self.write(buffer, to: 1)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Whether standard error is a terminal (progress is drawn only then).
    var isErrorTerminal: Bool { isatty(2) == 1 }

    /// Whether standard error should be coloured: a terminal, `NO_COLOR` unset, and not a dumb terminal.
    var errorWantsColor: Bool {
        isErrorTerminal && Environment.value("NO_COLOR") == nil && Environment.value("TERM") != "dumb"
    }

    /// Writes all of `bytes` to `descriptor`, retrying after signals; a closed reader ends it quietly.
    static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE and the like: the reader is gone; nothing more to say.
                }
                offset += written
            }
        }
    }
}

/// The process environment.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        let text = String(cString: pointer)
        return text.isEmpty ? nil : text
    }
}
