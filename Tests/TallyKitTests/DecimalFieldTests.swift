import Testing
import TallyStore
@testable import TallyKit

/// A decimal (a CI's `cost`) is stored as SQLite REAL: its mapped text must be what the store
/// gives back, or every import of the value would count as a change the store never keeps.
@Suite("Decimal fields")
struct DecimalFieldTests {
    @Test("a number reads back from the store as it was mapped", arguments: ["-0", "-0.00", "0", "3,665", "9,999.99", "0.1", "-12.50", "1,234,567.891"])
    func readsBackAsMapped(text: String) throws {
        let mapped = try #require(FieldConverter.decimal(text))
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t (c REAL)")
        try connection.run("INSERT INTO t VALUES (?)", [.text(mapped)])
        #expect(FieldValue(stored: try connection.scalar("SELECT c FROM t"), type: .decimal) == .text(mapped))
    }

    @Test("commas group thousands, never stand for the decimal point", arguments: ["1,00", "1.000,50", "12,34,567", ",5", "1e5", "-", "."])
    func refusesWhatIsNotANumber(text: String) {
        #expect(FieldConverter.decimal(text) == nil)
    }
}
