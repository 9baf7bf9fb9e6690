import Foundation
import Testing
import TestSupport
@testable import TallyKit

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
        case "date":
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let parser = try? DateTimeParser(formats: [lines.first ?? ""], timeZone: lines.count > 1 ? lines[1] : "UTC")
            for value in lines.dropFirst(2) { _ = parser?.parse(value) }
        default:
            Issue.record("\(name): the name does not start with a fuzz target")
        }
    }
}
