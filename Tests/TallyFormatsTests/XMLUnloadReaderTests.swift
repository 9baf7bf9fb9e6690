import Testing
import TallyFormats
import TestSupport

func readXML(_ text: String, chunkSize: Int? = nil) -> [ReadEvent] {
    XMLUnloadReader(source: MemoryByteSource(text, name: "u.xml", chunkSize: chunkSize)).readAll()
}

@Suite("XMLUnloadReader")
struct XMLUnloadReaderTests {
    @Test func readsTheFixture() throws {
        let reader = XMLUnloadReader(source: try FileByteSource(path: Paths.fixture("good/unload.xml")))
        let events = reader.readAll()
        #expect(reader.unloadDate == "2026-11-20 01:00:00")
        let records = events.compactMap(\.record)
        try #require(records.count == 3 && events.count == 3, "\(events)")
        #expect(records[0].names == ["_table", "_action", "number", "short_description", "state", "sys_updated_on",
                                     "caller_id", "caller_id.display_value"])
        #expect(records[0].values == ["incident", "INSERT_OR_UPDATE", "INC0010001", "Email not syncing on phone", "2",
                                      "2026-11-19 08:15:02", "5137153cc611227c000bbd1bd8cd2005", "Ann Lee"])
        #expect(records[0].provenance == Provenance(file: Paths.fixture("good/unload.xml"), record: 1, line: 3))
        #expect(records[1]["short_description"] == "VPN drops & reconnects <every 10 min> \u{2014} \"urgent\"")
        #expect(records[1]["caller_id.display_value"] == "Beth Ng")
        #expect(records[1].provenance.record == 2 && records[1].provenance.line == 10)
        #expect(records[2]["_action"] == "DELETE")
        #expect(records[2]["short_description"] == "Printer <3rd floor> & \"jammed\"")
        #expect(records[2]["state"] == "")
        #expect(records[2]["sys_updated_on"] == .some(nil))
        #expect(records[2]["caller_id"] == "")
        #expect(records[2]["caller_id.display_value"] == .none)
    }

    @Test func textIsKeptExactly() throws {
        let events = readXML("<unload><sys_user><name>  Ann\n Lee </name><a>&#233;&#x1F600;&quot;&apos;</a><b></b></sys_user></unload>")
        let record = try #require(events.first?.record)
        #expect(record.values == ["sys_user", nil, "  Ann\n Lee ", "\u{E9}\u{1F600}\"'", ""])
    }

    @Test func malformedXMLIsFatalWithItsLine() throws {
        let events = XMLUnloadReader(source: try FileByteSource(path: Paths.fixture("bad/unclosed-element.xml"))).readAll()
        #expect(events.first?.record?["number"] == "INC0010001")
        let issue = try #require(events.last?.issue)
        #expect(events.count == 2)
        #expect(issue.kind == .malformedXML)
        #expect(issue.line == 10)
        #expect(issue.record == 2)
    }

    @Test func emptyInputHasNoRecords() {
        #expect(readXML("").isEmpty)
    }

    @Test(arguments: ["<u>", "not xml", "<unload><incident><a>1</a></incident>", "<unload><incident><a>1</b></incident></unload>",
                      "<unload><incident><a x=1>1</a></incident></unload>", "<unload></unload><again/>"])
    func brokenInputsEndWithAnIssue(_ text: String) throws {
        let events = readXML(text)
        let issue = try #require(events.last?.issue)
        #expect(issue.kind == .malformedXML)
    }

    @Test func nestedElementsAndDuplicateFieldsCostTheRecord() throws {
        let events = readXML("<unload>\n<t><a>1</a></t>\n<t><a><b>x</b></a></t>\n<t><a>1</a><a>2</a></t>\n<t><a>3</a></t></unload>")
        try #require(events.count == 4)
        #expect(events[1].issue?.kind == .unexpectedShape && events[1].issue?.record == 2 && events[1].issue?.line == 3)
        #expect(events[2].issue?.message.contains("\"a\"") == true)
        #expect(events[3].record?["a"] == "3")
        #expect(events[3].record?.provenance.record == 4)
    }

    static func generated(_ count: Int) -> String {
        var text = "<?xml version=\"1.0\"?>\n<unload unload_date=\"2026-11-20 01:00:00\">\n"
        for i in 0..<count {
            text += "<incident action=\"INSERT_OR_UPDATE\"><number>INC\(i)</number><state>\(i % 7)</state>"
            text += "<caller_id display_value=\"User &amp; \(i)\">\(i)</caller_id><notes/></incident>\n"
        }
        return text + "</unload>\n"
    }

    @Test(arguments: [nil, 7])
    func aLargeInputIsReadRecordByRecord(_ chunkSize: Int?) throws {
        let count = 20_000
        let reader = XMLUnloadReader(source: MemoryByteSource(Self.generated(count), chunkSize: chunkSize), bufferedRecords: 4)
        var seen = 0
        while let event = try reader.next() {
            let record = try #require(event.record)
            #expect(record["number"] == .some("INC\(seen)"))
            if seen == count - 1 { #expect(record["caller_id.display_value"] == .some("User & \(seen)")) }
            seen += 1
        }
        #expect(seen == count)
        #expect(try reader.next() == nil)
    }

    @Test func droppingTheReaderEarlyStopsTheParser() throws {
        for _ in 0..<20 {
            let reader = XMLUnloadReader(source: MemoryByteSource(Self.generated(5_000)), bufferedRecords: 2)
            #expect(try reader.next()?.record?["number"] == "INC0")
        }
    }
}
