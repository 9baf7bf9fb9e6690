import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a job file's paths: relative ones against the job file's folder, shown relative to
/// the current folder when they lie under it (so logs read `fixtures/itsm/incident.csv`).
package struct JobPaths: Sendable {
    /// The job file's folder, absolute, symlinks resolved.
    package let folder: String
    /// The current folder, absolute, symlinks resolved.
    package let current: String

    package init(jobFile: String) {
        current = Self.realPath(FileManager.default.currentDirectoryPath)
        let jobFolder = (jobFile as NSString).deletingLastPathComponent
        let absolute = jobFolder.isEmpty ? current : (jobFolder.hasPrefix("/") ? jobFolder : current + "/" + jobFolder)
        folder = Self.realPath(absolute)
    }

    /// `path` from the job file, as a path to open (relative to the current folder when under it).
    package func resolve(_ path: String) -> String {
        let absolute = Self.normalize(path.hasPrefix("/") ? path : folder + "/" + path)
        return display(absolute)
    }

    /// An absolute path, relative to the current folder when under it.
    package func display(_ absolute: String) -> String {
        if absolute == current { return "." }
        if current == "/" { return String(absolute.dropFirst()) }
        return absolute.hasPrefix(current + "/") ? String(absolute.dropFirst(current.count + 1)) : absolute
    }

    /// What a job input names: the files to import, and what a pattern matched but must not be
    /// read, with why.
    package struct Expansion: Sendable {
        package var files: [String]
        package var isPattern: Bool
        package var skipped: [(path: String, reason: String)] = []
    }

    /// The files a job input names: the path itself when it has no glob characters (which may
    /// not exist: the caller reports it missing), else the regular files the pattern matches, in
    /// name order. A pattern never takes a symbolic link, FIFO, device, socket or folder (a link
    /// could point anywhere, a FIFO would hang the job); no input, named or matched, is ever the
    /// store at `store`, its `-wal`, `-shm`, `-journal`, its lock or a kept input under `STORE.inputs/`.
    package func expand(_ pattern: String, store: String? = nil) -> Expansion {
        let resolved = resolve(pattern)
        let own = store.map(StoreFiles.init)
        guard Self.isPattern(pattern) else {
            if let own, own.contains(absolute(resolved)) {
                return Expansion(files: [], isPattern: false, skipped: [(resolved, "it is one of the store's own files (\(own.store))")])
            }
            return Expansion(files: [resolved], isPattern: false)
        }
        let absolute = resolved.hasPrefix("/") ? resolved : current + "/" + resolved
        var result = glob_t()
        defer { globfree(&result) }
        var expansion = Expansion(files: [], isPattern: true)
        guard glob(absolute, 0, nil, &result) == 0 else { return expansion }
        for index in 0..<Int(result.gl_pathc) {
            guard let pointer = result.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }  // gone since the glob
            if (status.st_mode & S_IFMT) != S_IFREG {
                expansion.skipped.append((display(path), "\(StagedInput.kind(of: status.st_mode)), not a regular file"))
            } else if let own, own.contains(path) {
                expansion.skipped.append((display(path), "one of the store's own files (\(own.store))"))
            } else {
                expansion.files.append(display(path))
            }
        }
        return expansion
    }

    /// `path` absolute (it is relative to the current folder otherwise).
    private func absolute(_ path: String) -> String {
        Self.normalize(path.hasPrefix("/") ? path : current + "/" + path)
    }

    /// The store's files, by absolute path with the folder's symlinks resolved.
    struct StoreFiles {
        let store: String
        private let names: Set<String>
        private let inputs: String

        init(_ store: String) {
            self.store = store
            let path = StoreFiles.canonical(store)
            names = Set(["", "-wal", "-shm", "-journal", ".lock"].map { path + $0 })
            inputs = path + ".inputs/"
        }

        func contains(_ path: String) -> Bool {
            let candidate = Self.canonical(path)
            return names.contains(candidate) || candidate.hasPrefix(inputs)
        }

        /// The real path of `path`'s folder, then its name (the file itself may not exist).
        static func canonical(_ path: String) -> String {
            let absolute = JobPaths.normalize(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
            let folder = (absolute as NSString).deletingLastPathComponent
            let name = (absolute as NSString).lastPathComponent
            let real = JobPaths.realPath(folder)
            return (real == "/" ? "" : real) + "/" + name
        }
    }

    static func isPattern(_ path: String) -> Bool { path.contains { "*?[".contains($0) } }

    /// Collapses `.` and `name/..` segments of an absolute path.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return normalize(path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
