import Foundation
import Testing
import TestSupport

/// A deterministic stream of 32-hex sys_ids, in no particular order.
struct SysIDs {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    mutating func next() -> String {
        var text = ""
        for _ in 0..<2 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let hex = String(state, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text
    }
}

/// Writes an incident CSV of `rows` (sys_id, number, short_description, sys_updated_on) and imports it.
func importIncidents(_ rows: [(sysID: String, number: String, text: String, updated: String)], in folder: URL, name: String) throws {
    var csv = "sys_id,number,short_description,sys_updated_on\n"
    for row in rows { csv += "\(row.sysID),\(row.number),\(row.text),\(row.updated)\n" }
    let path = folder.appendingPathComponent(name).path
    try csv.write(toFile: path, atomically: true, encoding: .utf8)
    let result = try TallyProcess.run(["import", path, "--entity", "incident"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
}

/// Picks up the feed into a new folder; returns the delivered sys_ids (in order), descriptions,
/// ops (the last column: c, u or d) and the manifest.
func pickUp(_ feed: String, in folder: URL, _ extra: [String] = []) throws -> (ids: [String], descriptions: [String], ops: [String], manifest: [String: Any]) {
    let out = "pickup-\(UUID().uuidString)"
    let result = try TallyProcess.run(["extract", "incident", "--feed", feed, "--format", "csv", "--out", out] + extra, in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let data = FileManager.default.contents(atPath: folder.appendingPathComponent(out + "/incident.csv").path) ?? Data()
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst()
    let cells = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let manifestData = FileManager.default.contents(atPath: folder.appendingPathComponent(out + "/manifest.json").path) ?? Data()
    let manifest = (try? JSONSerialization.jsonObject(with: manifestData) as? [String: Any]) ?? [:]
    return (cells.map { $0[0] }, cells.map { $0[2] }, cells.map { $0.last ?? "" }, manifest)
}

@Suite("tally extract --feed: delta feeds")
struct ExtractFeedTests {
    /// Many rows share one second; more rows arrive in that same second between pickups, some
    /// with sys_ids below the cursor's. Every row version is delivered exactly once.
    @Test func rowsSharingOneSecondAreNeverSkippedNorDeliveredTwice() throws {
        let folder = try Paths.makeTempDirectory()
        var ids = SysIDs()
        var number = 20_000
        func batch(_ count: Int, _ updated: String) -> [(sysID: String, number: String, text: String, updated: String)] {
            (0..<count).map { _ in
                number += 1
                return (ids.next(), "INC00\(number)", "first", updated)
            }
        }
        let second = "2026-05-01 12:00:00"

        let first = batch(40, second)
        try importIncidents(first, in: folder, name: "a.csv")
        let pickup1 = try pickUp("bi", in: folder)
        #expect(pickup1.ids.count == 40)
        #expect(Set(pickup1.ids) == Set(first.map(\.sysID)))
        #expect(pickup1.ids == pickup1.ids.sorted(), "a pickup is ordered by (sys_updated_on, sys_id)")
        #expect(Set(pickup1.ops) == ["c"], "a first pickup creates every record")
        let cursor1 = try #require(pickup1.ids.last)

        // New rows in the very same second, several sorting below the cursor, plus five updates.
        let late = batch(25, second)
        #expect(late.contains { $0.sysID < cursor1 }, "the test needs rows below the cursor")
        let updates = first.prefix(5).map { (sysID: $0.sysID, number: $0.number, text: "second", updated: "2026-05-01 12:00:01") }
        try importIncidents(late + updates, in: folder, name: "b.csv")
        let pickup2 = try pickUp("bi", in: folder)
        #expect(Set(pickup2.ids) == Set(late.map(\.sysID) + updates.map(\.sysID)))
        #expect(pickup2.ids.count == 30)
        #expect(pickup2.descriptions.filter { $0 == "second" }.count == 5)
        // The op column: the five changed records are updates, the late ones new to the feed.
        #expect(zip(pickup2.descriptions, pickup2.ops).allSatisfy { $0 == "second" ? $1 == "u" : $1 == "c" }, "\(pickup2.ops)")

        // And again, between pickups, in that same second.
        let later = batch(10, second)
        try importIncidents(later, in: folder, name: "c.csv")
        let pickup3 = try pickUp("bi", in: folder)
        #expect(Set(pickup3.ids) == Set(later.map(\.sysID)))

        let pickup4 = try pickUp("bi", in: folder)
        #expect(pickup4.ids.isEmpty)

        // Every record delivered; only the five updated ones twice (one per version).
        let delivered = pickup1.ids + pickup2.ids + pickup3.ids
        #expect(Set(delivered).count == 75)
        #expect(delivered.count == 80)

        // The manifest says where the pickup started and ended.
        let feed = try #require(pickup3.manifest["feed"] as? [String: Any])
        #expect(feed["name"] as? String == "bi")
        #expect(feed["rows"] as? Int == 10)
        #expect((feed["since"] as? [String: Any])?["run"] as? Int == 2)
        #expect((feed["cursor"] as? [String: Any])?["run"] as? Int == 3)

        // --full delivers everything and restarts the cursor from there.
        let full = try pickUp("bi", in: folder, ["--full"])
        #expect(full.ids.count == 75)
        #expect(try pickUp("bi", in: folder).ids.isEmpty)

        // Another feed name has its own cursor.
        #expect(try pickUp("other", in: folder).ids.count == 75)
    }

    @Test func theCursorMovesOnlyAfterTheFilesAreWritten() throws {
        let folder = try Paths.makeTempDirectory()
        var ids = SysIDs()
        try importIncidents([(ids.next(), "INC0030001", "x", "2026-05-01 12:00:00")], in: folder, name: "a.csv")
        // --out names a file, not a folder: the pickup fails and the cursor stays.
        try #require(FileManager.default.createFile(atPath: folder.appendingPathComponent("blocker").path, contents: Data()))
        let failed = try TallyProcess.run(["extract", "incident", "--feed", "f", "--out", "blocker"], in: folder)
        #expect(failed.status == 1)
        #expect(try pickUp("f", in: folder).ids.count == 1)
        #expect(try pickUp("f", in: folder).ids.isEmpty)
    }

    @Test func aFeedBelongsToOneEntity() throws {
        let folder = try Paths.makeTempDirectory()
        var ids = SysIDs()
        try importIncidents([(ids.next(), "INC0030001", "x", "2026-05-01 12:00:00")], in: folder, name: "a.csv")
        _ = try pickUp("f", in: folder)
        let result = try TallyProcess.run(["extract", "problem", "--feed", "f", "--out", "p"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("feed 'f' delivers incident, not problem"))
    }
}

@Suite("tally extract: cells")
struct ExtractCellTests {
    static func store() throws -> URL {
        let folder = try Paths.makeTempDirectory()
        var ids = SysIDs()
        let csv = """
            sys_id,number,short_description,caller_id,sys_updated_on,reopen_count
            \(ids.next()),INC0040001,"=HYPERLINK(""http://x"")",Alice Example,2026-05-01 12:00:00,1
            \(ids.next()),INC0040002,-5,Bob Example,2026-05-01 12:00:00,2
            \(ids.next()),INC0040003,+3.5,Alice Example,2026-05-01 12:00:00,0
            \(ids.next()),INC0040004,@SUM(A1:A2),,2026-05-01 12:00:00,0
            \(ids.next()),INC0040005,-2+3,Carol,2026-05-01 12:00:00,0
            \(ids.next()),INC0040006,"\tcmd",Carol,2026-05-01 12:00:00,0
            \(ids.next()),INC0040007,plain text,Carol,2026-05-01 12:00:00,0

            """
        try csv.write(to: folder.appendingPathComponent("cells.csv"), atomically: true, encoding: .utf8)
        let result = try TallyProcess.run(["import", "cells.csv", "--entity", "incident"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        return folder
    }

    func descriptions(_ output: String) -> [String] {
        output.split(separator: "\n").dropFirst().map { line in
            let parts = line.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
            return String(parts[2])
        }
    }

    @Test func theFormulaGuardNeutralisesFormulasButNotNumbers() throws {
        let folder = try Self.store()
        let guarded = try TallyProcess.run(["extract", "incident", "--format", "csv"], in: folder)
        #expect(guarded.status == 0, "\(guarded.stderr)")
        let cells = descriptions(guarded.stdout)
        #expect(cells.contains(#""'=HYPERLINK(""http://x"")""#))
        #expect(cells.contains("-5"))
        #expect(cells.contains("+3.5"))
        #expect(cells.contains("'@SUM(A1:A2)"))
        #expect(cells.contains("'-2+3"))
        #expect(cells.contains("'\tcmd"))
        #expect(cells.contains("plain text"))

        let raw = try TallyProcess.run(["extract", "incident", "--format", "csv", "--no-formula-guard"], in: folder)
        #expect(descriptions(raw.stdout).contains("-2+3"))
        #expect(descriptions(raw.stdout).contains("@SUM(A1:A2)"))

        // NDJSON and JSON are never touched.
        let ndjson = try TallyProcess.run(["extract", "incident", "--format", "ndjson"], in: folder)
        #expect(ndjson.stdout.contains(#""short_description":"@SUM(A1:A2)""#))
        #expect(ndjson.stdout.contains(#""short_description":"=HYPERLINK(\"http://x\")""#))
    }

    @Test func maskedFieldsHashStablyWithTheStoresSalt() throws {
        let folder = try Self.store()
        let first = try TallyProcess.run(["extract", "incident", "--format", "ndjson", "--mask", "caller_id,opened_by"], in: folder)
        let second = try TallyProcess.run(["extract", "incident", "--format", "ndjson", "--mask", "caller_id", "--mask", "opened_by"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout, "a later extract masks the same way")
        #expect(!first.stdout.contains("Alice"))
        #expect(first.stdout.contains(#""caller_id_display":null"#), "null stays null")
        // The names are display values (caller_id keeps sys_ids): masking caller_id masks them too.
        let callers = first.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: #""caller_id_display":""#) else { return nil }
            return String(line[range.upperBound...].prefix(16))
        }
        #expect(callers.count == 6)
        #expect(callers.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) })
        #expect(Set(callers).count == 3, "Alice, Bob and Carol: one hash each")
        let store = try StoreProbe(folder)
        #expect(try store.count("settings", "key = 'mask_salt' AND length(value) = 64") == 1)
    }
}
