import Foundation

/// libFuzzer entry: a job file, as `tally run JOB` reads it. The bytes are written to `job.json`
/// in a temp folder made once (with a few files for the globs to find) and loaded with
/// `JobDefinition.load(path:)` — JSON shape, known keys, entities, settings, extract names and
/// feeds — then, for a job that loads, every path is resolved against the job file's folder as
/// `JobRunner` does, and the inputs' globs are expanded in run order. A pattern that resolves
/// outside the temp folder is resolved but not expanded, so the fuzzer never lists the real
/// filesystem.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJobFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let path = FuzzJobFolder.shared.jobFile
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { fatalError("cannot write \(path)") }
    guard let job = try? JobDefinition.load(path: path) else { return 0 }
    fuzzJobUse(job, jobFile: path, folder: FuzzJobFolder.shared.folder)
    return 0
}

/// The temp folder the fuzzed job files live in: `job.json`, `drop/` with two inputs and a
/// part file, `maps/` with a map, and an empty `archive/`.
final class FuzzJobFolder: @unchecked Sendable {
    static let shared = FuzzJobFolder()
    let folder: String
    var jobFile: String { folder + "/job.json" }

    private init() {
        var template = Array((NSTemporaryDirectory() + "/tally-fuzz-job.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
        folder = JobPaths.realPath(String(cString: made))
        let manager = FileManager.default
        for sub in ["drop", "maps", "archive", "out"] {
            try? manager.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        for (name, text) in [("drop/incident-1.csv", "sys_id,number\n1,INC1\n"), ("drop/incident-2.csv", "sys_id,number\n2,INC2\n"),
                             ("drop/incident-3.csv.part", "sys_id\n"), ("maps/m.json", "{}\n")] {
            _ = manager.createFile(atPath: folder + "/" + name, contents: Data(text.utf8))
        }
        atexit { try? FileManager.default.removeItem(atPath: FuzzJobFolder.shared.folder) }
    }
}

/// What `tally run` does with a loaded job before it touches a store: the store path, the inputs
/// in order with their files, maps and precedence files, the archive, extract and feed folders,
/// the report, the settings' stored values and the extract requests.
func fuzzJobUse(_ job: JobDefinition, jobFile: String, folder: String) {
    let paths = JobPaths(jobFile: jobFile)
    let runner = JobRunner(job: job, options: JobRunOptions(jobPath: jobFile, command: "tally run fuzz"), emit: { _ in })
    _ = StoreLock.path(forStore: runner.storePath)
    for input in job.orderedInputs() {
        let resolved = paths.resolve(input.glob)
        let absolute = resolved.hasPrefix("/") ? resolved : paths.current + "/" + resolved
        if absolute == folder || absolute.hasPrefix(folder + "/") {
            let expansion = paths.expand(input.glob)
            let (files, isPattern) = (expansion.files, expansion.isPattern)
            if !isPattern { precondition(files.count == 1, "a plain path expands to itself") }
            for file in files { precondition(!file.isEmpty) }
        }
        _ = input.map.map(paths.resolve)
        _ = input.precedence.map(paths.resolve)
    }
    _ = job.archive.map(paths.resolve)
    _ = job.report.map(paths.resolve)
    for value in job.settings.values { _ = value.stored }
    if let extracts = job.extracts {
        let out = paths.resolve(extracts.out)
        _ = job.extractRequest(.standard)
        for feed in extracts.feeds {
            _ = job.feedRequest(feed, .standard)
            _ = feed.out.map(paths.resolve) ?? out + "/feeds/" + feed.name
        }
    }
}
