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
/// `/proc/self/fdinfo` (Linux only; elsewhere nothing is drawn). An input is read twice — once to
/// hash it, once to import it — so the line says which pass it is in. Nothing is drawn for
/// inputs that finish within half a second.
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
        var pass = 0
        var lastDescriptor: String?
        var lastOffset: Int64 = 0
        var passStart = start
        while isRunning {
            usleep(100_000)
            guard isRunning else { break }
            guard let (descriptor, offset) = findOffset() else { continue }
            // A new pass opens the file again: another descriptor, or the same number read from the start.
            if descriptor != lastDescriptor || offset < lastOffset {
                pass += 1
                passStart = Date()
            }
            lastDescriptor = descriptor
            lastOffset = offset
            guard Date().timeIntervalSince(start) >= 0.5, size > 0 else { continue }
            let elapsed = max(0.001, Date().timeIntervalSince(passStart))
            let rate = Double(offset) / elapsed
            let remaining = rate > 0 ? Double(size - offset) / rate : 0
            let percent = Int(Double(offset) * 100 / Double(size))
            let phase = pass <= 1 ? "hashing" : "importing"
            let text = "\r\u{1B}[K  \(label): \(phase) \(Self.bytes(offset)) of \(Self.bytes(size)) (\(percent)%), "
                + "\(Self.bytes(Int64(rate)))/s, ETA \(Self.duration(remaining))"
            JobLog.write(Array(text.utf8), to: 2)
            drawn = true
        }
        if drawn { JobLog.write(Array("\r\u{1B}[K".utf8), to: 2) }
        done.signal()
    }

    /// The descriptor this process has the input open on, and its offset.
    private func findOffset() -> (String, Int64)? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        for entry in entries {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry),
                  target == path,
                  let info = try? String(contentsOfFile: "/proc/self/fdinfo/" + entry, encoding: .utf8) else { continue }
            for line in info.split(separator: "\n") where line.hasPrefix("pos:") {
                if let offset = Int64(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) { return (entry, offset) }
            }
        }
        return nil
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
