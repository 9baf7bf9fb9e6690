import Testing
@testable import TallyKit

/// ``DurationText``: the platform's duration values as whole seconds.
@Suite("Durations")
struct DurationTextTests {
    static let epochForms: [(String, Int64)] = [
        ("1970-01-01 04:00:00", 14_400), ("1970-01-03 04:00:00", 187_200), ("1970-01-01 00:00:00", 0),
        ("1970-01-01T00:00:45", 45), ("1970-01-02 05:30:00", 106_200), ("1970-01-31 23:59:59", 2_678_399),
        ("1970-02-10 00:00:00", 40 * 86_400), ("1971-01-01 00:00:00", 365 * 86_400), ("1973-03-01 00:00:00", (365 * 3 + 1 + 59) * 86_400),
    ]
    static let wordForms: [(String, Int64)] = [
        ("2 Hours 30 Minutes", 9_000), ("1 Hour", 3_600), ("45 Seconds", 45), ("1 Second", 1),
        ("2 Days 4 Hours 30 Minutes", 189_000), ("1 day", 86_400), ("3 MINUTES", 180), ("1 Day, 2 Hours", 93_600),
        ("30 Minutes 2 Hours", 9_000), ("0 Seconds", 0),
    ]

    @Test("the Table API's epoch form", arguments: epochForms)
    func epochForm(text: String, seconds: Int64) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test("a list export's words: singular or plural, any case, each unit once", arguments: wordForms)
    func wordsForm(text: String, seconds: Int64) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test("plain seconds", arguments: [("9000", Int64(9_000)), ("0", Int64(0))])
    func plainSeconds(text: String, seconds: Int64) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test("what is no duration", arguments: [
        "1980-01-01 00:00:00",  // past the 1970s: a date, not a duration
        "1970-02-30 00:00:00", "1970-2-01 00:00:00",
        "1970-01-32 00:00:00", "1970-01-01 24:00:00", "1970-01-01 04:00", "1970-01-01 04:60:00",
        "2 Fortnights", "Hours 2", "2 Hours 3 Hours", "1 Hour 1 Hours", "2 Hours 30",
        "-5", "-1 Hours", "2 Hours -30 Minutes", "", "soon",
        "9223372036854775807 Days", "106751991167301 Days 1 Day",  // past Int64: nil, not a trap
    ])
    func rejected(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    /// The largest total that fits is still read.
    @Test func theLargestDurationThatFits() {
        #expect(DurationText.seconds("106751991167300 Days") == Int64(9_223_372_036_854_720_000))
    }
}
