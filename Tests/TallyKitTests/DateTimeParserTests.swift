import Testing
import TallyKit

@Suite("DateTimeParser")
struct DateTimeParserTests {
    private func value(_ parser: DateTimeParser, _ text: String) -> String? {
        try? parser.parse(text).get()
    }

    private func failureOf(_ parser: DateTimeParser, _ text: String) -> DateTimeParser.Failure? {
        if case .failure(let failure) = parser.parse(text) { return failure }
        return nil
    }

    @Test("default formats read the canonical, ISO-Z and date-only forms")
    func defaultFormats() throws {
        let parser = try DateTimeParser()
        #expect(value(parser, "2026-03-29 01:30:00") == "2026-03-29 01:30:00")
        #expect(value(parser, "2026-03-29T01:30:00Z") == "2026-03-29 01:30:00")
        #expect(value(parser, "2026-03-29") == "2026-03-29 00:00:00")
        #expect(value(parser, "  2024-02-29 23:59:59 ") == "2024-02-29 23:59:59")
    }

    @Test("canonical UTC text comes back as given; in a local zone, or under another pattern, it is still converted")
    func canonicalTextAsGiven() throws {
        let utc = try DateTimeParser()
        let text = "2026-07-01 09:00:00"
        #expect(value(utc, text) == text)
        #expect(value(utc, " 2026-07-01 09:00:00\t") == text)
        #expect(failureOf(utc, "2026-02-30 09:00:00")?.rule == .typeDatetime)
        #expect(failureOf(utc, "2026-07-01 24:00:00")?.rule == .typeDatetime)
        let london = try DateTimeParser(formats: DateTimeParser.defaultFormats, timeZone: "Europe/London")
        #expect(value(london, text) == "2026-07-01 08:00:00")
        // The same layout under a day-before-month pattern listed first means another date.
        let dayFirst = try DateTimeParser(formats: ["yyyy-dd-MM HH:mm:ss", "yyyy-MM-dd HH:mm:ss"])
        #expect(value(dayFirst, "2026-05-03 09:00:00") == "2026-03-05 09:00:00")
    }

    @Test("day-first, non-padded dates")
    func dayFirst() throws {
        let parser = try DateTimeParser(formats: ["d/M/yyyy H:mm"])
        #expect(value(parser, "29/2/2016 01:16") == "2016-02-29 01:16:00")
        #expect(value(parser, "5/3/2016 9:05") == "2016-03-05 09:05:00")
        #expect(value(parser, "10/12/2016 23:00") == "2016-12-10 23:00:00")
    }

    @Test("each token reads its digits: one letter takes 1 or 2, doubled exactly 2")
    func tokenWidths() throws {
        let loose = try DateTimeParser(formats: ["d/M/yyyy H:mm"]), strict = try DateTimeParser(formats: ["dd/MM/yyyy HH:mm"])
        #expect(value(loose, "5/3/2026 7:05") == "2026-03-05 07:05:00")
        #expect(value(loose, "05/03/2026 17:05") == "2026-03-05 17:05:00")
        #expect(value(strict, "5/3/2026 7:05") == nil)
        #expect(value(strict, "05/03/2026 07:05") == "2026-03-05 07:05:00")
    }

    @Test("an unknown token is refused with the list of tokens")
    func unknownToken() {
        let error = #expect(throws: DateTimePattern.Invalid.self) { try DateTimePattern("yyyy-QQ") }
        #expect(error?.reason == "'QQ' is not a token (use yyyy, yy, M, MM, d, dd, H, HH, h, hh, mm, ss, SSS, a; put literal letters in single quotes)")
    }

    @Test("12-hour clock, two-digit years and fractions")
    func otherTokens() throws {
        let parser = try DateTimeParser(formats: ["MM/dd/yy hh:mm a", "yyyy-MM-dd HH:mm:ss.SSS"])
        #expect(value(parser, "03/05/26 12:15 AM") == "2026-03-05 00:15:00")
        #expect(value(parser, "03/05/26 12:15 pm") == "2026-03-05 12:15:00")
        #expect(value(parser, "03/05/26 01:15 PM") == "2026-03-05 13:15:00")
        #expect(value(parser, "2026-03-05 10:11:12.345") == "2026-03-05 10:11:12")
    }

