import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// Each row is applied in file order and counted for what it did, and the counts agree with the
/// audit (`tally check` verifies it).
@Suite("Counting rows for what they did")
struct CountingTests {
    static let header = "number,state,short_description,sys_updated_on,sys_mod_count"
    static let versions = [
        "INC0000001,1,first,2026-01-01 10:00:00,1",
        "INC0000001,2,second,2026-01-02 10:00:00,2",
        "INC0000001,6,third,2026-01-03 10:00:00,3",
    ]

    /// Input rows of `run` whose audit rows hold field changes, and its insert rows.
    static func audited(_ store: StoreHarness, run: Int64) throws -> (updatedRows: Int, inserts: Int) {
        (try store.count("SELECT count(DISTINCT input_row) FROM audit WHERE run = ? AND field <> '*'", [.integer(run)]),
         try store.count("SELECT count(*) FROM audit WHERE run = ? AND field = '*'", [.integer(run)]))
    }

    static func holds(_ store: StoreHarness) throws -> StoreCheckReport {
        var check = StoreCheck(database: store.database)
        check.isAlive = { _ in true }
        return try check.run()
    }

    @Test func threeVersionsInOneFileOldestFirstAreAnInsertAndTwoUpdates() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv(Self.header, Self.versions), entity: "incident")
        #expect(result.counts.inserted == 1 && result.counts.updated == 2 && result.counts.skippedStale == 0, "\(result.counts)")
        #expect(result.counts.isConserved)
        let run = try #require(result.run)
        #expect(try Self.audited(store, run: run) == (2, 1))
        // The audit shows the second and third rows' changes, in order.
        let descriptions = try store.connection.rows("SELECT old, new FROM audit WHERE run = ? AND field = 'short_description' ORDER BY id",
                                                     [.integer(run)]).map { $0.map(\.text) }
        #expect(descriptions == [["first", "second"], ["second", "third"]])
        #expect(try store.value("SELECT short_description FROM entity_incident") == "third")
        #expect(try Self.holds(store).holds)
    }

    @Test func threeVersionsInOneFileNewestFirstAreAnInsertAndTwoStaleRows() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv(Self.header, Self.versions.reversed()), entity: "incident")
        #expect(result.counts.inserted == 1 && result.counts.updated == 0 && result.counts.skippedStale == 2, "\(result.counts)")
        #expect(try Self.audited(store, run: try #require(result.run)) == (0, 1))
        #expect(try store.value("SELECT short_description FROM entity_incident") == "third")
        #expect(try Self.holds(store).holds)
    }

    @Test func threeVersionsSplitAcrossFilesCountTheSameWayAndEndTheSame() throws {
        let inOneFile = try StoreHarness()
        try inOneFile.importText(csv(Self.header, Self.versions), entity: "incident")
        let store = try StoreHarness()
        // The middle version last: an insert, an update, then a stale row.
        let first = try store.importText(csv(Self.header, [Self.versions[0], Self.versions[2]]), entity: "incident")
        let second = try store.importText(csv(Self.header, [Self.versions[1]]), entity: "incident")
        #expect(first.counts.inserted == 1 && first.counts.updated == 1)
        #expect(second.counts.skippedStale == 1 && second.counts.read == 1)
        #expect(try Self.audited(store, run: try #require(first.run)) == (1, 1))
        #expect(try Self.audited(store, run: try #require(second.run)) == (0, 0))
        #expect(try store.extract("incident") == inOneFile.extract("incident"))
        #expect(try Self.holds(store).holds)
    }

    /// A CMDB run that changes CIs says so: one updated row per CI it changed.
    @Test func aCMDBRunThatChangesCIsCountsThemUpdated() throws {
        let store = try StoreHarness()
        let header = "name,sys_class_name,serial_number,ip_address,sys_updated_on"
        let cis = (1...40).map { "host-\($0),cmdb_ci_linux_server,SN\($0),10.0.0.\($0),2026-01-01 00:00:00" }
        #expect(try store.importText(csv(header, cis), entity: "ci").counts.inserted == 40)
        let changed = (1...40).map { n in
            n <= 17 ? "host-\(n),cmdb_ci_linux_server,SN\(n),10.1.0.\(n),2026-01-02 00:00:00" : cis[n - 1]
        }
        let result = try store.importText(csv(header, changed), entity: "ci")
        #expect(result.counts.updated == 17 && result.counts.unchanged == 23, "\(result.counts)")
        #expect(try Self.audited(store, run: try #require(result.run)).updatedRows == 17)
        #expect(try Self.holds(store).holds)
    }

    /// An 18-field export of the same records carries `sys_updated_on` but no `sys_mod_count`:
    /// the part of the version it lacks is not compared, so the same version with the same
    /// values is unchanged, and with other values a same-version tie.
    @Test func aPartialExportOfTheSameVersionIsUnchanged() throws {
        let store = try StoreHarness()
        let full = "sys_id,number,state,short_description,description,assigned_to,sys_updated_on,sys_mod_count"
        let rows = (1...5).map { "\(sysID("p\($0)")),INC000000\($0),2,issue \($0),long text \($0),Ann,2026-01-01 10:00:0\($0),7" }
        try store.importText(csv(full, rows), entity: "incident")
        let partialHeader = "sys_id,number,state,short_description,sys_updated_on"
        let partial = (1...5).map { "\(sysID("p\($0)")),INC000000\($0),2,issue \($0),2026-01-01 10:00:0\($0)" }
        let same = try store.importText(csv(partialHeader, partial), entity: "incident")
        #expect(same.counts.unchanged == 5 && same.counts.skippedStale == 0, "\(same.counts)")

        // The same version with another value: a same-version tie, not a stale row.
        let before = try store.extract("incident")
        var other = partial
        other[0] = "\(sysID("p1")),INC0000001,2,issue one,2026-01-01 10:00:01"
        let tie = try store.importText(csv(partialHeader, other), entity: "incident")
        #expect(tie.counts.skippedStale == 0 && tie.counts.unchanged + tie.counts.updated == 5)
        #expect(try store.count("SELECT count(*) FROM conflicts WHERE rule = 'same_version' AND field = 'short_description'") == 1)
        let kept = try store.value("SELECT short_description FROM entity_incident WHERE number = 'INC0000001'")
        #expect(kept == (tie.counts.updated == 1 ? "issue one" : "issue 1"))
        #expect((try store.extract("incident") == before) == (tie.counts.updated == 0))
        // Fields the partial export lacks are left alone.
        #expect(try store.count("SELECT count(*) FROM entity_incident WHERE description LIKE 'long text %' AND sys_mod_count = 7") == 5)
    }

    /// Two rows of one version with different content in one file: the content-hash rule decides,
    /// as across runs, so both orders end in the same state, each with a `same_version` conflict.
    @Test func aSameVersionTieInsideOneRunIsDecidedIndependentlyOfOrder() throws {
        let a = "INC0000001,2,alpha,2026-01-01 10:00:00,3"
        let b = "INC0000001,2,bravo,2026-01-01 10:00:00,3"
        var finals: [String] = []
        for order in [[a, b], [b, a]] {
            let store = try StoreHarness()
            let result = try store.importText(csv(Self.header, order), entity: "incident")
            #expect(result.counts.inserted == 1 && result.counts.updated + result.counts.unchanged == 1)
            #expect(result.counts.conflicts == 1)
            #expect(try store.count("SELECT count(*) FROM conflicts WHERE rule = 'same_version' AND field = 'short_description'") == 1)
            #expect(try Self.holds(store).holds)
            finals.append(try store.extract("incident"))
        }
        #expect(finals[0] == finals[1])
        // The same two rows across two runs end there too.
        let store = try StoreHarness()
        try store.importText(csv(Self.header, [b]), entity: "incident")
        try store.importText(csv(Self.header, [a]), entity: "incident")
        #expect(try store.extract("incident") == finals[0])
    }

    /// A partial export and the full export of one version, in either order: the
    /// full one's extra fields fill what the partial left empty, never the other way round, so
    /// both orders end with every value (a value beats none; the larger wins where both have one).
    @Test func aPartialAndAFullExportOfOneVersionEndTheSameInEitherOrder() throws {
        let ids = (1...8).map { String(format: "0a1b2c3d4e5f60718293a4b5c6d7e8%02d", $0) }
        let full = ("sys_id,number,state,short_description,category,sys_updated_on,sys_mod_count",
                    ids.indices.map { "\(ids[$0]),INC000000\($0),2,printer jam \($0),hardware,2026-01-01 10:00:00,3" })
        let partial = ("sys_id,number,state,short_description,sys_updated_on",
                       ids.indices.map { "\(ids[$0]),INC000000\($0),2,Printer jam \($0),2026-01-01 10:00:00" })
        var finals: [String] = []
        for (first, second) in [(full, partial), (partial, full)] {
            let store = try StoreHarness()
            try store.importText(csv(first.0, first.1), entity: "incident")
            try store.importText(csv(second.0, second.1), entity: "incident")
            #expect(try store.count("SELECT count(*) FROM entity_incident WHERE category = 'hardware'") == 8)
            #expect(try Self.holds(store).holds)
            finals.append(try store.extract("incident"))
        }
        #expect(finals[0] == finals[1])
        // Both sides had a short_description: the larger ("printer jam …" > "Printer jam …") stays.
        #expect(finals[0].contains("printer jam 7") && !finals[0].contains("Printer jam"))
    }

    /// `tally check` verifies each run's counts against its audit.
    @Test func checkReportsARunWhoseCountsDisagreeWithItsAudit() throws {
        let store = try StoreHarness()
        let result = try store.importText(csv(Self.header, Self.versions), entity: "incident")
        let run = try #require(result.run)
        #expect(try Self.holds(store).holds)
        // As the old rule counted it: one insert and two stale rows (still conserved).
        try store.connection.run("UPDATE runs SET updated = 0, skipped_stale = 2 WHERE id = ?", [.integer(run)])
        try store.connection.run("UPDATE run_inputs SET updated = 0, skipped_stale = 2 WHERE run = ?", [.integer(run)])
        let report = try Self.holds(store)
        #expect(!report.holds)
        #expect(report.problems.map(\.message) == ["run \(run) counts 0 updated, but its audit records field changes by 2 row(s)"])
        try store.connection.run("UPDATE runs SET updated = 2, skipped_stale = 0, inserted = 2, read = 4 WHERE id = ?", [.integer(run)])
        #expect(try Self.holds(store).problems.map(\.message).contains("run \(run) counts 2 inserted, but its audit records 1 insert(s)"))
    }
}
