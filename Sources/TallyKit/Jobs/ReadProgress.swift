import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws one input's progress on a terminal's stderr — bytes read, rate, ETA — while the import
/// runs on the calling thread.
///
/// The importer offers no progress callback yet, so a background thread watches how far this
/// process has read the input: it finds the file among `/proc/self/fd` and reads the offset from
/// `/proc/self/fdinfo` (Linux only; elsewhere nothing is drawn). Rows are not known this way, so
/// the line shows bytes. Nothing is drawn for inputs that finish within half a second.
public final class ReadProgress: @unchecked Sendable {
    private let path: String
    private let label: String
    private let size: Int64
    private let lock = NSLock()
    private var running = true
    private var drawn = false
    private let done = DispatchSemaphore(value: 0)

    public init(path: String, label: String) {
        self.path = JobPaths.realPath(path)
        self.label = label
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    public func start() {
        let thread = Thread { [self] in watch() }
        thread.start()
    }

    /// Stops drawing and clears the line.
    public func stop() {
        lock.lock()
        running = false
        lock.unlock()
        done.wait()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func watch() {
        let start = Date()
        var lastOffset: Int64 = 0
        var passStart = start
        while isRunning {
            usleep(100_000)
            guard isRunning else { break }
            // The importer may hash the file on one descriptor while it reads it on another: the
            // slower of the two is how far the import is.
            guard let offset = findOffsets().min() else { continue }
            if offset < lastOffset { passStart = Date() }  // the file was opened again from the start
            lastOffset = offset
            guard Date().timeIntervalSince(start) >= 0.5, size > 0 else { continue }
            let elapsed = max(0.001, Date().timeIntervalSince(passStart))
            let rate = Double(offset) / elapsed
            let remaining = rate > 0 ? Double(size - offset) / rate : 0
            let percent = Int(Double(offset) * 100 / Double(size))
            let text = "\r\u{1B}[K  \(label): \(Self.bytes(offset)) of \(Self.bytes(size)) read (\(percent)%), "
                + "\(Self.bytes(Int64(rate)))/s, ETA \(Self.duration(remaining))"
            JobLog.write(Array(text.utf8), to: 2)
            drawn = true
        }
        if drawn { JobLog.write(Array("\r\u{1B}[K".utf8), to: 2) }
        done.signal()
    }

    /// The offsets of every descriptor this process has the input open on.
    private func findOffsets() -> [Int64] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        var offsets: [Int64] = []
        for entry in entries {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry),
                  target == path,
                  let info = try? String(contentsOfFile: "/proc/self/fdinfo/" + entry, encoding: .utf8) else { continue }
            for line in info.split(separator: "\n") where line.hasPrefix("pos:") {
                if let offset = Int64(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) { offsets.append(offset) }
            }
        }
        return offsets
    }

    static func bytes(_ count: Int64) -> String {
        let value = Double(count)
        if value >= 1_073_741_824 { return String(format: "%.1f GB", value / 1_073_741_824) }
        if value >= 1_048_576 { return String(format: "%.1f MB", value / 1_048_576) }
        if value >= 1024 { return String(format: "%.0f KB", value / 1024) }
        return "\(count) B"
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d", total / 60, total % 60)
    }
}
