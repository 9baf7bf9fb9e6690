#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where writers put bytes: a file descriptor or memory.
///
/// Writes may be buffered; ``flush()`` pushes everything out. A writer never closes its sink.
public protocol OutputSink: AnyObject {
    /// The name used in messages (a path, `-` for standard output).
    var name: String { get }
    /// Appends `bytes` to the output.
    func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError)
    /// Pushes buffered bytes to their destination.
    func flush() throws(OutputError)
}

extension OutputSink {
    /// Appends `bytes` to the output.
    public func write(_ bytes: [UInt8]) throws(OutputError) {
        var failure: OutputError?
        bytes.withUnsafeBytes { raw in
            do throws(OutputError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// Output to a file descriptor through a 64 KiB buffer: a file created (or truncated) at a path,
/// or standard output.
public final class FileOutputSink: OutputSink {
    public let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private let capacity: Int
    private var closed = false

    /// Creates or truncates the file at `path` (mode 0644). Throws when it cannot be opened.
    public init(path: String, bufferSize: Int = 64 << 10) throws(OutputError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputError(name: path, message: "cannot create the file: \(String(cString: strerror(errno)))")
        }
        name = path
        descriptor = fd
        ownsDescriptor = true
        capacity = max(bufferSize, 1)
        buffer.reserveCapacity(capacity)
    }

    /// Writes to an open descriptor it does not own (for example 1, standard output, named `-`).
    public init(descriptor: Int32, name: String = "-", bufferSize: Int = 64 << 10) {
        self.name = name
        self.descriptor = descriptor
        ownsDescriptor = false
        capacity = max(bufferSize, 1)
        buffer.reserveCapacity(capacity)
    }

    /// Flushes what is buffered, best effort; call ``close()`` to learn whether that worked.
    deinit {
        if !closed {
            try? flush()
            if ownsDescriptor { _ = SystemCalls.close(descriptor) }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        precondition(!closed, "write to a closed FileOutputSink")
        if buffer.count + bytes.count > capacity {
            try flush()
            if bytes.count >= capacity {
                try writeAll(bytes)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    public func flush() throws(OutputError) {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        var failure: OutputError?
        buffer.withUnsafeBytes { raw in
            do throws(OutputError) { try writeAll(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes, then asks the kernel to put the bytes on disk (`fsync`), so a rename after it
    /// can never expose a file whose content is not there yet.
    public func sync() throws(OutputError) {
        try flush()
        if fsync(descriptor) != 0 {
            throw OutputError(name: name, message: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes, then closes the descriptor if this sink opened it. Throws when either fails.
    public func close() throws(OutputError) {
        guard !closed else { return }
        closed = true
        try flush()
        if ownsDescriptor && SystemCalls.close(descriptor) != 0 {
            throw OutputError(name: name, message: "close failed: \(String(cString: strerror(errno)))")
        }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        var offset = 0
        while offset < bytes.count {
            let written = SystemCalls.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(name: name, message: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}

/// Output kept in memory, for tests and small documents.
public final class MemoryOutputSink: OutputSink {
    public let name: String
    public private(set) var bytes: [UInt8] = []

    public init(name: String = "<memory>") {
        self.name = name
    }

    /// The output so far, decoded as UTF-8.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        self.bytes.append(contentsOf: bytes)
    }

    public func flush() throws(OutputError) {}
}

/// The C calls whose names the sink's methods shadow.
private enum SystemCalls {
    static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(fd)
        #elseif canImport(Musl)
        Musl.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
        #elseif canImport(Musl)
        Musl.write(fd, bytes, count)
        #else
        Darwin.write(fd, bytes, count)
        #endif
    }
}
