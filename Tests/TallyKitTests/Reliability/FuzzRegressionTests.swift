import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyFormats

/// Every input a fuzz target ever crashed on (`fixtures/hostile/fuzz/TARGET-<sha>.<ext>`, kept by
/// `Tests/Reliability/fuzz.sh`) is fed to the same code again: it must not crash.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let folder = Paths.fixture("hostile/fuzz")
    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted()
    }

    @Test("every kept crashing input is handled", arguments: inputs)
    func crashingInput(_ name: String) throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name)))
        let control = bytes.first ?? 0
        let data = Array(bytes.dropFirst())
        // The same source the fuzz entry (Tests/Reliability/Fuzz/FuzzSupport.swift) built from the control byte.
        func source() -> any ByteSource {
            let memory = MemoryByteSource(data, chunkSize: control & 0x80 != 0 ? Int(control & 0x0F) + 1 : nil)
            switch (control >> 4) & 0x7 {
            case 1: return TranscodingByteSource(source: memory, encoding: .utf16, chunkSize: 7)
            case 2: return TranscodingByteSource(source: memory, encoding: .latin1, chunkSize: 5)
            case 3: return TranscodingByteSource(source: memory, encoding: .windows1252)
            case 4: return TranscodingByteSource(source: memory, encoding: .utf16be, chunkSize: 3)
            default: return memory
            }
        }
        switch name.split(separator: "-").first.map(String.init) ?? "" {
        case "csv":
            for delimiter in CSVOptions.Delimiter.allCases {
                for lenient in [false, true] {
                    let options = CSVOptions(delimiter: delimiter, maxFieldBytes: control & 0x04 != 0 ? 8 : 16 << 20, lenientQuotes: lenient)
                    _ = CSVReader(source: MemoryByteSource(data, chunkSize: 3), options: options, bufferSize: 9).readAll()
                    _ = CSVReader(source: MemoryByteSource(data), options: options).readAll()
                    _ = CSVReader(source: source(), options: options).readAll()
                }
            }
        case "json":
            _ = JSONRecordReader(source: MemoryByteSource(data, chunkSize: 5), maxDepth: 4, maxStringBytes: 16).readAll()
            _ = JSONRecordReader(source: MemoryByteSource(data)).readAll()
            _ = JSONRecordReader(source: source(), maxDepth: control & 0x01 != 0 ? 4 : 512, maxStringBytes: control & 0x01 != 0 ? 16 : 16 << 20).readAll()
        case "xml":
            _ = XMLUnloadReader(source: MemoryByteSource(data, chunkSize: 7), bufferedRecords: 1).readAll()
            _ = XMLUnloadReader(source: source(), bufferedRecords: Int(control & 0x0F) + 1).readAll()
        case "transform":
            if let map = try? JSONDecoder().decode(TransformMap.self, from: Data(bytes)) {
                _ = try? RecordMapper(map: map, registry: .standard, header: Array(map.columns.keys) + ["sys_id"])
            }
        case "job":
            try Self.loadJobFile(bytes)
        case "date":
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let parser = try? DateTimeParser(formats: [lines.first ?? ""], timeZone: lines.count > 1 ? lines[1] : "UTC")
            for value in lines.dropFirst(2) { _ = parser?.parse(value) }
        default:
            Issue.record("\(name): the name does not start with a fuzz target")
        }
    }

    /// The `job-file` replay itself works, on the bundled jobs (which load) and a few shapes that
    /// do not, so a kept crashing job file is replayed by code known to reach the parser.
    @Test func theJobFileReplayLoadsTheBundledJobs() throws {
        let jobs = Paths.packageRoot.appendingPathComponent("jobs").path
        let names = try FileManager.default.contentsOfDirectory(atPath: jobs).filter { $0.hasSuffix(".json") && $0 != "precedence.json" }
        #expect(names.count >= 3)
        for name in names { try Self.loadJobFile(Array(try Data(contentsOf: URL(fileURLWithPath: jobs + "/" + name)))) }
        for text in ["", "{", "[]", #"{"name": "x", "inputs": [{"entity": "incident", "glob": "drop/*.csv"}], "archive": "../../a"}"#,
                     #"{"name": "x", "inputs": [{"entity": "incident", "glob": "/*/*"}]}"#] {
            try Self.loadJobFile(Array(text.utf8))
        }
    }

    /// What the `job-file` target (Tests/Reliability/Fuzz/FuzzJobFile.swift) does with its bytes:
    /// `job.json` in a temp folder with a drop folder, loaded as `tally run` loads it; a job that
    /// loads has its paths resolved and, when they stay inside the folder, its globs expanded.
    static func loadJobFile(_ bytes: [UInt8]) throws {
        let folder = JobPaths.realPath(try Paths.makeTempDirectory("tally-fuzz-job").path)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for sub in ["drop", "maps", "archive", "out"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        for (name, text) in [("drop/incident-1.csv", "sys_id,number\n1,INC1\n"), ("drop/incident-2.csv", "sys_id,number\n2,INC2\n"),
                             ("drop/incident-3.csv.part", "sys_id\n"), ("maps/m.json", "{}\n")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        let jobFile = folder + "/job.json"
        try Data(bytes).write(to: URL(fileURLWithPath: jobFile))
        guard let job = try? JobDefinition.load(path: jobFile) else { return }
        let paths = JobPaths(jobFile: jobFile)
        let runner = JobRunner(job: job, options: JobRunOptions(jobPath: jobFile, command: "tally run fuzz"), emit: { _ in })
        _ = StoreLock.path(forStore: runner.storePath)
        for input in job.orderedInputs() {
            let resolved = paths.resolve(input.glob)
            let absolute = resolved.hasPrefix("/") ? resolved : paths.current + "/" + resolved
            if absolute == folder || absolute.hasPrefix(folder + "/") { _ = paths.expand(input.glob) }
            _ = input.map.map(paths.resolve)
            _ = input.precedence.map(paths.resolve)
        }
        _ = job.archive.map(paths.resolve)
        _ = job.report.map(paths.resolve)
        for value in job.settings.values { _ = value.stored }
        if let extracts = job.extracts {
            _ = paths.resolve(extracts.out)
            _ = job.extractRequest(.standard)
            for feed in extracts.feeds { _ = job.feedRequest(feed, .standard) }
        }
    }
}
