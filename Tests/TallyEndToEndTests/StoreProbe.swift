import Foundation
import TallyStore

/// Reads a store the binary wrote, to assert on its contents.
struct StoreProbe {
    let connection: Connection

    init(_ folder: URL, name: String = "tally.db") throws {
        connection = try Connection(path: folder.appendingPathComponent(name).path, options: .init(readOnly: true))
    }

    func count(_ table: String, _ condition: String = "1", _ values: [SQLValue] = []) throws -> Int {
        Int(try connection.scalar("SELECT count(*) FROM \(table) WHERE \(condition)", values).integer ?? -1)
    }

    func text(_ sql: String, _ values: [SQLValue] = []) throws -> String? {
        try connection.scalar(sql, values).text
    }

    func rows(_ sql: String, _ values: [SQLValue] = []) throws -> [[String?]] {
        try connection.rows(sql, values).map { $0.map(\.text) }
    }

    /// A digest of every entity table's contents, to compare states.
    func entityState() throws -> String {
        var lines: [String] = []
        let tables = try connection.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'entity_%' ORDER BY name")
        for table in tables.compactMap({ $0.first?.text }) {
            let rows = try connection.rows("SELECT * FROM \(table) ORDER BY _id")
            lines.append("\(table): \(rows.count)")
            for row in rows { lines.append(row.map { $0.text ?? "∅" }.joined(separator: "|")) }
        }
        return lines.joined(separator: "\n")
    }
}

/// The JSON object printed by `--json`, decoded loosely for assertions.
func jsonObject(_ text: String) throws -> [String: Any] {
    let line = text.split(separator: "\n").last.map(String.init) ?? ""
    guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw CocoaError(.coderReadCorrupt)
    }
    return object
}

func counts(_ object: [String: Any]) -> [String: Int] {
    (object["counts"] as? [String: Any])?.compactMapValues { ($0 as? NSNumber)?.intValue } ?? [:]
}
