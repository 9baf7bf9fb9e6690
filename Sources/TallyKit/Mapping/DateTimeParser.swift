import Foundation
import Synchronization

/// Parses date-time text in one of a list of formats, in a given time zone, into the canonical
/// UTC text `YYYY-MM-DD HH:MM:SS`. Hand-written over UTF-8 bytes: no `DateFormatter`.
///
/// Formats are tried in order; the first that matches the text's shape decides. A list holding the
/// canonical format (`yyyy-MM-dd HH:mm:ss`, as the built-in maps' does) also accepts its unambiguous
/// variants (``ISOVariant``): unpadded fields, `T`, fractions, `Z` or `±hh:mm`, date only. Values are range
/// checked (month 1–12, the day within its month including leap years, hour 0–23, minute and
/// second 0–59). A local time that does not exist (the gap when clocks go forward) or happens
/// twice (the overlap when they go back) is a failure, never a guess. Zone offsets are computed
/// with Foundation's `TimeZone` once per local day and cached per zone, shared by all parsers.
package struct DateTimeParser: Sendable {
    /// Why a text is not a usable date-time: the rule (`type.datetime`, `dst_gap`,
    /// `dst_ambiguous`) and a reason that reads after the value (`'30/2/2026' has day 30, …`).
    package struct Failure: Error, Sendable, Hashable {
        package var rule: RuleID
        package var reason: String
    }

    /// The built-in formats, used when a map names none.
    package static let defaultFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd"]

    package let patterns: [DateTimePattern]
    /// The IANA name of the zone local times are in.
    package let timeZoneIdentifier: String
    private let zone: ZoneOffsets?  // nil for UTC: no conversion
    /// The position in ``patterns`` of the canonical format: text it matches (fixed-width fields)
    /// is its own canonical text when no zone converts it, and is handed back as it is.
    private let canonicalPattern: Int?

    /// A parser for `formats` in the zone called `timeZone` (an IANA name such as `Europe/London`).
    ///
    /// Throws ``Configuration`` for a malformed format or an unknown zone.
    package init(formats: [String] = DateTimeParser.defaultFormats, timeZone: String = "UTC") throws(Configuration) {
        guard !formats.isEmpty else { throw Configuration(reason: "a date field needs at least one format") }
        var patterns: [DateTimePattern] = []
        for format in formats {
            do {
                patterns.append(try DateTimePattern(format))
            } catch {
                throw Configuration(reason: error.description)
            }
        }
        self.patterns = patterns
        self.timeZoneIdentifier = timeZone
        let utcNames: Set<String> = ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z", "Zulu", "Etc/Zulu", "Universal"]
        if utcNames.contains(timeZone) {
            zone = nil
        } else {
            guard let shared = ZoneOffsets.shared(timeZone) else {
                throw Configuration(reason: "'\(timeZone)' is not a known time zone (use an IANA name such as Europe/London)")
            }
            zone = shared
        }
        canonicalPattern = patterns.firstIndex { $0.text == Self.defaultFormats[0] }
    }

    /// A map or format mistake found before any row is read.
    package struct Configuration: Error, Sendable, Hashable, CustomStringConvertible {
        package var reason: String
        package var description: String { reason }
    }

    /// The canonical UTC text for `text`, or why it cannot be one. Surrounding spaces are ignored.
    package func parse(_ text: String) -> Result<String, Failure> {
        if let result = text.utf8.withContiguousStorageIfAvailable({ parse(bytes: $0, text: text) }) {
            return result
        }
        let copy = Array(text.utf8)
        return copy.withUnsafeBufferPointer { parse(bytes: $0, text: text) }
    }

    /// `bytes` are `text`'s UTF-8.
    private func parse(bytes: UnsafeBufferPointer<UInt8>, text: String) -> Result<String, Failure> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        for (position, pattern) in patterns.enumerated() {
            guard let fields = Self.match(pattern, bytes, start, end) else { continue }
            let asGiven = position == canonicalPattern && start == 0 && end == bytes.count
            return convert(fields, isUTC: pattern.isUTC, canonicalText: asGiven ? text : nil)
        }
        if canonicalPattern != nil, let variant = ISOVariant.match(bytes, start, end) {
            return convert(variant.fields, isUTC: variant.offset != nil, offset: variant.offset ?? 0)
        }
        let formats = patterns.map(\.text).joined(separator: ", ")
        let noun = patterns.count == 1 ? "the format" : "any of the formats"
        return .failure(Failure(rule: .typeDatetime, reason: "is not a date in \(noun) \(formats)"))
    }

    /// Parsed but unchecked components.
    fileprivate struct Fields {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var pm: Bool?
        var twelveHour = false
    }

    private static func match(
        _ pattern: DateTimePattern, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int
    ) -> Fields? {
        var fields = Fields()
        var position = start
        for token in pattern.tokens {
            switch token {
            case .literal(let literal):
                guard end - position >= literal.count else { return nil }
                for byte in literal {
                    guard bytes[position] == byte else { return nil }
                    position += 1
                }
            case .ampm:
                guard end - position >= 2 else { return nil }
                let first = bytes[position] | 0x20
                let second = bytes[position + 1] | 0x20
                guard second == UInt8(ascii: "m"), first == UInt8(ascii: "a") || first == UInt8(ascii: "p") else {
                    return nil
                }
                fields.pm = first == UInt8(ascii: "p")
                position += 2
            case .number(let component, let minDigits, let maxDigits):
                var value = 0
                var digits = 0
                while digits < maxDigits, position < end {
                    let digit = bytes[position] &- 0x30
                    guard digit < 10 else { break }
                    value = value * 10 + Int(digit)
                    digits += 1
                    position += 1
                }
                guard digits >= minDigits else { return nil }
                switch component {
                case .year: fields.year = value
                case .year2: fields.year = 2000 + value
                case .month: fields.month = value
                case .day: fields.day = value
                case .hour24: fields.hour = value
                case .hour12: fields.hour = value; fields.twelveHour = true
                case .minute: fields.minute = value
                case .second: fields.second = value
                case .fraction: break
                }
            }
        }
        return position == end ? fields : nil
    }

    /// `isUTC`: the text says its own offset from UTC (`offset` seconds east), so the map's zone does
    /// not apply. `canonicalText`: the input, when it is already the canonical text of what it says in UTC.
    private func convert(_ fields: Fields, isUTC: Bool, offset: Int = 0, canonicalText: String? = nil) -> Result<String, Failure> {
        var fields = fields
        func fail(_ reason: String) -> Result<String, Failure> {
            .failure(Failure(rule: .typeDatetime, reason: reason))
        }
        guard fields.year >= 1 else { return fail("has year 0, which does not exist") }
        guard (1...12).contains(fields.month) else { return fail("has month \(fields.month) (months are 1–12)") }
        let monthDays = CivilDate.daysIn(month: fields.month, year: fields.year)
        guard fields.day >= 1, fields.day <= monthDays else {
            return fail("has day \(fields.day), but \(CivilDate.monthNames[fields.month - 1]) \(fields.year) has \(monthDays) days")
        }
        if fields.twelveHour {
            guard (1...12).contains(fields.hour) else { return fail("has hour \(fields.hour) (a 12-hour clock runs 1–12)") }
            fields.hour = fields.hour % 12 + (fields.pm == true ? 12 : 0)
        }
        guard fields.hour <= 23 else { return fail("has hour \(fields.hour) (hours are 0–23)") }
        guard fields.minute <= 59 else { return fail("has minute \(fields.minute) (minutes are 0–59)") }
        guard fields.second <= 59 else { return fail("has second \(fields.second) (seconds are 0–59)") }

        let day = CivilDate.days(year: fields.year, month: fields.month, day: fields.day)
        let local = day * 86_400 + fields.hour * 3_600 + fields.minute * 60 + fields.second
        guard let zone, !isUTC else { return .success(canonicalText ?? CivilDate.canonical(secondsSinceEpoch: local - offset)) }
        switch zone.utc(forLocal: local, day: day) {
        case .unique(let utc):
            return .success(CivilDate.canonical(secondsSinceEpoch: utc))
        case .skipped:
            return .failure(Failure(
                rule: .dstGap,
                reason: "does not exist in \(zone.identifier): the clocks went forward at that time (a daylight-saving "
                    + "change); correct the time, or the map's timezone if the export is not in \(zone.identifier)"))
        case .repeated:
            return .failure(Failure(
                rule: .dstAmbiguous,
                reason: "happens twice in \(zone.identifier): the clocks went back at that time (a daylight-saving "
                    + "change), so it could be either; export UTC times or correct the row"))
        }
    }
}

