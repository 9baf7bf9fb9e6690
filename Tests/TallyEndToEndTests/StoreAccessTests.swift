import Foundation
import Testing
import TallyStore
import TestSupport

/// How commands open the store: reads never create one, nothing touches a file that is not a
/// Tally store, a newer schema is named, a read-only store serves reads, a damaged one is reported.
@Suite("Store access", .serialized)
struct StoreAccessTests {
    /// Every command that reads or changes an existing store, with the arguments it needs.
    static let storeCommands: [[String]] = [
        ["runs"], ["rejects"], ["conflicts"], ["settings"], ["settings", "get", "sync_enabled"],
        ["settings", "unset", "sync_enabled"], ["prune", "--keep-days", "1"], ["history", "incident", "INC0000001"],
        ["show", "1"], ["extract", "incident"], ["report", "--html", "r.html"], ["check"], ["check", "--no-repair"],
        ["rollback", "1"], ["rerun", "1"],
    ]

    func sha256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    func importSmall(into folder: URL) throws {
        let csv = "number,state,sys_updated_on\nINC0000001,1,2026-01-01 00:00:00\nINC0000002,2,2026-01-01 00:00:00\n"
        try csv.write(to: folder.appendingPathComponent("small.csv"), atomically: true, encoding: .utf8)
        let result = try TallyProcess.run(["import", "small.csv", "-e", "incident", "--db", "tally.db"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("a read on a missing store exits 66 and creates nothing")
    func readsNeverCreateAStore() throws {
        let folder = try Paths.makeTempDirectory("tally-missing-store")
        for arguments in Self.storeCommands {
            let result = try TallyProcess.run(arguments + ["--db", "typo.db"], in: folder)
            #expect(result.status == 66, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("error: no store at typo.db; create one with tally init"), "\(arguments): \(result.stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(left.isEmpty, "\(arguments) left \(left)")
        }
        // TALLY_DB is a --db like any other.
        let viaEnvironment = try TallyProcess.run(["runs"], in: folder, environment: ["TALLY_DB": "typo.db"])
        #expect(viaEnvironment.status == 66)
        // Only init, import, run and settings set create a store.
        #expect(try TallyProcess.run(["init", "--db", "new.db"], in: folder).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("new.db").path))
    }

    @Test("every command refuses a SQLite file that is not a Tally store, exit 64, and leaves it byte for byte")
    func anotherApplicationsFileIsLeftAlone() throws {
        let folder = try Paths.makeTempDirectory("tally-foreign-store")
        let path = folder.appendingPathComponent("app.db").path
        do {
            let other = try Connection(path: path)
            try other.execute("PRAGMA journal_mode=DELETE; CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ann')")
        }
        let job = #"{"name": "nightly", "store": "app.db", "inputs": [{"entity": "incident", "glob": "small.csv"}]}"#
        try job.write(to: folder.appendingPathComponent("job.json"), atomically: true, encoding: .utf8)
        try "number,state,sys_updated_on\nINC0000001,1,2026-01-01 00:00:00\n".write(to: folder.appendingPathComponent("small.csv"), atomically: true, encoding: .utf8)
        let before = try sha256(path)
        let beforeFiles = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        let commands = Self.storeCommands.map { $0 + ["--db", "app.db"] } + [
            ["init", "--db", "app.db"], ["import", "small.csv", "-e", "incident", "--db", "app.db"], ["run", "job.json"],
            ["settings", "set", "sync_enabled", "true", "--db", "app.db"],
        ]
        for arguments in commands {
            let result = try TallyProcess.run(arguments, in: folder)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("app.db is not a Tally store: it is a SQLite database of another application (tables customers); it was left unchanged"),
                    "\(arguments): \(result.stderr)")
            #expect(try sha256(path) == before, "\(arguments) changed the file")
            let now = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
            #expect(now == beforeFiles, "\(arguments) left \(now.subtracting(beforeFiles).sorted())")
        }
        // A file that is not SQLite at all.
        try "name,value\n".write(toFile: folder.appendingPathComponent("notes.csv").path, atomically: true, encoding: .utf8)
        let notes = try TallyProcess.run(["runs", "--db", "notes.csv"], in: folder)
        #expect(notes.status == 64 && notes.stderr.contains("notes.csv is not a Tally store: it is not a SQLite database"), "\(notes.stderr)")
    }

    @Test("'no such run' is a usage error (64) for every command that takes a run")
    func noSuchRunIs64() throws {
        let folder = try Paths.makeTempDirectory("tally-no-such-run")
        try importSmall(into: folder)
        for arguments in [["show", "99"], ["rejects", "--run", "99"], ["conflicts", "--run", "99"], ["rollback", "99"],
                          ["rerun", "99"], ["report", "--html", "r.html", "--run", "99"]] {
            let result = try TallyProcess.run(arguments + ["--db", "tally.db"], in: folder)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("there is no run 99"), "\(arguments): \(result.stderr)")
        }
        // A record the store does not hold is named the same way.
        let history = try TallyProcess.run(["history", "incident", "INC9999999", "--db", "tally.db"], in: folder)
        #expect(history.status == 64, "\(history.status) \(history.stderr)")
        #expect(history.stderr.contains("no incident with sys_id, number or key 'INC9999999'"), "\(history.stderr)")
    }

    @Test("a store written by a newer Tally is named as such, not 'SQLite error 21'")
    func aFutureSchemaIsNamed() throws {
        let folder = try Paths.makeTempDirectory("tally-future-schema")
        try importSmall(into: folder)
        do {
            let store = try Connection(path: folder.appendingPathComponent("tally.db").path)
            try store.execute("PRAGMA user_version = 99")
        }
        for arguments in [["runs"], ["check"], ["init"], ["import", "small.csv", "-e", "incident", "--force"]] {
            let result = try TallyProcess.run(arguments + ["--db", "tally.db"], in: folder)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("the store at tally.db was written by a newer Tally (schema 99, this build knows "), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("SQLite error"), "\(arguments): \(result.stderr)")
        }
    }

