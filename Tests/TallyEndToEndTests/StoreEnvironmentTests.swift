import Foundation
import Testing
import TestSupport

/// Two writers on one store, an extract during a write, a read-only store, a full disk and a
/// missing folder: each ends in a clear message, and the store holds afterwards.
@Suite("Concurrency and environment", .serialized)
struct StoreEnvironmentTests {
    /// Waits until the store in `folder` has a running run (the writer holds or wants the lock).
    func waitForRunningRun(_ folder: URL, writer: Process, seconds: Double = 60) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && writer.isRunning {
            if let probe = try? StoreProbe(folder), (try? probe.count("runs", "status = 'running'")) ?? 0 > 0 { return }
            usleep(20_000)
        }
    }

    func read(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    @Test("two writers: one proceeds, the other waits or fails cleanly; nothing is corrupted")
    func twoWriters() throws {
        let folder = try Paths.makeTempDirectory("tally-two-writers")
        try Bounded.incidents(60_000, to: folder.appendingPathComponent("big.csv"))
        try Bounded.incidents(3, first: 900_001, to: folder.appendingPathComponent("small.csv"))
        let first = try Bounded.start(["import", "big.csv", "--entity", "incident", "--db", "tally.db"], in: folder, label: "first")
        waitForRunningRun(folder, writer: first)
        let second = try Bounded.tally(["import", "small.csv", "--entity", "incident", "--db", "tally.db"], in: folder, timeout: 300)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0, "\(read(folder.appendingPathComponent("first.err")))")
        #expect(!second.timedOut && !second.stderr.contains("Fatal error"))
        let probe = try StoreProbe(folder)
        if second.status == 0 {
            #expect(try probe.count("entity_incident") == 60_003)
        } else {
            #expect(second.status == 75, "\(second.status): \(second.stderr)")
            // The store's lock names the holder; SQLite's busy timeout (without the lock) says so too.
            #expect(second.stderr.contains("the store is locked by pid") || second.stderr.contains("another process is writing to the store; nothing was written"),
                    "not a clear message: \(second.stderr)")
            #expect(try probe.count("entity_incident") == 60_000)
        }
        try Bounded.expectStoreHolds(folder)
    }

    @Test("a rollback waiting behind an import that changes the same records refuses, never overrides them")
    func rollbackRacingAnImport() throws {
        let folder = try Paths.makeTempDirectory("tally-rollback-race")
        try Bounded.incidents(3, to: folder.appendingPathComponent("small.csv"))
        // The big file updates the three records run 1 inserted (state 3 instead of 2, same keys).
        try Bounded.incidents(20_000, state: 3, to: folder.appendingPathComponent("big.csv"))
        #expect(try Bounded.tally(["import", "small.csv", "--entity", "incident", "--db", "tally.db"], in: folder).status == 0)
        let writer = try Bounded.start(["import", "big.csv", "--entity", "incident", "--force", "--db", "tally.db"], in: folder, label: "writer")
        waitForRunningRun(folder, writer: writer)
        let rollback = try Bounded.tally(["rollback", "1", "--db", "tally.db"], in: folder, timeout: 120)
        writer.waitUntilExit()
        // 65: the three records come back at the same version with another state (same_version conflicts).
        #expect([0, 65].contains(writer.terminationStatus), "\(read(folder.appendingPathComponent("writer.err")))")
        let probe = try StoreProbe(folder)
        if rollback.status == 0 {
            // Only if the rollback ran entirely before the import: then the import re-inserted them.
            #expect(try probe.count("entity_incident") == 20_000)
        } else {
            #expect(rollback.status == 1 || rollback.status == 75, "\(rollback.status): \(rollback.stderr)")
            // Refused: the import's records are all there and no rollback was committed. (Which of
            // the three same-version rows wins is the content hash's call, not the arrival order's.)
            #expect(try probe.count("entity_incident") == 20_000, "the rollback removed the import's records")
            #expect(try probe.count("entity_incident", "state = 3") >= 19_997, "the rollback overrode the import's changes")
            #expect(try probe.count("runs", "kind = 'rollback' AND status = 'committed'") == 0)
        }
        try Bounded.expectStoreHolds(folder)
    }

    @Test("an extract taken during a write sees one snapshot: the before or the after state, checksums valid")
    func extractDuringWrite() throws {
        let folder = try Paths.makeTempDirectory("tally-extract-during-write")
        try Bounded.incidents(1_000, to: folder.appendingPathComponent("base.csv"))
        try Bounded.incidents(60_000, first: 100_001, to: folder.appendingPathComponent("big.csv"))
        #expect(try Bounded.tally(["import", "base.csv", "--entity", "incident", "--db", "tally.db"], in: folder).status == 0)
        let writer = try Bounded.start(["import", "big.csv", "--entity", "incident", "--db", "tally.db"], in: folder, label: "writer")
        waitForRunningRun(folder, writer: writer)
        let extract = try Bounded.tally(["extract", "incident", "incident_metrics", "--out", "out", "--format", "csv", "--db", "tally.db"], in: folder, timeout: 300)
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(extract.status == 0, "\(extract.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("out/manifest.json"))) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])
        let rows = try #require(files.first { $0["report"] as? String == "incident" }?["rows"] as? Int)
        #expect(rows == 1_000 || rows == 61_000, "the extract saw \(rows) rows: neither before nor after")
        let lines = read(folder.appendingPathComponent("out/incident.csv")).split(separator: "\n").count
        #expect(lines == rows + 1)
        let sums = Process()
        sums.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sums.arguments = ["sha256sum", "-c", "--quiet", "SHA256SUMS"]
        sums.currentDirectoryURL = folder.appendingPathComponent("out")
        try sums.run()
        sums.waitUntilExit()
        #expect(sums.terminationStatus == 0, "SHA256SUMS does not verify")
        try Bounded.expectStoreHolds(folder)
    }

    @Test("a read-only store: a clear error, exit 1, nothing written")
    func readOnlyStore() throws {
        let folder = try Paths.makeTempDirectory("tally-read-only")
        let small = Paths.fixture("hostile/small.csv")
        #expect(try Bounded.tally(["import", small, "--entity", "incident", "--db", "tally.db"], in: folder).status == 0)
        let before = try StoreProbe(folder).entityState()
        let store = try Bounded.ReadOnlyStore(of: folder)
        defer { store.remove() }
        for arguments in [["import", Paths.fixture("hostile/sql-and-formulas.csv"), "--entity", "incident"], ["rollback", "1"], ["check"]] {
            let result = try Bounded.tally(arguments + ["--db", store.db], in: folder)
            #expect(result.status == 1, "\(arguments[0]): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("read-only"), "\(arguments[0]): not a clear message: \(result.stderr)")
        }
        // Writable again: nothing was half-written, and the store holds.
        store.makeWritable()
        #expect(try StoreProbe(store.folder).entityState() == before)
        try Bounded.expectStoreHolds(store.folder)
    }

    @Test("a full disk: a clear error, nothing half-written, and the store holds")
    func fullDisk() throws {
        let folder = try Paths.makeTempDirectory("tally-full-disk")
        try Bounded.incidents(60_000, to: folder.appendingPathComponent("big.csv"))
        // A size-limited file (ulimit -f, SIGXFSZ ignored so writes fail with EFBIG) works anywhere.
        let limited = try Bounded.tally(["import", "big.csv", "--entity", "incident", "--db", "tally.db"], in: folder, timeout: 300,
                                        shell: "trap '' XFSZ; ulimit -f 1024")
        #expect(limited.status == 1, "\(limited.status): \(limited.stderr)")
        #expect(limited.stderr.contains("nothing was committed") || limited.stderr.contains("disk") || limited.stderr.contains("I/O"), "\(limited.stderr)")
        try Bounded.expectStoreHolds(folder)
        #expect(try StoreProbe(folder).count("entity_incident") == 0)

        guard let mount = try Bounded.tmpfs("1m") else { return }
        defer { Bounded.system("umount '\(mount.path)'") }
        let full = try Bounded.tally(["import", folder.appendingPathComponent("big.csv").path, "--entity", "incident", "--db", "tally.db"], in: mount, timeout: 300)
        #expect(full.status == 1, "\(full.status): \(full.stderr)")
        #expect(full.stderr.contains("full"), "not a clear message: \(full.stderr)")
        #expect(Bounded.system("mount -o remount,size=64m '\(mount.path)'") == 0)
        try Bounded.expectStoreHolds(mount)
        #expect(try StoreProbe(mount).count("entity_incident") == 0)
        // An extract onto a full disk: a clear error, and no file half-written in --out.
        #expect(try Bounded.tally(["import", Paths.fixture("hostile/small.csv"), "--entity", "incident", "--db", "tally.db"], in: mount).status == 0)
        let outMount = try #require(try Bounded.tmpfs("16k"))
        defer { Bounded.system("umount '\(outMount.path)'") }
        try Bounded.incidents(2_000, first: 10, to: folder.appendingPathComponent("more.csv"))
        #expect(try Bounded.tally(["import", folder.appendingPathComponent("more.csv").path, "--entity", "incident", "--db", "tally.db"], in: mount).status == 0)
        let extract = try Bounded.tally(["extract", "incident", "--out", outMount.path, "--format", "csv", "--db", "tally.db"], in: mount)
        #expect(extract.status == 1, "\(extract.status): \(extract.stderr)")
        #expect(extract.stderr.contains("space") || extract.stderr.contains("full"), "\(extract.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outMount.path).isEmpty, "the failed extract left files behind")
    }

    @Test("a missing folder for --db, or an --out that cannot be a folder: a clear error each")
    func missingFolders() throws {
        let folder = try Paths.makeTempDirectory("tally-missing")
        let small = Paths.fixture("hostile/small.csv")
        let missing = try Bounded.tally(["import", small, "--entity", "incident", "--db", "no/such/folder/tally.db"], in: folder)
        #expect(missing.status == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains("no/such/folder") && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("no").path))
        let check = try Bounded.tally(["check", "--db", "no/such/folder/tally.db"], in: folder)
        #expect(check.status == 66 && check.stderr.contains("no store at"), "\(check.stderr)")

        #expect(try Bounded.tally(["import", small, "--entity", "incident", "--db", "tally.db"], in: folder).status == 0)
        try Data("a file".utf8).write(to: folder.appendingPathComponent("file.txt"))
        for out in ["file.txt", "file.txt/sub"] {
            let extract = try Bounded.tally(["extract", "incident", "--out", out, "--db", "tally.db"], in: folder)
            #expect(extract.status == 1 || extract.status == 64, "\(out): \(extract.status) \(extract.stderr)")
            #expect(extract.stderr.contains("file.txt") && !extract.stderr.contains("Fatal error"), "\(extract.stderr)")
        }
        #expect(read(folder.appendingPathComponent("file.txt")) == "a file")
    }
}
