import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Who holds a store's lock: written as one JSON line into `STORE.lock`.
package struct LockHolder: Sendable, Equatable, Codable, JSONOutput {
    package var pid: Int32
    package var host: String
    /// The job's name, for `tally run`.
    package var job: String?
    /// The command line (`tally import …`, `tally run jobs/nightly.json`).
    package var command: String
    /// When the lock was taken (RFC 3339 UTC).
    package var since: String

    package init(pid: Int32, host: String, job: String?, command: String, since: String) {
        self.pid = pid
        self.host = host
        self.job = job
        self.command = command
        self.since = since
    }

    /// The holder of this process, now.
    package static func current(job: String?, command: String) -> LockHolder {
        LockHolder(pid: getpid(), host: StoreLock.hostName, job: job, command: command, since: Timestamp.now())
    }

    /// `pid 4242 on host db1 (job nightly: tally run jobs/nightly.json), since 2026-11-23T01:00:00Z`.
    package var description: String {
        let what = job.map { "job \($0): \(command)" } ?? command
        return "pid \(pid) on \(host) (\(what)), since \(since)"
    }

    /// Whether the holder's process is still alive (only knowable on this host).
    package var isAlive: Bool? {
        guard host == StoreLock.hostName else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}

/// Why the lock could not be taken.
package enum StoreLockError: Error, Sendable, CustomStringConvertible {
    /// Another process holds it (the holder is nil when its lock file could not be read).
    case held(path: String, holder: LockHolder?, waited: Double?)
    /// The lock file cannot be created or locked (permissions, no such folder).
    case unavailable(path: String, reason: String)

    package var description: String {
        switch self {
        case .held(let path, let holder, let waited):
            let who = holder?.description ?? "another process (its lock file \(path) does not say who)"
            let after = waited.map { " after waiting \(Self.seconds($0))" } ?? ""
            return "the store is locked by \(who)\(after); try again later or use --wait SECONDS (lock file: \(path))"
        case .unavailable(let path, let reason):
            return "cannot lock the store: \(path): \(reason)"
        }
    }

    /// `30 s`, `0.5 s`.
    package static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}

/// One writer per store: an exclusive `flock` on `STORE.lock`, a file beside the store that says
/// who holds it.
///
/// The kernel drops a `flock` when its process dies, so a crashed writer never blocks the next;
/// a lock file found unlocked is taken over (``takenOver`` says from whom). Local file systems
/// only: `flock` over NFS is not to be trusted.
package final class StoreLock {
    /// The lock file's path.
    package let path: String
    package let holder: LockHolder
    /// The holder named in a lock file left by a process that died without releasing it.
    package let takenOver: LockHolder?
    /// Set when a lock file was found with content that could not be read (taken over too).
    package let tookOverUnreadable: Bool
    private var descriptor: Int32

    /// `STORE.lock`.
    package static func path(forStore store: String) -> String { store + ".lock" }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }()

    private init(path: String, descriptor: Int32, holder: LockHolder, takenOver: LockHolder?, unreadable: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.holder = holder
        self.takenOver = takenOver
        self.tookOverUnreadable = unreadable
    }

    deinit { release() }

    /// Takes the lock of the store at `storePath`, at once or, with `wait`, polling until it is
    /// free or `wait` seconds have passed. `onWait` is called once, with the holder, when the
    /// lock is busy and the caller chose to wait.
    package static func acquire(storePath: String, job: String?, command: String, wait: Double? = nil,
                               onWait: (LockHolder?) -> Void = { _ in }) throws(StoreLockError) -> StoreLock {
        let path = Self.path(forStore: storePath)
        let start = Date()
        var announced = false
        while true {
            if let lock = try attempt(path: path, job: job, command: command) { return lock }
            let holder = readHolder(path: path, retries: 5)
            let waited = Date().timeIntervalSince(start)
            guard let wait, waited < wait else {
                throw .held(path: path, holder: holder, waited: wait == nil ? nil : waited)
            }
            if !announced { onWait(holder); announced = true }
            usleep(UInt32(min(0.2, max(0.01, wait - waited)) * 1_000_000))
        }
    }

    /// Why the lock file cannot be created, in words that say what to do.
    static func explain(_ code: Int32, path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        switch code {
        case ENOENT: return "the folder \(folder.isEmpty ? "." : folder) does not exist; create it, or give --db a path in an existing folder"
        case EROFS: return "the store's folder is on a read-only file system, so the store cannot be written"
        case EACCES, EPERM: return "permission denied: the store's folder is read-only for this user, so the store cannot be written"
        case ELOOP: return "the lock path is a symbolic link; remove it (Tally never follows a link there)"
        default: return String(cString: strerror(code))
        }
    }

    /// One try: the lock, or nil when another process holds it.
    private static func attempt(path: String, job: String?, command: String) throws(StoreLockError) -> StoreLock? {
        while true {
            // O_NOFOLLOW: a symlink planted as the lock file must not get its target overwritten.
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
            guard descriptor >= 0 else { throw .unavailable(path: path, reason: Self.explain(errno, path: path)) }
            var status = stat()
            guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
                close(descriptor)
                throw .unavailable(path: path, reason: "the lock path is not a regular file; remove it (it is not Tally's)")
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                close(descriptor)
                if code == EWOULDBLOCK || code == EINTR { return nil }
                throw .unavailable(path: path, reason: String(cString: strerror(code)))
            }
            // The holder before us may have deleted the file between our open and our flock:
            // then we locked an orphan inode, and must lock the file now at the path instead.
            var opened = stat(), current = stat()
            guard fstat(descriptor, &opened) == 0, lstat(path, &current) == 0,
                  opened.st_ino == current.st_ino, opened.st_dev == current.st_dev else {
                close(descriptor)
                continue
            }
            let leftover = readAll(descriptor)
            var takenOver: LockHolder?
            var unreadable = false
            if !leftover.isEmpty {
                takenOver = try? JSONDecoder().decode(LockHolder.self, from: Data(leftover))
                unreadable = takenOver == nil
            }
            let holder = LockHolder.current(job: job, command: command)
            let bytes = Array((holder.json + "\n").utf8)
            guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, bytes, bytes.count, 0) == bytes.count else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw .unavailable(path: path, reason: reason)
            }
            fsync(descriptor)
            return StoreLock(path: path, descriptor: descriptor, holder: holder, takenOver: takenOver, unreadable: unreadable)
        }
    }

    /// Who holds the lock at `path`, as its file says (retrying briefly: a new holder writes
    /// the file just after locking it).
    package static func readHolder(path: String, retries: Int = 0) -> LockHolder? {
        for attempt in 0...retries {
            if let data = FileManager.default.contents(atPath: path), !data.isEmpty,
               let holder = try? JSONDecoder().decode(LockHolder.self, from: data) {
                return holder
            }
            if attempt < retries { usleep(10_000) }
        }
        return nil
    }

    /// Releases the lock: deletes the lock file (while still holding it, and only when the path
    /// is still the file locked: never a file put there since), then unlocks.
    package func release() {
        guard descriptor >= 0 else { return }
        var opened = stat(), current = stat()
        if fstat(descriptor, &opened) == 0, lstat(path, &current) == 0,
           opened.st_dev == current.st_dev, opened.st_ino == current.st_ino {
            unlink(path)
        }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    private static func readAll(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var offset: off_t = 0
        while true {
            let count = pread(descriptor, &buffer, buffer.count, offset)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            offset += off_t(count)
            if bytes.count > 65_536 { break }
        }
        return bytes
    }
}
