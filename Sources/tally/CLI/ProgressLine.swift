import Foundation
import TallyKit

/// Draws an import's progress on a terminal's stderr — rows done, bytes read, rate, ETA per
/// input — from the importer's progress calls. Nothing is drawn for inputs that finish within
/// half a second; the line is cleared when the input is done.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var started: [String: Date] = [:]
    private var lastDraw = Date.distantPast
    private var drawn = false

    init() {}

    /// The callback to hand to `ImportRequest.progress`.
    var callback: @Sendable (ImportProgress) -> Void {
        { [self] progress in self.update(progress) }
    }

    func update(_ progress: ImportProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let start = started[progress.path] ?? now
        started[progress.path] = start
        if progress.finished {
            if drawn { Console.write(Array("\r\u{1B}[K".utf8), to: 2) }
            drawn = false
            return
        }
        let elapsed = now.timeIntervalSince(start)
        guard elapsed >= 0.5, now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let rate = Double(progress.rows) / max(elapsed, 0.001)
        var text = "\r\u{1B}[K  \((progress.path as NSString).lastPathComponent): \(Self.count(progress.rows)) rows, \(Self.count(Int(rate))) rows/s"
        if progress.totalBytes > 0 {
            let share = Double(progress.bytesRead) / Double(progress.totalBytes)
            let remaining = share > 0 ? elapsed * (1 - share) / share : 0
            text += ", \(Self.bytes(progress.bytesRead)) of \(Self.bytes(progress.totalBytes)) (\(Int(share * 100))%), ETA \(Self.duration(remaining))"
        }
        Console.write(Array(text.utf8), to: 2)
        drawn = true
    }

    static func count(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
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
