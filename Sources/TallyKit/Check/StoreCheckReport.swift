/// What ``StoreCheck`` found: one entry per check, with its problems, and the repairs it made.
package struct StoreCheckReport: Sendable, Equatable {
    /// How bad a finding is: an `error` means the store does not hold; a `warning` is worth a
    /// look but breaks no invariant.
    package enum Severity: String, Sendable, Codable { case error, warning }

    /// A check, in the order they run; its raw value is the name the output shows.
    package enum Check: String, Sendable, Encodable, CaseIterable, CustomStringConvertible {
        case integrity
        case foreignKeys = "foreign_keys"
        case runs, conservation, audit, references
        case keptInputs = "kept_inputs"

        package var description: String { rawValue }
    }

    /// One thing found wrong (or worth a look).
    package struct Problem: Sendable, Equatable {
        /// The check that found it.
        package var check: Check
        package var severity: Severity
        package var message: String
    }

    /// One check's outcome, in the order they ran.
    package struct Entry: Sendable, Equatable {
        package var check: Check
        /// What was looked at, for the person reading the output (`412 runs, 388 inputs`).
        package var summary: String
        package var problems: [Problem]
        package var passed: Bool { !problems.contains { $0.severity == .error } }
    }

    package var store: String
    package var entries: [Entry] = []
    /// Writes the check made (abandoned runs marked), each as a sentence.
    package var repairs: [String] = []

    package var problems: [Problem] { entries.flatMap(\.problems) }

    /// The report on a store SQLite cannot even open (its schema pages are damaged).
    package static func unreadable(store: String, reason: String) -> StoreCheckReport {
        let problem = Problem(check: .integrity, severity: .error, message: "the store cannot be opened: \(reason)")
        return StoreCheckReport(store: store, entries: [Entry(check: .integrity, summary: "the store cannot be opened", problems: [problem])])
    }
    /// Whether the store holds: no check found an error.
    package var holds: Bool { entries.allSatisfy(\.passed) }

    /// Human-readable lines: one per check, then its problems indented, then the repairs.
    package var lines: [String] {
        var lines: [String] = []
        for entry in entries {
            let mark = !entry.passed ? "FAIL" : entry.problems.isEmpty ? "ok  " : "warn"
            lines.append("\(mark) \(entry.check): \(entry.summary)")
            for problem in entry.problems { lines.append("     \(problem.severity.rawValue): \(problem.message)") }
        }
        for repair in repairs { lines.append("repaired: \(repair)") }
        return lines
    }
}

extension StoreCheckReport: JSONOutput {
    private enum CodingKeys: String, CodingKey { case store, holds, errors, warnings, checks, repairs }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let errors = problems.filter { $0.severity == .error }.count
        try container.encode(store, forKey: .store)
        try container.encode(holds, forKey: .holds)
        try container.encode(errors, forKey: .errors)
        try container.encode(problems.count - errors, forKey: .warnings)
        try container.encode(entries, forKey: .checks)
        try container.encode(repairs, forKey: .repairs)
    }
}

extension StoreCheckReport.Entry: Encodable {
    private enum CodingKeys: String, CodingKey { case check, passed, summary, problems }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(check, forKey: .check)
        try container.encode(passed, forKey: .passed)
        try container.encode(summary, forKey: .summary)
        try container.encode(problems, forKey: .problems)
    }
}

/// A problem is listed under its check, so the check is not repeated.
extension StoreCheckReport.Problem: Encodable {
    private enum CodingKeys: String, CodingKey { case severity, message }
}