    @Test("a read-only store serves runs, check --no-repair, extract and report")
    func aReadOnlyStoreServesReads() throws {
        let folder = try Paths.makeTempDirectory("tally-read-only-reads")
        try importSmall(into: folder)
        let store = try Bounded.ReadOnlyStore(of: folder)
        defer { store.remove() }
        let db = store.db
        let out = try Paths.makeTempDirectory("tally-read-only-out")
        let runs = try TallyProcess.run(["runs", "--db", db], in: out)
        #expect(runs.status == 0 && runs.stdout.contains("committed"), "\(runs.stderr)")
        let check = try TallyProcess.run(["check", "--no-repair", "--db", db], in: out)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let extract = try TallyProcess.run(["extract", "incident", "--db", db], in: out)
        #expect(extract.status == 0 && extract.stdout.contains("INC0000002"), "\(extract.stderr)")
        let report = try TallyProcess.run(["report", "--html", "r.html", "--db", db], in: out)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("r.html").path))
        // A write still says plainly that it cannot.
        let rollback = try TallyProcess.run(["rollback", "1", "--db", db], in: out)
        #expect(rollback.status == 1 && rollback.stderr.contains("read-only"), "\(rollback.stderr)")
    }

    @Test("check on a damaged store exits 65 and lists what is wrong, also with --json")
    func checkReportsADamagedStore() throws {
        let folder = try Paths.makeTempDirectory("tally-corrupt-store")
        try Bounded.incidents(3_000, to: folder.appendingPathComponent("big.csv"))
        #expect(try TallyProcess.run(["import", "big.csv", "-e", "incident", "--db", "tally.db"], in: folder).status == 0)
        let path = folder.appendingPathComponent("tally.db").path
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        let size = try handle.seekToEnd()
        // Overwrite four pages in the middle of the file (not the header or the schema).
        try handle.seek(toOffset: (size / 2) / 4096 * 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4 * 4096))
        try handle.close()

        let text = try TallyProcess.run(["check", "--db", "tally.db"], in: folder)
        #expect(text.status == 65, "\(text.status): \(text.stdout) \(text.stderr)")
        #expect(text.stdout.contains("FAIL integrity"), "\(text.stdout)")
        #expect(text.stderr.contains("does not hold"), "\(text.stderr)")
        let json = try TallyProcess.run(["check", "--json", "--no-repair", "--db", "tally.db"], in: folder)
        #expect(json.status == 65)
        let report = try jsonObject(json.stdout)
        #expect(report["holds"] as? Bool == false)
        #expect((report["errors"] as? Int ?? 0) > 0)
    }

    @Test("check leaves a running run alone while the store's lock is held, whatever its pid says")
    func checkConsultsTheLock() throws {
        let folder = try Paths.makeTempDirectory("tally-check-lock")
        try importSmall(into: folder)
        let db = folder.appendingPathComponent("tally.db").path
        do {
            // A live import seen from another PID namespace: its pid means nothing here.
            let store = try Connection(path: db)
            try store.run("INSERT INTO runs (id, kind, status, command, started_at, pid) VALUES (7, 'import', 'running', 'tally import x', '2026-12-01T00:00:00Z', 999999)")
        }
        let descriptor = open(db + ".lock", O_RDWR | O_CREAT, 0o644)
        #expect(descriptor >= 0 && flock(descriptor, LOCK_EX) == 0)
        let held = try TallyProcess.run(["check", "--db", "tally.db"], in: folder)
        #expect(held.status == 0, "\(held.stdout) \(held.stderr)")
        #expect(held.stdout.contains("run(s) 7 in progress (the store's lock is held)"), "\(held.stdout)")
        #expect(try StoreProbe(folder).text("SELECT status FROM runs WHERE id = 7") == "running")
        // Released: the process is gone, so the run is abandoned.
        flock(descriptor, LOCK_UN)
        close(descriptor)
        let released = try TallyProcess.run(["check", "--db", "tally.db"], in: folder)
        #expect(released.stdout.contains("repaired: marked run(s) 7 abandoned"), "\(released.stdout)")
        #expect(try StoreProbe(folder).text("SELECT status FROM runs WHERE id = 7") == "abandoned")
    }

    @Test("too many open files is said as such, not as a read-only store")
    func tooManyOpenFiles() throws {
        let folder = try Paths.makeTempDirectory("tally-fd-limit")
        try importSmall(into: folder)
        let result = try Bounded.tally(["import", "small.csv", "-e", "incident", "--force", "--db", "tally.db"], in: folder, shell: "ulimit -n 6")
        #expect(result.status == 1, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("too many open files"), "\(result.stderr)")
        #expect(!result.stderr.contains("read-only"), "\(result.stderr)")
    }

    @Test("a full disk is told with the store's path and the free space, without SQL or a Foundation dump")
    func aFullDiskIsToldPlainly() throws {
        guard getuid() == 0 else { return }  // needs a small tmpfs
        guard let point = try Bounded.tmpfs("2m") else { Issue.record("cannot mount a tmpfs"); return }  // the new store and the kept input fit, its rows do not
        defer { Bounded.system("umount '\(point.path)'") }
        let folder = try Paths.makeTempDirectory("tally-full-input")
        try Bounded.incidents(8_000, to: folder.appendingPathComponent("big.csv"))
        let db = point.appendingPathComponent("tally.db").path
        let result = try Bounded.tally(["import", "big.csv", "-e", "incident", "--db", db], in: folder, timeout: 120)
        #expect(result.status == 1, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("the disk is full writing \(db) ("), "\(result.stderr)")
        #expect(result.stderr.contains("MB free when it failed); free space on that file system and run again"), "\(result.stderr)")
        for noise in ["INSERT", "NSCocoaErrorDomain", "while executing"] {
            #expect(!result.stderr.contains(noise), "\(noise) in \(result.stderr)")
        }
    }
}
