import Foundation

/// Keeps each imported input beside the store (`STORE.inputs/<sha256>`), so a run can be rerun
/// with today's maps and rules. Files are content-addressed: the same input is kept once.
/// A hard link is used where the file system allows it, else a copy.
struct InputArchive {
    let folder: String

    init(storePath: String) {
        folder = storePath + ".inputs"
    }

    func path(for sha256: String) -> String { folder + "/" + sha256 }

    /// Keeps `input`; returns where the copy is.
    func keep(_ input: StagedInput) throws -> String {
        let destination = path(for: try input.sha256())
        let files = FileManager.default
        if files.fileExists(atPath: destination) { return destination }
        try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = destination + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try? files.removeItem(atPath: temporary)
        if link(input.path, temporary) != 0 {
            try files.copyItem(atPath: input.path, toPath: temporary)
        }
        if rename(temporary, destination) != 0 {
            try? files.removeItem(atPath: temporary)
            throw ImportFailure(.failed, "cannot keep \(input.displayPath) in \(folder): \(String(cString: strerror(errno)))")
        }
        return destination
    }
}
