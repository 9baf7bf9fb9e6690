import Foundation

/// An input ready to import: a readable file with its size and SHA-256. Standard input is
/// first copied to a temp file (hashing as it goes), so it can be hashed, read and rerun.
/// A file's SHA-256 is computed in the background while it is imported, unless asked for at once.
struct StagedInput {
    /// The path as given (`-` for standard input).
    let displayPath: String
    /// The file to read.
    let path: String
    let size: Int64
    private let digest: FileDigest
    /// For a kept input: the SHA-256 it must still have.
    private let expectedSHA256: String?
    private let isTemporary: Bool

    /// The file's SHA-256 (waits for the background hash).
    func sha256() throws(ImportFailure) -> String {
        let value: String
        do { value = try digest.value() }
        catch { throw ImportFailure(.inputMissing, "\(displayPath) cannot be read: \(error.message)") }
        if let expectedSHA256, value != expectedSHA256 {
            throw ImportFailure(.failed, "the kept input \(path) no longer matches its SHA-256 (\(expectedSHA256)); it was changed after the run, so it cannot be rerun")
        }
        return value
    }

    init(path: String) throws {
        displayPath = path
        if path == "-" {
            let temp = FileManager.default.temporaryDirectory.appendingPathComponent("tally-stdin-\(UUID().uuidString)").path
            guard FileManager.default.createFile(atPath: temp, contents: nil),
                  let output = FileHandle(forWritingAtPath: temp) else {
                throw ImportFailure(.failed, "cannot stage standard input in \(temp)")
            }
            var hasher = SHA256()
            var size: Int64 = 0
            let input = FileHandle.standardInput
            while true {
                let chunk = input.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                chunk.withUnsafeBytes { hasher.update($0) }
                output.write(chunk)
                size += Int64(chunk.count)
            }
            try output.close()
            self.path = temp
            self.size = size
            digest = FileDigest(known: hasher.hexDigest())
            expectedSHA256 = nil
            isTemporary = true
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImportFailure(.inputMissing, "\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw ImportFailure(.inputMissing, "\(path) is a folder, not a file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImportFailure(.inputMissing, "\(path) cannot be read (permission denied)")
        }
        self.path = path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        digest = FileDigest(hashing: path)
        expectedSHA256 = nil
        isTemporary = false
    }

    /// An input an earlier run kept, checked against the SHA-256 recorded then.
    init(stored: StoredInput) throws {
        displayPath = stored.displayPath
        path = stored.storedPath
        guard FileManager.default.isReadableFile(atPath: stored.storedPath) else {
            throw ImportFailure(.inputMissing, "the input \(stored.displayPath) kept at \(stored.storedPath) is gone (pruned or deleted), so the run cannot be rerun")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: stored.storedPath)
        size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        digest = FileDigest(hashing: stored.storedPath)
        expectedSHA256 = stored.sha256
        isTemporary = false
    }

    func cleanUp() {
        if isTemporary { try? FileManager.default.removeItem(atPath: path) }
    }

    func ledgerInput(position: Int) throws(ImportFailure) -> RunInput {
        RunInput(position: position, path: displayPath, size: size, sha256: try sha256(), format: nil)
    }
}
