/// Reads the platform's duration values as whole seconds. The Table API writes a duration as the
/// instant that far after the epoch (`1970-01-03 04:00:00` is 2 days 4 hours, `1970-02-10
/// 00:00:00` 40 days; durations of years are dates of the 1970s); a list export
/// writes its display value (`2 Days 4 Hours 30 Minutes`, `1 Hour`, `45 Seconds`); a plain
/// number is taken as seconds.
enum DurationText {
    static func seconds(_ text: String) -> Int64? {
        if let plain = Int64(text), plain >= 0 { return plain }
        if text.hasPrefix("197") { return sinceEpoch(text) }
        return words(text)
    }

    /// `197Y-MM-DD HH:MM:SS` (or `…THH:MM:SS`): the seconds from the epoch to that UTC instant.
    private static func sinceEpoch(_ text: String) -> Int64? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == "T" || $0 == ":" })
        guard parts.count == 6, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int64(parts[0]), (1970...1979).contains(year),
              let month = Int64(parts[1]), (1...12).contains(month), let day = Int64(parts[2]),
              let hours = Int64(parts[3]), let minutes = Int64(parts[4]), let seconds = Int64(parts[5]),
              (0..<24).contains(hours), (0..<60).contains(minutes), (0..<60).contains(seconds) else { return nil }
        let leap = year % 4 == 0
        let monthDays: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthDays[Int(month) - 1]).contains(day) else { return nil }
        // 1970–1979: every fourth year from 1972 is a leap year.
        let yearDays = (1970..<year).reduce(Int64(0)) { $0 + ($1 % 4 == 0 ? 366 : 365) }
        let days = yearDays + monthDays.prefix(Int(month) - 1).reduce(0, +) + day - 1
        return days * 86_400 + hours * 3_600 + minutes * 60 + seconds
    }

    /// `N Days N Hours N Minutes N Seconds`, any of them, each once, singular or plural, any case.
    private static func words(_ text: String) -> Int64? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," })
        guard !tokens.isEmpty, tokens.count.isMultiple(of: 2) else { return nil }
        let units: [String: Int64] = ["day": 86_400, "hour": 3_600, "minute": 60, "second": 1]
        var total: Int64 = 0
        var seen = Set<String>()
        for pair in stride(from: 0, to: tokens.count, by: 2) {
            var unit = tokens[pair + 1].lowercased()
            if unit.hasSuffix("s") { unit.removeLast() }
            guard let count = Int64(tokens[pair]), count >= 0, let size = units[unit], seen.insert(unit).inserted else { return nil }
            // Past Int64 is no duration (and must not trap the import).
            let (part, tooLong) = count.multipliedReportingOverflow(by: size)
            let (sum, tooMuch) = total.addingReportingOverflow(part)
            guard !tooLong, !tooMuch else { return nil }
            total = sum
        }
        return total
    }
}