/// The unambiguous variants of `yyyy-MM-dd HH:mm:ss` that real exports carry: a 4-digit year, then
/// month and day of 1 or 2 digits; optionally `T` or a space and a time `H:m[:s][.fraction]` (1 or
/// 2 digits each, the fraction dropped); then optionally `Z` or an offset `±hh:mm`, `±hhmm`, `±hh`.
/// Year first is never read another way, so nothing is guessed; day/month orders need a map.
private enum ISOVariant {
    /// The components and, when the text gives one, its offset east of UTC in seconds.
    static func match(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (fields: DateTimeParser.Fields, offset: Int?)? {
        var position = start
        func number(_ minDigits: Int, _ maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            while digits < maxDigits, position < end, bytes[position] &- 0x30 < 10 {
                value = value * 10 + Int(bytes[position] &- 0x30)
                digits += 1
                position += 1
            }
            return digits >= minDigits ? value : nil
        }
        func take(_ byte: UInt8) -> Bool {
            guard position < end, bytes[position] == byte else { return false }
            position += 1
            return true
        }
        var fields = DateTimeParser.Fields()
        guard let year = number(4, 4), take(0x2D), let month = number(1, 2), take(0x2D), let day = number(1, 2) else { return nil }
        (fields.year, fields.month, fields.day) = (year, month, day)
        if position == end { return (fields, nil) }
        guard take(UInt8(ascii: "T")) || take(UInt8(ascii: " ")) || take(UInt8(ascii: "t")),
              let hour = number(1, 2), take(0x3A), let minute = number(1, 2) else { return nil }
        (fields.hour, fields.minute) = (hour, minute)
        if take(0x3A) {
            guard let second = number(1, 2) else { return nil }
            fields.second = second
            if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                guard number(1, 9) != nil else { return nil }
            }
        }
        if position == end { return (fields, nil) }
        _ = take(UInt8(ascii: " "))
        if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return position == end ? (fields, 0) : nil }
        let sign: Int
        if take(UInt8(ascii: "+")) { sign = 1 } else if take(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let hours = number(2, 2), hours <= 14 else { return nil }
        var minutes = 0
        if position < end {
            _ = take(0x3A)
            guard let value = number(2, 2), value <= 59 else { return nil }
            minutes = value
        }
        guard position == end else { return nil }
        return (fields, sign * (hours * 3_600 + minutes * 60))
    }
}

