import Foundation
import Testing
import TestSupport
import TallyKit

/// The lock file is Tally's alone (issue 24, point 5).
@Suite("StoreLock and a swapped lock file")
struct StoreLockReleaseTests {
    /// A new folder, and the store path in it, for each test (Swift Testing makes an instance per test).
    let folder: URL, store: String
    init() throws {
        folder = try Paths.makeTempDirectory("tally-lock-release")
        store = folder.appendingPathComponent("tally.db").path
    }

    @Test("release removes the lock path only while it is still the file it locked")
    func releaseChecksTheInode() throws {
        let lock = try StoreLock.acquire(storePath: store, job: nil, command: "test")
        // Someone replaces the lock path with a file of their own while the lock is held.
        let other = folder.appendingPathComponent("other").path
        try "not a lock\n".write(toFile: other, atomically: false, encoding: .utf8)
        #expect(rename(other, lock.path) == 0)
        lock.release()
        #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "not a lock\n")
    }

    @Test("a lock path that is a symlink is refused without touching its target")
    func symlinkIsRefused() throws {
        let target = folder.appendingPathComponent("target").path
        try "keep\n".write(toFile: target, atomically: false, encoding: .utf8)
        #expect(symlink(target, StoreLock.path(forStore: store)) == 0)
        #expect(throws: StoreLockError.self) { try StoreLock.acquire(storePath: store, job: nil, command: "test") }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep\n")
    }
}
