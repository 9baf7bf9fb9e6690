import Foundation
import Testing
import TallyKit
import TestSupport

@Suite("TransformMap")
struct TransformMapTests {
    private func decode(_ json: String) throws -> TransformMap {
        try TransformMap.decode(from: Data(json.utf8))
    }

    @Test("a minimal map takes every default")
    func minimal() throws {
        let map = try decode(#"{"entity": "incident"}"#)
        #expect(map == TransformMap(entity: "incident"))
        #expect(map.source == "default")
        #expect(map.encoding == .utf8)
        #expect(map.nullTokens == [])
        #expect(map.empty == .null)
        #expect(map.unknown == .reject)
        #expect(map.timezone == "UTC")
        #expect(map.dateFormats == ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd"])
        #expect(map.defaults)
        #expect(map.keys == nil)
    }

    @Test("every option, with columns as names or objects")
    func full() throws {
        let map = try decode("""
            {"entity": "incident", "source": "legacy", "encoding": "windows-1252", "null_tokens": ["?", "NULL"],
             "empty": "keep", "unknown": "keep", "timezone": "Europe/London", "date_formats": ["d/M/yyyy HH:mm"],
             "columns": {"Ref": "number",
                         "Status": {"field": "state", "choices": {"Open": 1, "Gone": null}, "unknown": "null"},
                         "When": {"field": "opened_at", "formats": ["yyyy"], "timezone": "UTC",
                                  "null_tokens": ["-"], "empty": "null"}},
             "ignore": ["Junk"], "constants": {"contact_type": "phone", "reopen_count": 0, "made_sla": true},
             "keys": ["number"], "required": ["caller_id"], "defaults": false}
            """)
        #expect(map.source == "legacy")
        #expect(map.encoding == .windows1252)
        #expect(map.nullTokens == ["?", "NULL"])
        #expect(map.empty == .keep)
        #expect(map.unknown == .keep)
        #expect(map.columns["Ref"] == TransformMap.Column(field: "number"))
        #expect(map.columns["Status"]?.choices == ["Open": .integer(1), "Gone": .null])
        #expect(map.columns["Status"]?.unknown == .null)
        #expect(map.columns["When"]?.nullTokens == ["-"])
        #expect(map.constants == ["contact_type": .string("phone"), "reopen_count": .integer(0), "made_sla": .boolean(true)])
        #expect(map.keys == [["number"]])
        #expect(map.required == ["caller_id"])
        #expect(!map.defaults)
        let again = try TransformMap.decode(from: try JSONEncoder().encode(map))
        #expect(again == map)
    }

    @Test("keys may be ordered groups")
    func keyGroups() throws {
        let map = try decode(#"{"entity": "ci", "keys": [["serial_number", "sys_class_name"], ["name"]]}"#)
        #expect(map.keys == [["serial_number", "sys_class_name"], ["name"]])
    }

    @Test("a misspelt key is an error, not ignored", arguments: [
        #"{"entity": "incident", "null_token": ["?"]}"#,
        #"{"entity": "incident", "columns": {"a": {"field": "number", "format": ["yyyy"]}}}"#,
        #"{"entity": "incident", "empty": "blank"}"#,
        #"{"entity": "incident", "encoding": "ebcdic"}"#,
        #"{"source": "x"}"#,
    ])
    func strict(json: String) {
        #expect(throws: (any Error).self) { try decode(json) }
    }

    @Test("the default map lists each field by name and by its labels")
    func defaultMap() throws {
        let incident = try #require(EntityRegistry.standard.entity(named: "incident"))
        let map = TransformMap.default(for: incident)
        #expect(map.entity == "incident")
        #expect(map.columns["number"]?.field == "number")
        #expect(map.columns["Number"]?.field == "number")
        #expect(map.columns["Updated"]?.field == "sys_updated_on")
        #expect(map.columns["Updates"]?.field == "sys_mod_count")
        #expect(map.columns["Caller"]?.field == "caller_id")
        #expect(map.columns["Configuration item"]?.field == "cmdb_ci")
        #expect(map.columns.count == incident.fields.count + incident.fields.map(\.labels.count).reduce(0, +))
    }

    @Test("the shipped UCI map decodes and compiles")
    func uciMapFile() throws {
        let map = try TransformMap.load(path: Paths.packageRoot.appendingPathComponent("jobs/maps/uci-incident.json").path)
        #expect(map.entity == "incident")
        #expect(map.source == "uci")
        #expect(map.nullTokens == ["?"])
        #expect(map.columns["incident_state"]?.choices?["Awaiting Vendor"] == .integer(3))
        _ = try RecordMapper(map: map, header: ["number"])
    }

    @Test("every example in docs/transform-maps.md decodes and compiles against its entity")
    func documentedExamples() throws {
        let doc = try String(contentsOfFile: Paths.packageRoot.appendingPathComponent("docs/transform-maps.md").path,
                             encoding: .utf8)
        let blocks = doc.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count == 13)  // one per entity, and the severities example
        var entities: Set<String> = []
        for block in blocks {
            let map = try decode(block)
            let mapper = try RecordMapper(map: map, header: Array(map.columns.keys))
            entities.insert(mapper.entity.name)
        }
        #expect(entities == Set(EntityRegistry.standard.names))
    }
}
