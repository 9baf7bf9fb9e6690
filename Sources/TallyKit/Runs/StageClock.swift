import Foundation

/// Adds up the wall time a run spends in each stage, for `tally show`.
struct StageClock {
    private(set) var seconds: [(stage: String, seconds: Double)] = []

    /// Runs `body`, adding its duration to `stage`.
    mutating func time<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if let index = seconds.firstIndex(where: { $0.stage == stage }) {
                seconds[index].seconds += elapsed
            } else {
                seconds.append((stage, elapsed))
            }
        }
        return try body()
    }

    /// `[{"stage": …, "seconds": …}, …]` in the order stages first ran, to the millisecond.
    var json: String {
        "[" + seconds.map { "{\"stage\": \(JSON.quote($0.stage)), \"seconds\": \(String(format: "%.3f", $0.seconds))}" }.joined(separator: ", ") + "]"
    }

    /// One stage's time, as stored.
    struct Entry: Codable, Sendable { var stage: String; var seconds: Double }
}
