import Foundation
import Testing
import TestSupport

/// Issue 24: inputs that change under the import, planted links and FIFOs, the store's own files
/// in a glob, a full disk while keeping an input, dead threads, forged `_reject_run` links,
/// formula cells in the rejects CSV, an escaping feed name.
@Suite("a hostile environment", .serialized)
struct HostileEnvironmentTests {
    let folder: URL

    init() throws {
        folder = try Paths.makeTempDirectory("tally-hostile-env")
        #expect(try run(["init", "--db", "tally.db"]).status == 0)
    }

    @discardableResult
    func run(_ arguments: [String], timeout: TimeInterval = 60, environment: [String: String] = [:],
             shell: String? = nil) throws -> Bounded.Output {
        try Bounded.tally(arguments, in: folder, timeout: timeout, environment: environment, shell: shell)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: false, encoding: .utf8)
    }

    func stamp(_ name: String) -> stat? {
        var status = stat()
        return lstat(path(name), &status) == 0 ? status : nil
    }

    // MARK: 1. a file that changes while it is read

    @Test("an input truncated while it is read fails the run (exit 65, nothing committed); the whole file imports later")
    func inputChangedWhileRead() throws {
        try Bounded.incidents(3_000, to: folder.appendingPathComponent("grow.csv"))
        let hold = path("hold")
        try write("hold", "")
        let process = try Bounded.start(["import", "grow.csv", "--entity", "incident", "--db", "tally.db"], in: folder, label: "changed",
                                        environment: ["TALLY_TEST_HOLD": "read-end:" + hold])
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: hold + ".reached"), Date() < deadline { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: hold + ".reached"), "the import never reached the end of its read")
        #expect(truncate(path("grow.csv"), 50_000) == 0)  // a producer rewriting the file
        try FileManager.default.removeItem(atPath: hold)
        process.waitUntilExit()
        let stderr = try String(contentsOfFile: path("changed.err"), encoding: .utf8)
        #expect(process.terminationStatus == 65, "\(stderr)")
        #expect(stderr.contains("grow.csv changed while it was read"), "\(stderr)")
        let probe = try StoreProbe(folder)
        #expect(try probe.count("entity_incident") == 0)
        #expect(try probe.count("run_inputs") == 0)
        #expect(try probe.text("SELECT status FROM runs") == "failed")
        // The complete file (as it now is) is imported, not "skipped — already imported".
        let again = try run(["import", "grow.csv", "--entity", "incident", "--db", "tally.db", "--json"])
        #expect(again.status == 0 || again.status == 65, "\(again.stderr)")
        #expect(again.stdout.contains("\"status\": \"committed\""), "\(again.stdout)")
        #expect(try probe.count("entity_incident") > 0)
        try Bounded.expectStoreHolds(folder)
    }

    // MARK: 2. the kept input is a copy

    @Test("a kept input is a copy of its own: rewriting the original in place leaves reruns and tally check intact")
    func keptInputIsACopy() throws {
        try Bounded.incidents(200, to: folder.appendingPathComponent("a.csv"))
        #expect(try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"]).status == 0)
        let kept = try #require(try StoreProbe(folder).text("SELECT stored_path FROM run_inputs WHERE run = 1"))
        let original = try #require(stamp("a.csv")), copy = try #require(stamp(kept))
        #expect(original.st_ino != copy.st_ino && copy.st_nlink == 1 && original.st_nlink == 1)
        // A producer rewrites the file in place (same inode).
        let handle = try #require(FileHandle(forWritingAtPath: path("a.csv")))
        try handle.write(contentsOf: Data("sys_id,number\nrewritten,INC9\n".utf8))
        try handle.truncate(atOffset: 29)
        try handle.close()
        let rerun = try run(["rerun", "1", "--db", "tally.db"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        try Bounded.expectStoreHolds(folder)
        // tally check hashes the kept inputs.
        let check = try run(["check", "--db", "tally.db"])
        #expect(check.stdout.contains("kept_inputs: 1 kept input(s) hashed: ok"), "\(check.stdout)")
        let tampered = try #require(FileHandle(forWritingAtPath: path(kept)))
        try tampered.seekToEnd()
        try tampered.write(contentsOf: Data("x\n".utf8))
        try tampered.close()
        let failing = try run(["check", "--db", "tally.db"])
        #expect(failing.status == 65)
        #expect(failing.stdout.contains("no longer matches its SHA-256"), "\(failing.stdout)")
        // A FIFO in its place is reported, never opened (reading it would wait for a writer forever).
        try FileManager.default.removeItem(atPath: path(kept))
        #expect(mkfifo(path(kept), 0o644) == 0)
        let fifo = try run(["check", "--db", "tally.db"], timeout: 20)
        #expect(!fifo.timedOut && fifo.status == 65, "\(fifo.stdout)")
        #expect(fifo.stdout.contains("is not a regular file"), "\(fifo.stdout)")
    }

    @Test("an input read through a relative symlink (--follow-symlinks) is kept as a regular file, never a dangling link")
    func relativeSymlinkKeptAsFile() throws {
        try FileManager.default.createDirectory(atPath: path("data"), withIntermediateDirectories: true)
        try Bounded.incidents(20, to: folder.appendingPathComponent("data/b.csv"))
        #expect(symlink("data/b.csv", path("link.csv")) == 0)
        let refused = try run(["import", "link.csv", "--entity", "incident", "--db", "tally.db"])
        #expect(refused.status == 64 && refused.stderr.contains("link.csv is a symbolic link; Tally reads links only with --follow-symlinks"), "\(refused.stderr)")
        let followed = try run(["import", "link.csv", "--entity", "incident", "--db", "tally.db", "--follow-symlinks"])
        #expect(followed.status == 0, "\(followed.stderr)")
        let kept = try #require(try StoreProbe(folder).text("SELECT stored_path FROM run_inputs"))
        let status = try #require(stamp(kept))
        #expect(status.st_mode & S_IFMT == S_IFREG)
    }

    // MARK: 3. archiving across file systems

    /// A folder on another file system than the test's temp folder (`/dev/shm`), or nil.
    func otherFileSystem() throws -> String? {
        var here = stat(), shm = stat()
        guard stat(folder.path, &here) == 0, stat("/dev/shm", &shm) == 0, here.st_dev != shm.st_dev,
              access("/dev/shm", W_OK) == 0 else { return nil }
        let other = "/dev/shm/tally-archive-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        return other
    }

    /// A job archiving `drop/incident-*.csv` onto another file system, with `drop/incident-1.csv`
    /// (300 incidents) to take: the archive folder, or nil (the skip said) where there is none.
    func crossFileSystemJob() throws -> String? {
        guard let archive = try otherFileSystem() else {
            print("skipped: /dev/shm is not a writable, separate file system here")
            return nil
        }
        try FileManager.default.createDirectory(atPath: path("drop"), withIntermediateDirectories: true)
        try Bounded.incidents(300, to: folder.appendingPathComponent("drop/incident-1.csv"))
        try write("job.json", """
            {"name": "xfs", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "drop/incident-*.csv"}], "archive": "\(archive)"}
            """)
        return archive
    }

    @Test("archiving across file systems: a whole copy under its name, the original removed, no temp file; leftovers of a killed move are cleaned, never archived twice")
    func crossFileSystemArchive() throws {
        guard let archive = try crossFileSystemJob() else { return }
        defer { try? FileManager.default.removeItem(atPath: archive) }
        try Bounded.incidents(50, first: 1_000, to: folder.appendingPathComponent("drop/incident-2.csv"))
        let content = try Data(contentsOf: folder.appendingPathComponent("drop/incident-1.csv"))
        // A move killed earlier: a half-written temp copy of a dead process, and a whole copy whose
        // original was not yet removed.
        try Data(content.prefix(100)).write(to: URL(fileURLWithPath: archive + "/.7-incident-1.csv.tmp-999999"))
        try FileManager.default.copyItem(atPath: path("drop/incident-2.csv"), toPath: archive + "/9-incident-2.csv")
        let job = try run(["run", "job.json"])
        #expect(job.status == 0, "\(job.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: archive).sorted()
        #expect(names == ["1-incident-1.csv", "9-incident-2.csv"], "\(names)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive + "/1-incident-1.csv")) == content)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("drop")).isEmpty)
        #expect(job.stderr.contains("drop/incident-2.csv is already archived as \(archive)/9-incident-2.csv (same content); removed it"), "\(job.stderr)")
    }

    @Test("a job killed during a cross-file-system move (after the copy, after the rename) is finished by the next job: one whole archived copy, no temp file", arguments: ["archive-copied", "archive-renamed"])
    func killedArchiveMove(_ point: String) throws {
        guard let archive = try crossFileSystemJob() else { return }
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let content = try Data(contentsOf: folder.appendingPathComponent("drop/incident-1.csv"))
        let hold = path("hold")
        try write("hold", "")
        let process = try Bounded.start(["run", "job.json"], in: folder, label: "killed", environment: ["TALLY_TEST_HOLD": point + ":" + hold])
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: hold + ".reached"), Date() < deadline { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: hold + ".reached"), "the job never reached \(point)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let left = try FileManager.default.contentsOfDirectory(atPath: archive).sorted()
        #expect(left == (point == "archive-copied" ? [".1-incident-1.csv.tmp-\(process.processIdentifier)"] : ["1-incident-1.csv"]), "\(left)")
        #expect(FileManager.default.fileExists(atPath: path("drop/incident-1.csv")))
        // The next job: the file is already imported (skipped), then archived once.
        let finish = try run(["run", "job.json"])
        #expect(finish.status == 0, "\(finish.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: archive).sorted()
        #expect(names.count == 1 && !names[0].hasPrefix("."), "\(names)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive + "/" + names[0])) == content)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("drop")).isEmpty)
        try Bounded.expectStoreHolds(folder)
    }

    // MARK: 4. a full disk while keeping an input

    /// A JSON export of a few records padded with whitespace: `bytes` long, yet its records take
    /// little room in the store, so only the kept copy outgrows a small limit.
    func paddedJSON(_ name: String, bytes: Int) throws {
        var text = "[{\"sys_id\": \"\(String(repeating: "a", count: 32))\", \"number\": \"INC0000001\", \"short_description\": \"padded\", \"sys_updated_on\": \"2026-03-01 10:00:00\"}"
        text += String(repeating: " ", count: bytes - text.utf8.count - 1) + "]"
        try write(name, text)
    }

    @Test("no room to keep an input: the temp copy is removed, the error names the folder and the space needed, the store works")
    func fullDiskWhileKeeping() throws {
        try paddedJSON("padded.json", bytes: 3_000_000)
        // A size limit (ulimit -f, 1 MiB) stops the copy, not the store's few pages.
        let result = try run(["import", "padded.json", "--entity", "incident", "--db", "tally.db"], shell: "trap '' XFSZ; ulimit -f 1024")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("cannot keep padded.json in tally.db.inputs"), "\(result.stderr)")
        #expect(result.stderr.contains("the copy needs 3.0 MB"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("tally.db.inputs")).isEmpty)
        #expect(try StoreProbe(folder).count("entity_incident") == 0)
        try Bounded.expectStoreHolds(folder)
        #expect(try run(["import", "padded.json", "--entity", "incident", "--db", "tally.db"]).status == 0)
    }

    @Test("a real full file system (a 2 MB tmpfs, when root may mount one)")
    func fullTmpfsWhileKeeping() throws {
        let mount = path("small")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        guard getuid() == 0, Bounded.system("mount -t tmpfs -o size=2m tmpfs '\(mount)'") == 0 else {
            print("skipped: cannot mount a tmpfs here")
            return
        }
        defer { _ = Bounded.system("umount '\(mount)'") }
        try paddedJSON("padded.json", bytes: 3_000_000)
        #expect(try run(["init", "--db", "small/tally.db"]).status == 0)
        let result = try run(["import", "padded.json", "--entity", "incident", "--db", "small/tally.db"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("no space left to copy into small/tally.db.inputs"), "\(result.stderr)")
        #expect(result.stderr.contains("the copy needs 3.0 MB"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("small/tally.db.inputs")).isEmpty)
        try Bounded.expectStoreHolds(folder, db: "small/tally.db")
    }

    // MARK: 5. the lock file

    @Test("a symlink, FIFO or folder planted as the lock file is refused, and its target is never written")
    func plantedLockFile() throws {
        try write("victim.txt", "precious\n")
        #expect(symlink("victim.txt", path("tally.db.lock")) == 0)
        try Bounded.incidents(5, to: folder.appendingPathComponent("a.csv"))
        let linked = try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"])
        #expect(linked.status == 1, "\(linked.stderr)")
        #expect(linked.stderr.contains("the lock path is a symbolic link"), "\(linked.stderr)")
        #expect(try String(contentsOfFile: path("victim.txt"), encoding: .utf8) == "precious\n")
        #expect(stamp("tally.db.lock").map { $0.st_mode & S_IFMT == S_IFLNK } == true)
        try FileManager.default.removeItem(atPath: path("tally.db.lock"))
        #expect(mkfifo(path("tally.db.lock"), 0o644) == 0)
        let fifo = try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"], timeout: 20)
        #expect(fifo.status == 1 && !fifo.timedOut && fifo.stderr.contains("the lock path is not a regular file"), "\(fifo.stderr)")
        try FileManager.default.removeItem(atPath: path("tally.db.lock"))
        #expect(try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"]).status == 0)
        #expect(stamp("tally.db.lock") == nil)
        // check asks whether a writer holds the lock: a FIFO there must not stop it waiting for a writer.
        #expect(mkfifo(path("tally.db.lock"), 0o644) == 0)
        let check = try run(["check", "--db", "tally.db"], timeout: 20)
        #expect(!check.timedOut && check.status == 0, "\(check.stdout) \(check.stderr)")
        try FileManager.default.removeItem(atPath: path("tally.db.lock"))
    }

    // MARK: 6, 7, 11. what a glob takes

    @Test("a glob skips symlinks, FIFOs, devices and folders, naming each; a job never hangs on a FIFO")
    func globSkipsLinksAndFIFOs() throws {
        try FileManager.default.createDirectory(atPath: path("drop/folder.csv"), withIntermediateDirectories: true)
        try Bounded.incidents(10, to: folder.appendingPathComponent("drop/incident.csv"))
        try Bounded.incidents(3, first: 500, to: folder.appendingPathComponent("secret.csv"))
        #expect(symlink(path("secret.csv"), path("drop/passwd.csv")) == 0)
        #expect(mkfifo(path("drop/pipe.csv"), 0o644) == 0)
        let device = mknod(path("drop/null.csv"), S_IFCHR | 0o644, (1 << 8) | 3) == 0  // 1:3, /dev/null; root only
        try write("job.json", """
            {"name": "drop", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "drop/*.csv"}]}
            """)
        let job = try run(["run", "job.json"], timeout: 30)
        #expect(!job.timedOut && job.status == 0, "\(job.stderr)")
        #expect(job.stderr.contains("skipped drop/passwd.csv: a symbolic link, not a regular file"), "\(job.stderr)")
        #expect(job.stderr.contains("skipped drop/pipe.csv: a FIFO (named pipe), not a regular file"), "\(job.stderr)")
        #expect(job.stderr.contains("skipped drop/folder.csv: a folder, not a regular file"), "\(job.stderr)")
        if device { #expect(job.stderr.contains("skipped drop/null.csv: a device, not a regular file"), "\(job.stderr)") }
        let probe = try StoreProbe(folder)
        #expect(try probe.count("entity_incident") == 10)
        #expect(try probe.rows("SELECT path FROM run_inputs") == [["drop/incident.csv"]])
    }

    @Test("a path named in a job or on the command line may be a symlink only with --follow-symlinks")
    func namedSymlinkNeedsFollow() throws {
        try Bounded.incidents(4, to: folder.appendingPathComponent("real.csv"))
        #expect(symlink("real.csv", path("named.csv")) == 0)
        try write("job.json", """
            {"name": "named", "store": "tally.db", "inputs": [{"entity": "incident", "glob": "named.csv"}]}
            """)
        let refused = try run(["run", "job.json"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("named.csv is a symbolic link; Tally reads links only with --follow-symlinks"), "\(refused.stderr)")
        #expect(try StoreProbe(folder).count("entity_incident") == 0)
        let followed = try run(["run", "job.json", "--follow-symlinks"])
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(try StoreProbe(folder).count("entity_incident") == 4)
        #expect(try run(["import", "named.csv", "--entity", "incident", "--db", "tally.db", "--follow-symlinks"]).status == 0)
    }

    @Test("a job's glob never takes the store, its -wal/-shm/-journal, its lock, or a kept input")
    func globNeverTakesTheStore() throws {
        try Bounded.incidents(10, to: folder.appendingPathComponent("a.csv"))
        #expect(try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"]).status == 0)
        for name in ["tally.db-journal", "tally.db-wal", "tally.db-shm"] where stamp(name) == nil { try write(name, "") }
        try write("job.json", """
            {"name": "greedy", "store": "tally.db", "archive": "archive",
             "inputs": [{"entity": "incident", "glob": "tally.db*"}, {"entity": "incident", "glob": "tally.db.inputs/*"}]}
            """)
        let job = try run(["run", "job.json"])
        #expect(job.status == 0, "\(job.stderr)")
        for name in ["tally.db", "tally.db-wal", "tally.db-shm", "tally.db-journal", "tally.db.lock"] {
            #expect(job.stderr.contains("skipped \(name): one of the store's own files"), "\(name): \(job.stderr)")
        }
        #expect(job.stderr.contains("skipped tally.db.inputs/"), "\(job.stderr)")
        let archived = (try? FileManager.default.contentsOfDirectory(atPath: path("archive"))) ?? []
        #expect(archived.isEmpty, "\(archived)")
        #expect(try StoreProbe(folder).count("runs") == 1)
        try Bounded.expectStoreHolds(folder)
    }

    // MARK: 8. _reject_run

    @Test("_reject_run links only a run of the same entity that rejected the row's key; otherwise it is an unknown column")
    func forgedRejectRun() throws {
        // Run 1 (incident) rejects INC1 (unknown state); run 2 (problem) rejects a problem.
        try write("bad.csv", "sys_id,number,short_description,state,sys_updated_on\n\(String(repeating: "1", count: 32)),INC0000001,first,99,2026-03-01 10:00:00\n")
        #expect(try run(["import", "bad.csv", "--entity", "incident", "--db", "tally.db"]).status == 65)
        try write("badp.csv", "sys_id,number,short_description,state,sys_updated_on\n\(String(repeating: "2", count: 32)),PRB0000001,p,99999,2026-03-01 10:00:00\n")
        #expect(try run(["import", "badp.csv", "--entity", "problem", "--db", "tally.db"]).status == 65)
        let header = "sys_id,number,short_description,state,sys_updated_on,_reject_run\n"
        func row(_ digit: String, _ number: String, _ run: String) -> String {
            "\(String(repeating: digit, count: 32)),\(number),fixed,2,2026-03-02 10:00:00,\(run)\n"
        }
        // A run that does not exist, another entity's run, and a key run 1 never rejected.
        try write("forged.csv", header + row("3", "INC0000003", "99999") + row("4", "INC0000004", "2") + row("5", "INC0000005", "1"))
        let forged = try run(["import", "forged.csv", "--entity", "incident", "--db", "tally.db", "--json"])
        #expect(forged.status == 0, "\(forged.stderr)")
        #expect(forged.stdout.contains("\"unknown_columns\": [\"_reject_run\"]"), "\(forged.stdout)")
        #expect(!forged.stdout.contains("parent_run"), "\(forged.stdout)")
        let probe = try StoreProbe(folder)
        #expect(try probe.text("SELECT parent_run FROM runs WHERE id = 3") == nil)
        #expect(try probe.text("SELECT _extra FROM entity_incident WHERE number = 'INC0000003'")?.contains("\"_reject_run\":\"99999\"") == true)
        try Bounded.expectStoreHolds(folder)
        // The genuine link: run 1 rejected INC1.
        try write("fixed.csv", header + row("1", "INC0000001", "1"))
        let fixed = try run(["import", "fixed.csv", "--entity", "incident", "--db", "tally.db", "--json"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(fixed.stdout.contains("\"parent_run\": 1") && fixed.stdout.contains("\"unknown_columns\": []"), "\(fixed.stdout)")
        #expect(try probe.text("SELECT parent_run FROM runs WHERE id = 4") == "1")
        try Bounded.expectStoreHolds(folder)
    }

    // MARK: 9. formula cells in the rejects CSV

    @Test("tally rejects --format csv guards formula cells, and feeding the file back restores every value exactly")
    func rejectsCSVFormulaGuardRoundTrip() throws {
        let values = ["=HYPERLINK(\"http://evil.example/\",\"x\")", "+cmd", "-2+3", "@x", "\tTAB", "\rCR", "'=quoted", "''+twice", "-5", "plain"]
        var text = "sys_id,number,short_description,state,sys_updated_on\n"
        for (index, value) in values.enumerated() {
            let quoted = "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            text += "\(String(format: "%032x", index + 1)),INC\(String(format: "%07d", index + 1)),\(quoted),99,2026-03-01 10:00:00\n"
        }
        try write("formulas.csv", text)
        #expect(try run(["import", "formulas.csv", "--entity", "incident", "--db", "tally.db"]).status == 65)
        let export = try run(["rejects", "--format", "csv", "--run", "1", "--db", "tally.db", "--out", "rejects.csv"])
        #expect(export.status == 0, "\(export.stderr)")
        let csv = try String(contentsOfFile: path("rejects.csv"), encoding: .utf8)
        for guarded in ["'=HYPERLINK(", "'+cmd", "'-2+3", "'@x", "'\tTAB", "'\rCR", "''=quoted", "'''+twice"] {
            #expect(csv.contains(guarded), "\(guarded) not in \(csv)")
        }
        #expect(csv.contains(",-5,") && !csv.contains("'-5") && !csv.contains("'plain"))
        // The steward fixes the state and feeds the file back.
        try write("rejects.csv", csv.replacingOccurrences(of: ",99,", with: ",2,"))
        let back = try run(["import", "rejects.csv", "--entity", "incident", "--db", "tally.db"])
        #expect(back.status == 0, "\(back.stderr)")
        let stored = try StoreProbe(folder).rows("SELECT short_description FROM entity_incident ORDER BY number").map { $0[0] ?? "" }
        #expect(Set(stored) == Set(values), "\(stored)")
    }

    // MARK: 10. a thread that cannot start

    @Test("a thread that cannot start fails the import at once (exit 1, a message), and the lock is free again")
    func threadThatCannotStart() throws {
        try Bounded.incidents(50, to: folder.appendingPathComponent("a.csv"))
        for thread in ["tally-read", "tally-prepare"] {
            let result = try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"], timeout: 30,
                                 environment: ["TALLY_TEST_FAIL_THREAD": thread])
            #expect(!result.timedOut && result.status == 1, "\(thread): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("cannot start the \(thread) thread"), "\(result.stderr)")
        }
        try write("a.xml", "<?xml version=\"1.0\"?>\n<unload><incident><sys_id>\(String(repeating: "a", count: 32))</sys_id><number>INC1</number><sys_updated_on>2026-03-01 10:00:00</sys_updated_on></incident></unload>\n")
        let xml = try run(["import", "a.xml", "--entity", "incident", "--db", "tally.db"], timeout: 30,
                          environment: ["TALLY_TEST_FAIL_THREAD": "tally.xml-reader"])
        #expect(!xml.timedOut && xml.status == 1 && xml.stderr.contains("cannot start the tally.xml-reader thread"), "\(xml.stderr)")
        #expect(try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"]).status == 0)
    }

    @Test("under ulimit -u 1 (as an unprivileged user, where setpriv exists) the import exits 1 within seconds")
    func processLimit() throws {
        guard getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            print("skipped: root ignores ulimit -u and there is no setpriv to drop privileges")
            return
        }
        try Bounded.incidents(50, to: folder.appendingPathComponent("a.csv"))
        _ = Bounded.system("chmod -R a+rwX '\(folder.path)'")
        // dash's ulimit has no -u: bash sets it, then runs tally. One process for the user: every thread
        // start fails (with 2, a small file's reader thread can end before the next starts, and it runs).
        let limited = "/bin/bash -c 'ulimit -u 1; exec \"$0\" \"$@\"' \"$0\" \"$@\"; :"
        let prefix = "exec " + (getuid() == 0 ? "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " : "") + limited
        let result = try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"], timeout: 30, shell: prefix)
        #expect(!result.timedOut, "the import hung under ulimit -u 1")
        #expect(result.status == 1, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("cannot start the tally-"), "\(result.stderr)")
    }

    @Test("under ulimit -v 120000 or 160000 the import exits 1 at once with a message (it hung or crashed before)", arguments: [120_000, 160_000])
    func memoryLimit(_ kibibytes: Int) throws {
        try Bounded.incidents(2_000, to: folder.appendingPathComponent("a.csv"))
        let result = try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"], timeout: 60, shell: "ulimit -v \(kibibytes)")
        #expect(!result.timedOut, "the import hung under ulimit -v \(kibibytes)")
        #expect(result.status == 1, "\(result.status): \(result.stderr.prefix(400))")
        #expect(result.stderr.contains("cannot start the tally-"), "\(result.stderr.prefix(400))")
        try Bounded.expectStoreHolds(folder)
        #expect(try run(["import", "a.csv", "--entity", "incident", "--db", "tally.db"], shell: "ulimit -v 400000").status == 0)
    }

    // MARK: 15. a feed name that escapes

    @Test("a feed named ../../escaped is refused like an extract name; nothing is written outside <out>/feeds/")
    func escapingFeedName() throws {
        try write("job.json", """
            {"name": "feeds", "store": "tally.db", "inputs": [],
             "extracts": {"out": "out", "names": ["incident"], "feeds": [{"name": "../../escaped", "entity": "incident"}]}}
            """)
        let result = try run(["run", "job.json"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("a feed's name is one folder name under <out>/feeds/"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("escaped")))
        #expect(!FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("escaped").path))
    }
}
