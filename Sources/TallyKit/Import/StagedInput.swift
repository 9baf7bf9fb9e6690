import Foundation

/// An input ready to import: a readable file with its size and SHA-256. Standard input is
/// first copied to a temp file (hashing as it goes), so it can be hashed, read and rerun.
struct StagedInput {
    /// The path as given (`-` for standard input).
    let displayPath: String
    /// The file to read.
    let path: String
    let size: Int64
    let sha256: String
    private let isTemporary: Bool

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
            self.sha256 = hasher.hexDigest()
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
        do { sha256 = SHA256.hex(try SHA256.hash(fileAt: path)) }
        catch { throw ImportFailure(.inputMissing, "\(path) cannot be read: \(error)") }
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
        let digest: String
        do { digest = SHA256.hex(try SHA256.hash(fileAt: stored.storedPath)) }
        catch { throw ImportFailure(.inputMissing, "the kept input \(stored.storedPath) cannot be read: \(error)") }
        guard digest == stored.sha256 else {
            throw ImportFailure(.failed, "the kept input \(stored.storedPath) no longer matches its SHA-256 (\(stored.sha256)); it was changed after the run, so it cannot be rerun")
        }
        sha256 = digest
        isTemporary = false
    }

    func cleanUp() {
        if isTemporary { try? FileManager.default.removeItem(atPath: path) }
    }

    func ledgerInput(position: Int) -> RunInput {
        RunInput(position: position, path: displayPath, size: size, sha256: sha256, format: nil)
    }
}
