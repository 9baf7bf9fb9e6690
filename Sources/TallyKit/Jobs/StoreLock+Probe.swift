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
    /// share the file system's locks. Never creates the lock file.
    public static func isHeld(storePath: String) -> Bool {
        let descriptor = open(path(forStore: storePath), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
