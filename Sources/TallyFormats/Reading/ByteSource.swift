#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A sequential source of bytes: a file, standard input, or memory.
public protocol ByteSource: AnyObject {
    /// The name used in messages and provenance (a path, or `-` for standard input).
    var name: String { get }
    /// Reads up to `buffer.count` bytes into the start of `buffer`; returns how many, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadIssue) -> Int
}

/// Bytes from a file descriptor: a path opened read-only, or standard input for `-`.
///
/// Every byte read is hashed as it goes (SHA-256, one pass), so the digest an import records is
/// that of the bytes it consumed; ``finish()`` reads what the reader left and says whether the
/// file's size or modification time changed since it was opened.
public final class FileByteSource: ByteSource {
    public let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Bytes read so far (for progress); read it on the reading thread.
    public private(set) var bytesRead: Int64 = 0
    /// Nil for a reading that needs no digest (`tally parse`, a second look at an input).
    private var hasher: SHA256?
    /// The file as opened (nil for standard input).
    public private(set) var opened: FileStamp?

    /// What identifies a file's content cheaply: its inode, size and modification time.
    public struct FileStamp: Sendable, Equatable {
        public var device: UInt64
        public var inode: UInt64
        public var size: Int64
        public var modifiedSeconds: Int64
        public var modifiedNanoseconds: Int64

        public init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            #if canImport(Darwin)
            modifiedSeconds = Int64(status.st_mtimespec.tv_sec)
            modifiedNanoseconds = Int64(status.st_mtimespec.tv_nsec)
            #else
            modifiedSeconds = Int64(status.st_mtim.tv_sec)
            modifiedNanoseconds = Int64(status.st_mtim.tv_nsec)
            #endif
        }

        /// The stamp of the file at `path` (not following a final symlink), or nil.
        public static func of(path: String) -> FileStamp? {
            var status = stat()
            return lstat(path, &status) == 0 ? FileStamp(status) : nil
        }
    }

    /// The outcome of reading a file to its end.
    public struct Digest: Sendable, Equatable {
        /// SHA-256 of every byte read (empty when opened without hashing).
        public var digest: [UInt8]
        public var bytes: Int64
        /// Set when the file's size or modification time changed between open and end, or fewer
        /// or more bytes were read than it held: the bytes read are not one version of the file.
        public var changed: Bool
        /// ``digest`` as 64 hex digits.
        public var sha256: String { SHA256.hex(digest) }
    }

    /// Opens `path` (`-` is standard input). Throws `.unreadable` when it cannot be opened.
    /// `hashing`: whether the bytes read are hashed (an import's digest); off, a read costs no SHA-256.
    public init(path: String, hashing: Bool = true) throws(ReadIssue) {
        name = path
        hasher = hashing ? SHA256() : nil
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ReadIssue(kind: .unreadable, file: path, line: 0, column: 0,
                            message: "cannot open the file: \(reason)")
        }
        var status = stat()
        let known = fstat(fd, &status) == 0
        if known, (status.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ReadIssue(kind: .unreadable, file: path, line: 0, column: 0,
                            message: "is a directory, not a file")
        }
        descriptor = fd
        ownsDescriptor = true
        opened = known && (status.st_mode & S_IFMT) == S_IFREG ? FileStamp(status) : nil
    }

    /// Reads the rest of the file (what the reader did not need), then compares the file with
    /// how it was opened. Call it once, after the last `read(into:)`.
    public func finish() throws(ReadIssue) -> Digest {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while try read(into: buffer) > 0 {}
        var changed = false
        if let opened {
            var status = stat()
            if fstat(descriptor, &status) != 0 || FileStamp(status) != opened || bytesRead != opened.size { changed = true }
        }
        return Digest(digest: hasher?.finalize() ?? [], bytes: bytesRead, changed: changed)
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadIssue) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            #if canImport(Glibc)
            let count = Glibc.read(descriptor, base, buffer.count)
            #elseif canImport(Musl)
            let count = Musl.read(descriptor, base, buffer.count)
            #else
            let count = Darwin.read(descriptor, base, buffer.count)
            #endif
            if count >= 0 {
                bytesRead += Int64(count)
                hasher?.update(UnsafeRawBufferPointer(start: base, count: count))
                return count
            }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw ReadIssue(kind: .unreadable, file: name, line: 0, column: 0,
                            message: "read failed: \(reason)")
        }
    }
}

/// Bytes held in memory, for tests and for inputs already staged.
public final class MemoryByteSource: ByteSource {
    public let name: String
    private let bytes: [UInt8]
    private let chunkSize: Int?
    private var offset = 0

    /// `chunkSize`, when set, caps what one `read(into:)` returns, so tests can split every token.
    public init(_ bytes: [UInt8], name: String = "<memory>", chunkSize: Int? = nil) {
        precondition(chunkSize.map { $0 > 0 } ?? true, "a chunk holds at least one byte")
        self.bytes = bytes
        self.name = name
        self.chunkSize = chunkSize
    }

    public convenience init(_ text: String, name: String = "<memory>", chunkSize: Int? = nil) {
        self.init(Array(text.utf8), name: name, chunkSize: chunkSize)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadIssue) -> Int {
        let count = min(buffer.count, bytes.count - offset, chunkSize ?? Int.max)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }
}
