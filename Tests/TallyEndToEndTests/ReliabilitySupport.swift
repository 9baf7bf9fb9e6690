import Foundation
import Testing
import TestSupport

/// Running `tally` with a deadline, and asserting that a store holds — shared by the hostile
/// input, concurrency and crash tests.
enum Bounded {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs `tally ARGS` in `folder`; kills it (and says so) after `timeout` seconds.
    static func tally(_ arguments: [String], in folder: URL, timeout: TimeInterval = 60,
                      environment: [String: String] = [:], shell prefix: String? = nil) throws -> Output {
        let process = Process()
        if let prefix {
            // Run through sh, e.g. to set a resource limit: `ulimit -f 64; exec "$0" "$@"`.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", prefix + "; exec \"$0\" \"$@\"", TallyProcess.binary.path] + arguments
        } else {
            process.executableURL = TallyProcess.binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env["TALLY_DB"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Output goes beside, not into, the folder: it may be a full or read-only file system.
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("tally-stdout-\(UUID().uuidString)")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("tally-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "",
                      timedOut: timedOut)
    }

    /// Starts `tally ARGS` in `folder` without waiting; output goes to files in the folder.
    static func start(_ arguments: [String], in folder: URL, label: String, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = TallyProcess.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env["TALLY_DB"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = folder.appendingPathComponent("\(label).out"), err = folder.appendingPathComponent("\(label).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a shell command (its output discarded); returns its exit status.
    @discardableResult
    static func system(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A tmpfs of `size` mounted at a new folder, when this process may mount one (root); nil otherwise.
    static func tmpfs(_ size: String) throws -> URL? {
        guard getuid() == 0 else { return nil }
        let folder = try Paths.makeTempDirectory("tally-tmpfs")
        return system("mount -t tmpfs -o size=\(size) tmpfs '\(folder.path)'") == 0 ? folder : nil
    }

    /// The store `tally.db` of a folder, made read-only: as root, whom permission bits do not stop, a
    /// copy on a tmpfs remounted read-only; otherwise the file and its folder without write permission.
    struct ReadOnlyStore {
        /// The folder now holding the read-only `tally.db`.
        let folder: URL
        private let mount: URL?
        var db: String { folder.appendingPathComponent("tally.db").path }

        init(of original: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
            if getuid() == 0 {
                let point = try #require(try Bounded.tmpfs("8m"), "cannot mount a tmpfs to make a read-only store", sourceLocation: sourceLocation)
                try FileManager.default.copyItem(at: original.appendingPathComponent("tally.db"), to: point.appendingPathComponent("tally.db"))
                #expect(system("chmod 0444 '\(point.path)/tally.db' && mount -o remount,ro '\(point.path)'") == 0, sourceLocation: sourceLocation)
                (folder, mount) = (point, point)
            } else {
                #expect(system("chmod 0444 '\(original.path)/tally.db' && chmod 0555 '\(original.path)'") == 0, sourceLocation: sourceLocation)
                (folder, mount) = (original, nil)
            }
        }

        /// Writable again, as it was.
        func makeWritable() {
            if let mount { system("mount -o remount,rw '\(mount.path)'") }
            system("chmod 0755 '\(folder.path)' && chmod 0644 '\(db)'")
        }

        /// Unmounts the tmpfs, if there is one; otherwise makes the folder writable again.
        func remove() {
            if let mount { system("umount '\(mount.path)'") } else { makeWritable() }
        }
    }

    /// `tally check` on the store in `folder` exits 0.
    static func expectStoreHolds(_ folder: URL, db: String = "tally.db", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let check = try tally(["check", "--db", db], in: folder, timeout: 120)
        #expect(check.status == 0 && !check.timedOut, "tally check failed:\n\(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
    }

    /// A generated incident export of `rows` rows (sys_id, number, description, state, updated).
    static func incidents(_ rows: Int, first: Int = 1, state: Int = 2, to url: URL) throws {
        var text = "sys_id,number,short_description,state,sys_updated_on\n"
        text.reserveCapacity(rows * 100)
        for i in first..<(first + rows) {
            let hex = String(i, radix: 16)
            text += String(repeating: "0", count: 32 - hex.count) + hex
            text += ",INC\(String(format: "%07d", i)),Generated incident \(i),\(state),2026-03-01 10:00:00\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
