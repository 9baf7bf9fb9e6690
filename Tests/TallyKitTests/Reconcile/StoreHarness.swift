import Foundation
import TestSupport
@testable import TallyKit
import TallyFormats
import TallyStore

/// A store in a temp folder, and imports of small inline exports into it.
final class StoreHarness {
    let folder: URL
    let database: TallyDatabase
    private var fileCount = 0

    init(registry: EntityRegistry = .standard) throws {
        folder = try Paths.makeTempDirectory("reconcile")
        database = try TallyDatabase.open(path: folder.appendingPathComponent("tally.db").path, registry: registry)
    }

    /// A store that starts as a copy of the one in `template` (whose store nothing writes any more,
    /// its log checkpointed into the file).
    init(copying template: URL) throws {
        folder = try Paths.makeTempDirectory("reconcile")
        let path = folder.appendingPathComponent("tally.db")
        try FileManager.default.copyItem(at: template.appendingPathComponent("tally.db"), to: path)
        database = try TallyDatabase.open(path: path.path)
    }

    var connection: Connection { database.connection }

    /// Writes `text` to a new file and imports it.
    @discardableResult
    func importText(_ text: String, entity: String, source: String? = nil, force: Bool = false,
                    precedence: String? = nil, snapshot: SnapshotOptions? = nil, map: String? = nil,
                    dryRun: Bool = false) throws -> ImportResult {
        fileCount += 1
        let path = folder.appendingPathComponent("input-\(fileCount).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var precedencePath: String?
        if let precedence {
            precedencePath = folder.appendingPathComponent("precedence-\(fileCount).json").path
            try precedence.write(toFile: precedencePath!, atomically: true, encoding: .utf8)
        }
        var mapPath: String?
        if let map {
            mapPath = folder.appendingPathComponent("map-\(fileCount).json").path
            try map.write(toFile: mapPath!, atomically: true, encoding: .utf8)
        }
        let request = ImportRequest(paths: [path], entity: entity, source: source, mapPath: mapPath, dryRun: dryRun,
                                    force: force, precedencePath: precedencePath, snapshot: snapshot, command: "test")
        return try Importer(database: database).run(request)
    }

    /// Writes `text` (a `sys_audit_delete` export) to a new file and imports it with `--deletes`.
    @discardableResult
    func importDeletes(_ text: String, entity: String = "", source: String? = nil, dryRun: Bool = false,
                       fileExtension: String = "csv") throws -> ImportResult {
        fileCount += 1
        let path = folder.appendingPathComponent("deletes-\(fileCount).\(fileExtension)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var request = ImportRequest(paths: [path], entity: entity, source: source, dryRun: dryRun, command: "test --deletes")
        request.settings.deletes = true
        return try Importer(database: database).run(request)
    }

    func value(_ sql: String, _ values: [SQLValue] = []) throws -> String? {
        try connection.scalar(sql, values).text
    }

    func count(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
        Int(try connection.scalar(sql, values).integer ?? -1)
    }

    /// The canonical extract of an entity, as CSV text: the store's state as feeds see it.
    func extract(_ entity: String) throws -> String {
        let sink = MemoryOutputSink(name: "extract")
        try EntityExtract(database.registry.entity(named: entity)!).write(from: connection, format: .csv, to: sink)
        return sink.string
    }
}

/// Builds CSV text from a header and rows.
func csv(_ header: String, _ rows: [String]) -> String {
    ([header] + rows).joined(separator: "\n") + "\n"
}

/// A sys_id made from a label, so tests read well and stay deterministic.
func sysID(_ label: String) -> String {
    SHA256.hex(SHA256.hash(Array(label.utf8))).prefix(32).description
}
