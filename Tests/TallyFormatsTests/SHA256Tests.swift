import Testing
import TallyFormats
import TestSupport
import Foundation

@Suite("SHA256")
struct SHA256Tests {
    /// FIPS 180-2 appendix B (and the empty message).
    @Test("NIST vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(message: String, expected: String) {
        #expect(SHA256.hex(SHA256.hash(Array(message.utf8))) == expected)
        for engine in SHA256.Engine.available {
            var hasher = SHA256(engine: engine)
            hasher.update(message)
            #expect(hasher.hexDigest() == expected, "\(engine)")
        }
    }

    @Test("one million 'a's")
    func million() {
        for engine in SHA256.Engine.available {
            var hasher = SHA256(engine: engine)
            let block = [UInt8](repeating: 0x61, count: 1000)
            for _ in 0..<1000 { hasher.update(block) }
            #expect(hasher.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "\(engine)")
        }
    }

    /// On a CPU with the SHA extensions both engines run, and must agree on every length (one
    /// block, many blocks at once, a partial block left over); elsewhere only the portable one runs.
    @Test("the hardware engine and the portable one give the same digests")
    func enginesAgree() {
        #expect(SHA256.Engine.available.contains(.portable))
        #expect(SHA256.Engine.available.first == SHA256.Engine.best)
        guard SHA256.Engine.available.contains(.hardware) else { return }
        var rng = SeededGenerator(seed: 180_4)
        for length in Array(0...200) + [1000, 4096, 65_537, 1 << 20] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var hardware = SHA256(engine: .hardware), portable = SHA256(engine: .portable)
            hardware.update(bytes)
            portable.update(bytes)
            #expect(hardware.finalize() == portable.finalize(), "length \(length)")
        }
    }

    @Test("hashing in pieces of any size equals hashing at once", arguments: [1, 3, 55, 56, 63, 64, 65, 127, 1000])
    func pieces(size: Int) {
        var rng = SeededGenerator(seed: UInt64(size))
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var hasher = SHA256()
            var start = 0
            while start < bytes.count {
                let end = min(start + size, bytes.count)
                hasher.update(Array(bytes[start..<end]))
                start = end
            }
            #expect(hasher.finalize() == SHA256.hash(bytes), "length \(length)")
        }
    }

    @Test("a file's hash is its contents' hash; a missing file is unreadable")
    func file() throws {
        let directory = try Paths.makeTempDirectory()
        let path = directory.appendingPathComponent("abc.txt").path
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        #expect(SHA256.hex(try SHA256.hash(fileAt: path)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect { try SHA256.hash(fileAt: directory.appendingPathComponent("missing").path) } throws: { error in
            (error as? ReadIssue)?.kind == .unreadable
        }
    }
}

/// The SHA-256 an import records is the one of the bytes its reader consumed (issue 24, point 1).
@Suite("FileByteSource digest")
struct FileByteSourceDigestTests {
    @Test("bytes appended after the first read are hashed as read, and the change is reported")
    func changeWhileReading() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try String(repeating: "x", count: 100).write(toFile: path, atomically: false, encoding: .utf8)
        let source = try FileByteSource(path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 40, alignment: 1)
        defer { buffer.deallocate() }
        #expect(try source.read(into: buffer) == 40)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("yyy".utf8))
        try handle.close()
        let digest = try source.finish()
        #expect(digest.changed)
        #expect(digest.bytes == 103)
        #expect(digest.digest == SHA256.hash(Array((String(repeating: "x", count: 100) + "yyy").utf8)))
    }

    @Test("an unchanged file: the digest of the whole file, even when the reader stopped early")
    func unchangedFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = String(repeating: "line\n", count: 50_000)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let source = try FileByteSource(path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1000, alignment: 1)
        defer { buffer.deallocate() }
        _ = try source.read(into: buffer)
        let digest = try source.finish()
        #expect(!digest.changed)
        #expect(digest.digest == SHA256.hash(Array(text.utf8)))
        #expect(try SHA256.hash(fileAt: path) == digest.digest)
    }

    @Test("without hashing (tally parse, the collision pass): the same bytes and change check, no digest")
    func withoutHashing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try String(repeating: "line\n", count: 1_000).write(toFile: path, atomically: false, encoding: .utf8)
        let source = try FileByteSource(path: path, hashing: false)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 1)
        defer { buffer.deallocate() }
        #expect(try source.read(into: buffer) == 100)
        let digest = try source.finish()
        #expect(digest.bytes == 5_000 && !digest.changed)
        #expect(digest.digest.isEmpty)
    }
}