    @Test("the built-in formats accept the unambiguous variants real exports carry", arguments: [
        ("2012-02-18 0:14:44", "2012-02-18 00:14:44"),          // an unpadded hour, as spreadsheets re-save
        ("2023-08-04 1:00:00", "2023-08-04 01:00:00"),
        ("2023-8-4 1:2:3", "2023-08-04 01:02:03"),
        ("2026-03-05T10:11:12", "2026-03-05 10:11:12"),
        ("2026-03-05 10:11", "2026-03-05 10:11:00"),
        ("2026-03-05 10:11:12.345", "2026-03-05 10:11:12"),       // fractions are dropped
        ("2026-03-05T10:11:12.5Z", "2026-03-05 10:11:12"),
        ("2026-03-05T22:00:00-04:00", "2026-03-06 02:00:00"),     // an offset: converted to UTC
        ("2026-03-05 01:30:00+0530", "2026-03-04 20:00:00"),
        ("2026-03-05T10:00:00+02", "2026-03-05 08:00:00"),
        ("2026-3-5", "2026-03-05 00:00:00"),                       // date only: midnight
    ])
    func isoVariants(text: String, canonical: String) throws {
        #expect(value(try DateTimeParser(), text) == canonical)
        // An offset is its own zone; a plain local time is the map's zone's.
        let london = try DateTimeParser(timeZone: "Europe/London")
        let hasOffset = text.hasSuffix("Z") || text.dropFirst(10).contains("+") || text.dropFirst(10).contains("-")
        if hasOffset { #expect(value(london, text) == canonical) }
        // A list without the canonical format (a map's own) reads only what it lists.
        #expect(value(try DateTimeParser(formats: ["d/M/yyyy H:mm"]), text) == nil)
    }

    @Test("the canonical text itself is handed back as it is")
    func canonicalFastPath() throws {
        #expect(value(try DateTimeParser(), "2026-03-05 10:11:12") == "2026-03-05 10:11:12")
        #expect(value(try DateTimeParser(timeZone: "Europe/London"), "2026-07-05 10:11:12") == "2026-07-05 09:11:12")
    }

    @Test("invalid dates are type.datetime failures with the reason", arguments: [
        ("2026-02-30 10:00:00", "has day 30, but February 2026 has 28 days"),
        ("2025-02-29", "has day 29, but February 2025 has 28 days"),
        ("2026-13-01 10:00:00", "has month 13 (months are 1–12)"),
        ("2026-04-31", "has day 31, but April 2026 has 30 days"),
        ("2026-01-01 24:00:00", "has hour 24 (hours are 0–23)"),
        ("2026-01-01 10:60:00", "has minute 60 (minutes are 0–59)"),
        ("2026-01-01 10:00:61", "has second 61 (seconds are 0–59)"),
        ("yesterday", "is not a date in any of the formats yyyy-MM-dd HH:mm:ss, yyyy-MM-dd'T'HH:mm:ss'Z', yyyy-MM-dd"),
        ("2026-01-01 10:00 +2", "is not a date in any of the formats yyyy-MM-dd HH:mm:ss, yyyy-MM-dd'T'HH:mm:ss'Z', yyyy-MM-dd"),
        ("2026-1-1 7:5:3 PM", "is not a date in any of the formats yyyy-MM-dd HH:mm:ss, yyyy-MM-dd'T'HH:mm:ss'Z', yyyy-MM-dd"),
        ("2012-02-18 0:14:61", "has second 61 (seconds are 0–59)"),
        ("05/03/2026 10:00:00", "is not a date in any of the formats yyyy-MM-dd HH:mm:ss, yyyy-MM-dd'T'HH:mm:ss'Z', yyyy-MM-dd"),
        ("", "is not a date in any of the formats yyyy-MM-dd HH:mm:ss, yyyy-MM-dd'T'HH:mm:ss'Z', yyyy-MM-dd"),
    ])
    func invalidDates(text: String, reason: String) throws {
        let parser = try DateTimeParser()
        let failure = try #require(failureOf(parser, text))
        #expect(failure.rule == .typeDatetime)
        #expect(failure.reason == reason)
    }

    @Test("leap days follow the Gregorian rules")
    func leapYears() throws {
        let parser = try DateTimeParser(formats: ["yyyy-MM-dd"])
        #expect(value(parser, "2000-02-29") == "2000-02-29 00:00:00")
        #expect(value(parser, "2024-02-29") == "2024-02-29 00:00:00")
        #expect(value(parser, "1900-02-29") == nil)
        #expect(value(parser, "2100-02-29") == nil)
    }

    @Test("London: winter is GMT, summer is BST, converted to UTC")
    func londonConversion() throws {
        let parser = try DateTimeParser(formats: ["yyyy-MM-dd HH:mm"], timeZone: "Europe/London")
        #expect(value(parser, "2026-01-15 09:00") == "2026-01-15 09:00:00")
        #expect(value(parser, "2026-07-01 09:00") == "2026-07-01 08:00:00")
        #expect(value(parser, "2026-03-29 00:59") == "2026-03-29 00:59:00")
        #expect(value(parser, "2026-03-29 02:00") == "2026-03-29 01:00:00")
        #expect(value(parser, "2026-10-25 00:59") == "2026-10-24 23:59:00")
        #expect(value(parser, "2026-10-25 02:00") == "2026-10-25 02:00:00")
    }

    @Test("New York: EST and EDT, across midnight", arguments: [
        ("2026-01-15 22:30", "2026-01-16 03:30:00"),
        ("2026-07-04 12:00", "2026-07-04 16:00:00"),
        ("2026-03-08 01:59", "2026-03-08 06:59:00"),
        ("2026-03-08 03:00", "2026-03-08 07:00:00"),
        ("2026-11-01 00:59", "2026-11-01 04:59:00"),
        ("2026-11-01 02:00", "2026-11-01 07:00:00"),
    ])
    func newYorkConversion(local: String, utc: String) throws {
        let parser = try DateTimeParser(formats: ["yyyy-MM-dd HH:mm"], timeZone: "America/New_York")
        #expect(value(parser, local) == utc)
    }

    @Test("a local time in the spring-forward gap is rejected as dst_gap", arguments: [
        ("Europe/London", "2026-03-29 01:00"), ("Europe/London", "2026-03-29 01:59"),
        ("America/New_York", "2026-03-08 02:00"), ("America/New_York", "2026-03-08 02:30"),
    ])
    func springForwardGap(zone: String, local: String) throws {
        let parser = try DateTimeParser(formats: ["yyyy-MM-dd HH:mm"], timeZone: zone)
        let failure = try #require(failureOf(parser, local))
        #expect(failure.rule == .dstGap)
        #expect(failure.reason.hasPrefix("does not exist in \(zone): the clocks went forward"))
    }

    @Test("a local time in the fall-back overlap is rejected as dst_ambiguous", arguments: [
        ("Europe/London", "2026-10-25 01:00"), ("Europe/London", "2026-10-25 01:59"),
        ("America/New_York", "2026-11-01 01:00"), ("America/New_York", "2026-11-01 01:30"),
    ])
    func fallBackOverlap(zone: String, local: String) throws {
        let parser = try DateTimeParser(formats: ["yyyy-MM-dd HH:mm"], timeZone: zone)
        let failure = try #require(failureOf(parser, local))
        #expect(failure.rule == .dstAmbiguous)
        #expect(failure.reason.hasPrefix("happens twice in \(zone): the clocks went back"))
    }

    @Test("a trailing literal Z means UTC whatever the zone")
    func literalZIsUTC() throws {
        let parser = try DateTimeParser(timeZone: "America/New_York")
        #expect(value(parser, "2026-03-08T02:30:00Z") == "2026-03-08 02:30:00")
        #expect(value(parser, "2026-03-08 12:00:00") == "2026-03-08 16:00:00")
    }

    @Test("malformed formats and unknown zones are configuration errors")
    func configurationErrors() {
        #expect(throws: DateTimeParser.Configuration.self) { try DateTimeParser(formats: ["yyyy-MM-ddTHH:mm"]) }
        #expect(throws: DateTimeParser.Configuration.self) { try DateTimeParser(formats: ["HH:mm"]) }
        #expect(throws: DateTimeParser.Configuration.self) { try DateTimeParser(formats: ["yyyy-MM-dd hh:mm"]) }
        #expect(throws: DateTimeParser.Configuration.self) { try DateTimeParser(timeZone: "Mars/Olympus_Mons") }
    }
}
