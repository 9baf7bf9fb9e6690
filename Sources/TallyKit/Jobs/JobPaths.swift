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
public struct JobPaths: Sendable {
    /// The job file's folder, absolute, symlinks resolved.
    public let folder: String
    /// The current folder, absolute, symlinks resolved.
    public let current: String

    public init(jobFile: String) {
        current = Self.realPath(FileManager.default.currentDirectoryPath)
        let jobFolder = (jobFile as NSString).deletingLastPathComponent
        let absolute = jobFolder.isEmpty ? current : (jobFolder.hasPrefix("/") ? jobFolder : current + "/" + jobFolder)
        folder = Self.realPath(absolute)
    }

    /// `path` from the job file, as a path to open (relative to the current folder when under it).
    public func resolve(_ path: String) -> String {
        let absolute = Self.normalize(path.hasPrefix("/") ? path : folder + "/" + path)
        return display(absolute)
    }

    /// An absolute path, relative to the current folder when under it.
    public func display(_ absolute: String) -> String {
        if absolute == current { return "." }
        if current == "/" { return String(absolute.dropFirst()) }
        return absolute.hasPrefix(current + "/") ? String(absolute.dropFirst(current.count + 1)) : absolute
    }

    /// The files a job input names: the path itself when it has no glob characters (which may
    /// not exist: the caller reports it missing), else the regular files the pattern matches, in
    /// name order.
    public func expand(_ pattern: String) -> (files: [String], isPattern: Bool) {
        let resolved = resolve(pattern)
        guard Self.isPattern(pattern) else { return ([resolved], false) }
        let absolute = resolved.hasPrefix("/") ? resolved : current + "/" + resolved
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(absolute, 0, nil, &result) == 0 else { return ([], true) }
        var files: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let pointer = result.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(display(path))
            }
        }
        return (files, true)
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
