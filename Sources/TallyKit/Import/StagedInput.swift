import Foundation
import TallyFormats

/// An input ready to import: a readable regular file with its size. Standard input is first
/// copied to a temp file (hashing as it goes), so it can be read and rerun. The SHA-256 a run
/// records is the one of the bytes read (``verified(_:)``); ``sha256()`` hashes the file apart,
/// only to skip an input already imported.
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

    /// The file's SHA-256 as it is now (hashed apart from the read, on first use).
    func sha256() throws(ImportFailure) -> String {
        let value: String
        do { value = try digest.value() }
        catch { throw ImportFailure(.inputMissing, "\(displayPath) cannot be read: \(error.message)") }
        return value
    }

    /// The SHA-256 of the bytes the reader consumed, once the read is known to be one version of
    /// the file (and, for a kept input, the version the run recorded).
    func verified(_ read: FileByteSource.Digest) throws(ImportFailure) -> String {
        if read.changed {
            throw ImportFailure(.inputChanged, "\(displayPath) changed while it was read (its size or modification time is not what it was when opened); nothing was committed: import it again once its producer has finished writing it")
        }
        if let expectedSHA256, read.sha256 != expectedSHA256 {
            throw ImportFailure(.failed, "the kept input \(path) no longer matches its SHA-256 (\(expectedSHA256)); it was changed after the run, so it cannot be rerun")
        }
        return read.sha256
    }

    /// `followSymlinks`: a path that is a symbolic link is read through it (`--follow-symlinks`);
    /// otherwise it is refused, like anything but a regular file.
    init(path: String, followSymlinks: Bool = false) throws {
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
        var status = stat()
        guard lstat(path, &status) == 0 else { throw ImportFailure(.inputMissing, "\(path): no such file") }
        if (status.st_mode & S_IFMT) == S_IFLNK {
            guard followSymlinks else {
                throw ImportFailure(.invalidRequest, "\(path) is a symbolic link; Tally reads links only with --follow-symlinks")
            }
            guard stat(path, &status) == 0 else { throw ImportFailure(.inputMissing, "\(path) is a symbolic link to a file that does not exist") }
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ImportFailure(.inputMissing, "\(path) is a folder, not a file")
        default: throw ImportFailure(.invalidRequest, "\(path) is \(Self.kind(of: status.st_mode)), not a regular file; pipe it to standard input instead ('tally import - < \(path)')")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImportFailure(.inputMissing, "\(path) cannot be read (permission denied)")
        }
        self.path = path
        size = Int64(status.st_size)
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
        digest = FileDigest(known: stored.sha256)  // checked against the bytes read (verified(_:))
        expectedSHA256 = stored.sha256
        isTemporary = false
    }

    /// "a FIFO", "a device", … for a file type (`st_mode`).
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFLNK: "a symbolic link"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a folder"
        default: "not a regular file"
        }
    }

    func cleanUp() {
        if isTemporary { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The ledger entry of an input with the SHA-256 `sha256` (by default the file's as it is now).
    func ledgerInput(position: Int, sha256 known: String? = nil) throws(ImportFailure) -> RunInput {
        var value = known ?? ""
        if known == nil { value = try sha256() }
        return RunInput(position: position, path: displayPath, size: size, sha256: value, format: nil)
    }
}
