import Foundation
import Testing
import TestSupport

/// A `tally import -` that holds the store's lock until its standard input is closed.
final class LockHolderProcess {
    let process = Process()
    private let input = Pipe()

    init(in folder: URL) throws {
        process.executableURL = TallyProcess.binary
        process.arguments = ["import", "-", "--entity", "incident"]
        process.currentDirectoryURL = folder
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The lock file names its holder once the lock is taken.
        let lockFile = folder.appendingPathComponent("tally.db.lock").path
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: lockFile),
               String(decoding: data, as: UTF8.self).contains("\"pid\": \(process.processIdentifier)") { return }
            usleep(20_000)
        }
        throw FixtureStoreError(message: "the holder never took the lock")
    }

    /// Feeds an export and closes standard input: the import runs, commits and releases the lock.
    func finish() throws -> Int32 {
        input.fileHandleForWriting.write(FileManager.default.contents(atPath: Paths.fixture("itsm/incident.csv"))!)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite("the store's lock", .serialized)
struct StoreLockTests {
    static let job = """
        {"name": "locked", "store": "tally.db", "inputs": [{"entity": "ci", "glob": \(
            "\"" + Paths.fixture("cmdb/cmdb_ci.csv") + "\"")}]}
        """

    @Test func aSecondWriterExits75NamingTheHolderOrWaits() throws {
        let folder = try JobFolder()
        try folder.write(Self.job)
        let holder = try LockHolderProcess(in: folder.url)
        let pid = holder.process.processIdentifier

        let refused = try folder.run()
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("the store is locked by pid \(pid)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("tally import - --entity incident"))
        #expect(refused.stderr.contains("since 20"))
        let importRefused = try TallyProcess.run(["import", Paths.fixture("itsm/problem.json"), "--entity", "problem"], in: folder.url)
        #expect(importRefused.status == 75)
        #expect(importRefused.stderr.contains("the store is locked by pid \(pid)"))

        // A waiter: started while the lock is held, it succeeds once the holder is done.
        nonisolated(unsafe) var waited: ProcessOutput?
        let done = DispatchSemaphore(value: 0)
        let url = folder.url
        Thread {
            waited = try? TallyProcess.run(["run", "job.json", "--wait", "30"], in: url)
            done.signal()
        }.start()
        usleep(700_000)
        #expect(try holder.finish() == 0)
        done.wait()
        let waiter = try #require(waited)
        #expect(waiter.status == 0, "\(waiter.stderr)")
        #expect(waiter.stderr.contains("waiting up to 30 s for the store's lock, held by pid \(pid)"))
        let probe = try StoreProbe(folder.url)
        #expect(try probe.count("runs", "status = 'committed'") == 2)
        #expect(!folder.exists("tally.db.lock"))
    }

    @Test func settingsSetAndUnsetTakeTheLockLikeEveryWriter() throws {
        let folder = try JobFolder()
        let holder = try LockHolderProcess(in: folder.url)
        for arguments in [["settings", "set", "sync_enabled", "true"], ["settings", "unset", "sync_enabled"]] {
            let refused = try TallyProcess.run(arguments, in: folder.url)
            #expect(refused.status == 75, "\(arguments): \(refused.status) \(refused.stderr)")
            #expect(refused.stderr.contains("the store is locked by pid \(holder.process.processIdentifier)"), "\(refused.stderr)")
        }
        #expect(try holder.finish() == 0)
        let accepted = try TallyProcess.run(["settings", "set", "sync_enabled", "true"], in: folder.url)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout == "sync_enabled=true\n")
        #expect(!folder.exists("tally.db.lock"))
    }

    @Test func waitingGivesUpAfterItsSeconds() throws {
        let folder = try JobFolder()
        try folder.write(Self.job)
        let holder = try LockHolderProcess(in: folder.url)
        let started = Date()
        let result = try folder.run(["--wait", "1"])
        #expect(result.status == 75)
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(result.stderr.contains("after waiting"))
        _ = try holder.finish()
    }

    @Test func aStaleLockLeftByADeadProcessIsTakenOverAndLogged() throws {
        let folder = try JobFolder()
        try folder.write(Self.job)
        // A pid that is not running: a short-lived child, reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let host = ProcessInfo.processInfo.hostName
        let stale = #"{"pid": \#(dead), "host": "\#(host)", "job": "nightly", "command": "tally run jobs/nightly.json", "since": "2026-11-22T01:15:00Z"}"#
        try Data((stale + "\n").utf8).write(to: folder.url.appendingPathComponent("tally.db.lock"))

        let result = try folder.run(["--log", "job.ndjson"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("took over a stale lock left by pid \(dead)"))
        #expect(result.stderr.contains("job nightly: tally run jobs/nightly.json), since 2026-11-22T01:15:00Z"))
        let log = try String(contentsOf: folder.url.appendingPathComponent("job.ndjson"), encoding: .utf8)
        #expect(log.contains(#""level": "warning", "job": "locked", "job_run": null, "run": null, "stage": "lock""#) || log.contains(#""stage": "lock""#))
        #expect(!folder.exists("tally.db.lock"))

        // tally import takes over too.
        try Data((stale + "\n").utf8).write(to: folder.url.appendingPathComponent("tally.db.lock"))
        let imported = try TallyProcess.run(["import", Paths.fixture("itsm/problem.json"), "--entity", "problem"], in: folder.url)
        #expect(imported.status == 0)
        #expect(imported.stderr.contains("took over a stale lock left by pid \(dead)"))
    }
}
