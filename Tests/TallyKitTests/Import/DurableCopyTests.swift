import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyFormats

/// Kept inputs and archive moves copy through a temp file (issue 24, points 2–4).
@Suite("DurableCopy")
struct DurableCopyTests {
    /// A new folder for each test (Swift Testing makes an instance per test).
    let folder: URL
    init() throws { folder = try Paths.makeTempDirectory("tally-durable-copy") }

    @Test("a sparse file stays sparse: a 256 MB file with 64 KB of data takes about 64 KB")
    func sparseStaysSparse() throws {
        let source = folder.appendingPathComponent("sparse.csv").path
        let handle = try #require(FileHandle(forWritingAtPath: { _ = FileManager.default.createFile(atPath: source, contents: nil); return source }()))
        try handle.write(contentsOf: Data(repeating: 0x41, count: 65_536))
        try handle.truncate(atOffset: 256 << 20)
        try handle.close()
        let copy = folder.appendingPathComponent(".copy.tmp-1").path
        try DurableCopy.copy(from: source, to: copy, expected: FileByteSource.FileStamp.of(path: source))
        var status = stat()
        #expect(stat(copy, &status) == 0)
        #expect(status.st_size == 256 << 20)
        #expect(Int64(status.st_blocks) * 512 < 4 << 20, "the copy takes \(Int64(status.st_blocks) * 512) bytes")
        #expect(try SHA256.hash(fileAt: copy) == SHA256.hash(fileAt: source))
    }

    @Test("a source that is no longer the version read is refused, and the temp file removed")
    func changedSourceIsRefused() throws {
        let source = folder.appendingPathComponent("input.csv").path
        try "a,b\n1,2\n".write(toFile: source, atomically: false, encoding: .utf8)
        let read = try #require(FileByteSource.FileStamp.of(path: source))
        try "a,b\n1,2\n3,4\n".write(toFile: source, atomically: false, encoding: .utf8)
        let copy = folder.appendingPathComponent(".copy.tmp-1").path
        #expect(throws: DurableCopy.Failure.self) { try DurableCopy.copy(from: source, to: copy, expected: read) }
        #expect(!FileManager.default.fileExists(atPath: copy))
    }
}
