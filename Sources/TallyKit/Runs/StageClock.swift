import Foundation
import TallyFormats

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

    /// One stage's time, as stored: to the millisecond.
    struct Entry: Codable, Sendable {
        var stage: String
        var seconds: Double

        private enum CodingKeys: String, CodingKey { case stage, seconds }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(stage, forKey: .stage)
            try container.encode(FixedDecimal(seconds, decimals: 3), forKey: .seconds)
        }
    }
}

/// Stored as `[{"stage": …, "seconds": …}, …]` in the order stages first ran.
extension StageClock: JSONOutput {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for entry in seconds { try container.encode(Entry(stage: entry.stage, seconds: entry.seconds)) }
    }
}
