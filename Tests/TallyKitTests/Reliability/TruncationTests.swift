import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyFormats
import TallyStore

/// A small export of each format, cut at every byte position: every prefix is read to its end
/// (no crash, no hang), every issue names the file and a line, and importing every prefix into
/// one store leaves a store that `tally check` accepts, each run committed whole or failed whole.
@Suite("Truncated at every byte")
struct TruncationTests {
    static let files = ["small.csv", "small.json", "small.ndjson", "small.xml"]

    @Test("every prefix reads to an end; issues name file and line", arguments: files)
    func everyPrefixReads(_ name: String) throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Paths.fixture("hostile/" + name))))
        let folder = try Paths.makeTempDirectory("truncation")
        for length in 0...bytes.count {
            let path = folder.appendingPathComponent("cut-\(length)-\(name)").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes[..<length]))
            let events: [ReadEvent]
            do {
                events = try InputOpener.open(path: path).reader.readAll()
            } catch {
                #expect(error.file.hasSuffix(name) && error.line >= 1, "\(length): \(error)")
                continue
            }
            #expect(events.count <= 8, "\(length): \(events.count) events from a small file")
            for issue in events.compactMap(\.issue) {
                #expect(issue.file == path && issue.line >= 1 && issue.column >= 1, "\(length): \(issue)")
                #expect(!issue.message.isEmpty)
            }
            for record in events.compactMap(\.record) {
                #expect(record.names.count == record.values.count)
                #expect(record.provenance.line >= 1)
            }
        }
    }

    @Test("importing every prefix commits or fails each run whole, and the store holds", arguments: files)
    func everyPrefixImports(_ name: String) throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Paths.fixture("hostile/" + name))))
        let folder = try Paths.makeTempDirectory("truncation-import")
        let database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path)
        for length in stride(from: 0, through: bytes.count, by: 1) {
            let path = folder.appendingPathComponent("cut-\(length)").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes[..<length]))
            let request = ImportRequest(paths: [path], entity: "incident", force: true, command: "test cut \(length)")
            do {
                let result = try Importer(database: database).run(request)
                #expect(result.counts.isConserved)
            } catch {
                #expect(error.message.contains("cut-\(length)") || error.message.contains("nothing was committed"), "\(length): \(error.message)")
                if let run = error.run {
                    #expect(try database.connection.scalar("SELECT count(*) FROM audit WHERE run = ?", [.integer(run)]).integer == 0)
                }
            }
        }
        let report = try StoreCheck(database: database).run()
        #expect(report.holds, "\(report.lines.joined(separator: "\n"))")
    }
}
