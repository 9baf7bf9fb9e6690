import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// The count names are declared once (``RunCounts/Field``); the store, the reports and the
/// sentences the CLI prints follow them.
@Suite("Run counts")
struct RunCountsTests {
    /// Counts with a different value in every field, so a swapped position shows.
    static var distinct: RunCounts {
        var counts = RunCounts()
        for (offset, field) in RunCounts.Field.allCases.enumerated() { counts[field] = 10 + offset }
        return counts
    }

    @Test func eachFieldReadsAndWritesItsOwnCount() {
        var counts = RunCounts()
        counts[.skippedStale] = 4
        counts[.recovered] = 2
        #expect(counts.skippedStale == 4 && counts.recovered == 2 && counts.read == 0)
        #expect(Set(RunCounts.Field.allCases.map { Self.distinct[$0] }).count == RunCounts.Field.allCases.count)
        #expect(RunCounts(named: Dictionary(uniqueKeysWithValues: Self.distinct.named)) == Self.distinct)
        #expect(Self.distinct + Self.distinct == RunCounts(named: Dictionary(uniqueKeysWithValues: Self.distinct.named.map { ($0.0, $0.1 * 2) })))
    }

    @Test func theSentenceNamesTheCountsInOrder() {
        var counts = RunCounts()
        (counts.read, counts.inserted, counts.updated, counts.unchanged, counts.skippedStale, counts.rejected) = (9, 4, 2, 1, 1, 1)
        (counts.warnings, counts.conflicts, counts.retired) = (3, 2, 5)
        #expect(counts.text() == "read 9, inserted 4, updated 2, unchanged 1, skipped_stale 1, rejected 1, warnings 3, conflicts 2")
        #expect(counts.text(RunCounts.Field.rows) == "read 9, inserted 4, updated 2, unchanged 1, skipped_stale 1, rejected 1")
        #expect(counts.isConserved)
        counts.rejected = 0
        #expect(!counts.isConserved)
    }

    /// The migrations are history and keep their SQL: every count must have its column there.
    @Test func theStoreHasAColumnForEveryCount() throws {
        let store = try StoreHarness()
        func columns(_ table: String) throws -> Set<String> {
            Set(try store.connection.rows("SELECT name FROM pragma_table_info(?)", [.text(table)]).compactMap(\.[0].text))
        }
        #expect(try columns("runs").isSuperset(of: RunCounts.Field.allCases.map(\.name)))
        #expect(try columns("run_inputs").isSuperset(of: RunCounts.Field.rows.map(\.name)))
    }

    /// Written and read back by name: a count stored under another's column would show here.
    @Test func theLedgerKeepsEveryCountInItsColumn() throws {
        let store = try StoreHarness()
        let ledger = RunLedger(store.database)
        let run = try ledger.begin(kind: .import, entity: "incident", source: "test", command: "test")
        var input = RunInput(position: 0, path: "x.csv", size: 1, sha256: nil, format: "csv", counts: Self.distinct)
        input.storedPath = "kept"
        try store.connection.transaction {
            try ledger.record(input, run: run)
            try ledger.finish(run: run, status: .committed, counts: Self.distinct, audit: nil)
        }
        #expect(try ledger.run(run)?.counts == Self.distinct)
        for field in RunCounts.Field.allCases {
            #expect(try store.count("SELECT \(field.name) FROM runs WHERE id = ?", [.integer(run)]) == Self.distinct[field], "\(field)")
        }
        let back = try #require(try ledger.inputs(run: run).first)
        #expect(RunCounts.Field.rows.allSatisfy { back.counts[$0] == Self.distinct[$0] })
        #expect(back.storedPath == "kept")
        for field in RunCounts.Field.rows {
            #expect(try store.count("SELECT \(field.name) FROM run_inputs WHERE run = ?", [.integer(run)]) == Self.distinct[field], "\(field)")
        }
    }

    @Test func theRunSummaryReportHasEveryCountButRecovered() {
        let report = ReportCatalogue(registry: .standard).report(named: "run_summary")
        let names = report?.columns.map(\.name) ?? []
        #expect(Array(names.suffix(RunCounts.Field.allCases.count - 1)) == RunCounts.Field.allCases.dropLast().map(\.name))
    }
}
