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
public final class FileByteSource: ByteSource {
    public let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Bytes read so far (for progress); read it on the reading thread.
    public private(set) var bytesRead: Int64 = 0

    /// Opens `path` (`-` is standard input). Throws `.unreadable` when it cannot be opened.
    public init(path: String) throws(ReadIssue) {
        name = path
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
        if fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ReadIssue(kind: .unreadable, file: path, line: 0, column: 0,
                            message: "is a directory, not a file")
        }
        descriptor = fd
        ownsDescriptor = true
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
