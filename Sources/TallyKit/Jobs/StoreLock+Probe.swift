#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension StoreLock {
    /// Whether some process holds the lock of the store at `storePath` now, seen through the
    /// kernel's `flock` rather than a process id: it holds across PID namespaces and hosts that
    /// share the file system's locks. Never creates the lock file; a FIFO or other planted
    /// non-file there is no lock (O_NONBLOCK: opening a FIFO would wait for a writer).
    package static func isHeld(storePath: String) -> Bool {
        let descriptor = open(path(forStore: storePath), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return false }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
