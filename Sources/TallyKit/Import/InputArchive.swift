import Foundation
import TallyFormats

/// Keeps each imported input beside the store (`STORE.inputs/<sha256>`), so a run can be rerun
/// with today's maps and rules. Files are content-addressed: the same input is kept once.
/// A kept input is a copy of its own (a reflink where the file system allows it, holes kept as
/// holes), never a hard link, which would change with the original; it is written to a temp
/// name (`.<sha256>.tmp-<pid>`) and renamed, so a kept name always holds a whole file.
struct InputArchive {
    let folder: String

    init(storePath: String) {
        folder = storePath + ".inputs"
    }

    func path(for sha256: String) -> String { folder + "/" + sha256 }

    /// Keeps `input`, whose read gave `sha256` from the file as `asRead` describes it (the copy
    /// fails if the file is no longer that version); returns where the copy is.
    func keep(_ input: StagedInput, sha256: String, asRead: FileByteSource.FileStamp?) throws(ImportFailure) -> String {
        let destination = path(for: sha256)
        let files = FileManager.default
        if files.fileExists(atPath: destination) { return destination }
        do { try files.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        catch { throw ImportFailure(.failed, "cannot create \(folder) to keep \(input.displayPath): \(error.localizedDescription)") }
        Self.removeAbandonedCopies(in: folder)
        let temporary = folder + "/." + sha256 + ".tmp-\(getpid())"
        unlink(temporary)
        do throws(DurableCopy.Failure) {
            try DurableCopy.copy(from: input.path, to: temporary, expected: asRead)
        } catch {
            let kind: ImportFailure.Kind = error.kind == .changed ? .inputChanged : .failed
            throw ImportFailure(kind, "cannot keep \(input.displayPath) in \(folder) for reruns: \(error.description); nothing was committed")
        }
        guard rename(temporary, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ImportFailure(.failed, "cannot keep \(input.displayPath) in \(folder): \(reason)")
        }
        DurableCopy.syncFolder(folder)
        return destination
    }

    /// Removes temp copies (`.NAME.tmp-PID`) whose process is gone: a run killed while keeping
    /// an input. They are never taken for kept inputs (those are named by their SHA-256 alone).
    static func removeAbandonedCopies(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards), let pid = Int32(name[marker.upperBound...]),
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(folder + "/" + name)
        }
    }
}
