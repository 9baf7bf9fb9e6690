import Foundation
import TallyFormats
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies a file into a temp file of its own, as a reflink where the file system shares blocks
/// (`FICLONE`), else byte for byte skipping the source's holes (a sparse file stays sparse), then
/// gives it the source's modification time and syncs it. The caller renames the temp file into
/// place, so the final name never holds half a file. Used to keep inputs (``InputArchive``) and
/// to archive a job's files across file systems.
enum DurableCopy {
    struct Failure: Error, CustomStringConvertible {
        enum Kind { case changed, noSpace, io }
        var kind: Kind
        var description: String
    }

    /// Copies `source` to `temporary` (created; must not exist). With `expected`, the source must
    /// still be that version of the file (inode, size, modification time) before and after the
    /// copy. On failure `temporary` is removed.
    static func copy(from source: String, to temporary: String, expected: FileByteSource.FileStamp? = nil) throws(Failure) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure(kind: .io, description: "cannot open \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var status = stat()
        guard fstat(input, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw Failure(kind: .io, description: "\(source) is not a regular file")
        }
        if let expected, !same(input, expected) { throw changed(source) }
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw Failure(kind: .io, description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var done = false
        defer {
            close(output)
            if !done { unlink(temporary) }
        }
        let size = Int64(status.st_size)
        // Blocks the copy takes: holes are skipped, so a sparse file needs only its data.
        let needed = min(size, Int64(status.st_blocks) * 512)
        if !cloned(input, into: output) { try copyData(input, output, size: size, needed: needed, temporary: temporary) }
        // The copy keeps the source's modification time: it versions a list view's rows on a rerun.
        #if os(Linux)
        var times = [status.st_atim, status.st_mtim]
        #else
        var times = [status.st_atimespec, status.st_mtimespec]
        #endif
        _ = futimens(output, &times)
        guard fsync(output) == 0 else { throw writeFailure(errno, temporary: temporary, needed: needed, output: output) }
        if let expected, !same(input, expected) { throw changed(source) }
        done = true
    }

    /// Syncs a folder, so a rename or unlink in it survives a crash.
    static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func same(_ descriptor: Int32, _ expected: FileByteSource.FileStamp) -> Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && FileByteSource.FileStamp(status) == expected
    }

    private static func changed(_ source: String) -> Failure {
        Failure(kind: .changed, description: "\(source) changed after it was read (its inode, size or modification time differ), so the bytes read cannot be kept")
    }

    /// A reflink: the copy shares the source's blocks until either is written (btrfs, XFS).
    private static func cloned(_ input: Int32, into output: Int32) -> Bool {
        #if os(Linux)
        let ficlone: UInt = 0x4004_9409  // _IOW(0x94, 9, int)
        return ioctl(output, ficlone, input) == 0
        #else
        return false
        #endif
    }

    /// Copies the data extents of `input` (`SEEK_DATA`/`SEEK_HOLE`; the whole file where those are
    /// not supported), then sets the size, which leaves the holes as holes.
    /// Linux's `SEEK_DATA` and `SEEK_HOLE` (not exported to Swift).
    private static let seekData: Int32 = 3, seekHole: Int32 = 4

    private static func copyData(_ input: Int32, _ output: Int32, size: Int64, needed: Int64, temporary: String) throws(Failure) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: off_t = 0
        while offset < size {
            var start = lseek(input, offset, seekData)
            if start < 0 {
                if errno == ENXIO { break }  // only a hole is left
                start = offset  // no SEEK_DATA here: copy everything
            }
            var end = lseek(input, start, seekHole)
            if end < 0 || end <= start { end = off_t(size) }
            var position = start
            while position < end {
                let count = pread(input, buffer.baseAddress, min(buffer.count, Int(end - position)), position)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw Failure(kind: .io, description: "cannot read the input: \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                var written = 0
                while written < count {
                    let result = pwrite(output, buffer.baseAddress! + written, count - written, position + off_t(written))
                    if result < 0 {
                        if errno == EINTR { continue }
                        throw writeFailure(errno, temporary: temporary, needed: needed, output: output)
                    }
                    written += result
                }
                position += off_t(count)
            }
            offset = end
        }
        guard ftruncate(output, off_t(size)) == 0 else { throw writeFailure(errno, temporary: temporary, needed: needed, output: output) }
    }

    private static func writeFailure(_ code: Int32, temporary: String, needed: Int64, output: Int32) -> Failure {
        guard code == ENOSPC || code == EDQUOT || code == EFBIG else {
            return Failure(kind: .io, description: "cannot write \(temporary): \(String(cString: strerror(code)))")
        }
        var space = statvfs()
        let available = fstatvfs(output, &space) == 0 ? Int64(space.f_bavail) * Int64(space.f_frsize) : nil
        let folder = (temporary as NSString).deletingLastPathComponent
        return Failure(kind: .noSpace, description: "no space left to copy into \(folder) (\(String(cString: strerror(code)))): "
                       + "the copy needs \(bytes(needed))" + (available.map { ", \(bytes($0)) is free there" } ?? "")
                       + "; the partial copy was removed")
    }

    /// `1.5 MB`, `2.0 GB`.
    static func bytes(_ count: Int64) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB"]
        var value = Double(count), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(count) bytes" : String(format: "%.1f", value) + " " + units[unit]
    }
}