/// The UTC offsets of one time zone, computed per local day with Foundation and cached.
final class ZoneOffsets: Sendable {
    enum Resolution: Equatable {
        case unique(Int)
        case skipped
        case repeated
    }

    /// The offsets around one local day: either one offset, or one transition near the day.
    private enum Day: Sendable {
        case fixed(Int)
        case transition(before: Int, at: Int, after: Int)
    }

    let identifier: String
    private let zone: TimeZone
    private let days = Mutex<[Int: Day]>([:])
    private static let all = Mutex<[String: ZoneOffsets]>([:])

    private init(zone: TimeZone) {
        self.zone = zone
        self.identifier = zone.identifier
    }

    /// The cache for the zone called `identifier`, or `nil` when Foundation does not know it.
    static func shared(_ identifier: String) -> ZoneOffsets? {
        all.withLock { all in
            if let cached = all[identifier] { return cached }
            guard let zone = TimeZone(identifier: identifier) else { return nil }
            let offsets = ZoneOffsets(zone: zone)
            all[identifier] = offsets
            return offsets
        }
    }

    /// The UTC instant (seconds since 1970) of a local wall-clock time on local day `day`.
    func utc(forLocal local: Int, day: Int) -> Resolution {
        let entry = days.withLock { days in
            if let cached = days[day] { return cached }
            let computed = compute(day: day)
            days[day] = computed
            return computed
        }
        switch entry {
        case .fixed(let offset):
            return .unique(local - offset)
        case .transition(let before, let at, let after):
            let early = local - before
            let late = local - after
            let earlyValid = early < at
            let lateValid = late >= at
            switch (earlyValid, lateValid) {
            case (true, true): return early == late ? .unique(early) : .repeated
            case (true, false): return .unique(early)
            case (false, true): return .unique(late)
            case (false, false): return .skipped
            }
        }
    }

    /// Offsets are at most ±14 h, so every instant that can show a time of local day `day` lies
    /// within a day either side of it; real zones never change offset twice in three days.
    private func compute(day: Int) -> Day {
        let windowStart = Date(timeIntervalSince1970: Double((day - 1) * 86_400))
        let windowEnd = Double((day + 2) * 86_400)
        let before = zone.secondsFromGMT(for: windowStart)
        guard let transition = zone.nextDaylightSavingTimeTransition(after: windowStart),
              transition.timeIntervalSince1970 < windowEnd
        else { return .fixed(before) }
        let after = zone.secondsFromGMT(for: transition)
        if after == before { return .fixed(before) }
        return .transition(before: before, at: Int(transition.timeIntervalSince1970.rounded()), after: after)
    }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (H. Hinnant's algorithms).
enum CivilDate {
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                             "September", "October", "November", "December"]

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `YYYY-MM-DD HH:MM:SS` for an instant, built byte by byte.
    static func canonical(secondsSinceEpoch seconds: Int) -> String {
        var dayNumber = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; dayNumber -= 1 }
        let (year, month, day) = civil(days: dayNumber)
        return String(unsafeUninitializedCapacity: 19) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: " ")
            put(secondOfDay / 3_600, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            return 19
        }
    }
}
