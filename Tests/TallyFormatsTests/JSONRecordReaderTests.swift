import Testing
import TallyFormats
import TestSupport

/// Reads `text` with a fresh reader, optionally in chunks of `chunkSize` bytes.
func readJSON(_ text: String, chunkSize: Int? = nil, maxDepth: Int = 512,
              maxStringBytes: Int = 16 * 1024 * 1024) -> [ReadEvent] {
    JSONRecordReader(source: MemoryByteSource(text, name: "t.json", chunkSize: chunkSize),
                     maxDepth: maxDepth, maxStringBytes: maxStringBytes).readAll()
}

func readJSON(bytes: [UInt8], chunkSize: Int? = nil) -> [ReadEvent] {
    JSONRecordReader(source: MemoryByteSource(bytes, name: "t.json", chunkSize: chunkSize)).readAll()
}


@Suite("JSONRecordReader")
struct JSONRecordReaderTests {
    static let expectedNames = ["number", "short_description", "state", "sys_updated_on", "caller_id"]

    @Test(arguments: [("good/table-api.json", JSONRecordReader.Layout.tableAPI),
                      ("good/jsonv2.json", .jsonV2), ("good/bare-array.json", .array),
                      ("good/records.ndjson", .lines)])
    func readsEachLayout(_ fixture: String, _ layout: JSONRecordReader.Layout) throws {
        let reader = JSONRecordReader(source: try FileByteSource(path: Paths.fixture(fixture)))
        let events = reader.readAll()
        #expect(reader.layout == layout)
        let records = events.compactMap(\.record)
        try #require(records.count == 3 && events.count == 3, "\(events)")
        #expect(records.map { $0.provenance.record } == [1, 2, 3])
        #expect(records[0].names == Self.expectedNames)
        #expect(records[0]["caller_id"] == "5137153cc611227c000bbd1bd8cd2005")
        #expect(records[1].names == Self.expectedNames + ["caller_id.display_value"])
        #expect(records[1]["caller_id.display_value"] == "Ann Lee")
        #expect(records[1]["short_description"] == "VPN drops every 10 minutes \u{2014} \"urgent\"")
        #expect(records[2]["caller_id"] == "")
        #expect(records[2]["sys_updated_on"] == "2026-11-20 00:59:59")
        #expect(records.allSatisfy { $0.provenance.file.hasSuffix(fixture) })
    }

    @Test func provenanceLineIsTheLineOfTheOpeningBrace() {
        let events = readJSON("{\"result\": [\n  {\"a\": \"1\"},\n\n  {\n    \"a\": \"2\"\n  }\n]}")
        #expect(events.compactMap(\.record).map(\.provenance.line) == [2, 4])
    }

    @Test func valuesStayText() throws {
        let events = readJSON(#"[{"big": 12345678901234567890, "dec": 1.10, "neg": -0.5e-3, "t": true, "f": false, "nul": null, "zip": "00501"}]"#)
        let record = try #require(events.first?.record)
        #expect(record["big"] == "12345678901234567890")
        #expect(record["dec"] == "1.10")
        #expect(record["neg"] == "-0.5e-3")
        #expect(record["t"] == "true")
        #expect(record["f"] == "false")
        #expect(record["nul"] == .some(nil))
        #expect(record["zip"] == "00501")
    }

    @Test func escapesAndSurrogatePairs() throws {
        let events = readJSON(#"[{"s": "a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00 caf\#u{E9}", "k\u0065y": "1"}]"#)
        let record = try #require(events.first?.record)
        #expect(record["s"] == "a\"b\\c/d\u{8}\u{C}\n\r\tA\u{E9}\u{20AC}\u{1F600} caf\u{E9}")
        #expect(record.names == ["s", "key"])
    }

    @Test(arguments: [#"[{"s": "\ud800"}]"#, #"[{"s": "\udc00\ud800"}]"#, #"[{"s": "\ud800\u0041"}]"#])
    func loneSurrogatesAreInvalidEncoding(_ text: String) throws {
        let issue = try #require(readJSON(text).first?.issue)
        #expect(issue.kind == .invalidEncoding)
        #expect(issue.line == 1 && issue.column == 9)
    }

    @Test func referenceObjectsBecomeTheirValue() throws {
        let text = #"""
        [{"caller_id": {"link": "https://x/api/now/table/sys_user/abc", "value": "abc"},
          "assigned_to": {"display_value": "Beth Ng", "value": "def"},
          "group": {"display_value": "Service Desk", "link": "https://x/g", "value": "ghi"},
          "empty": {"display_value": "", "value": ""},
          "nulls": {"display_value": null, "value": null},
          "state": "2"}]
        """#
        let record = try #require(readJSON(text).first?.record)
        #expect(record.names == ["caller_id", "assigned_to", "assigned_to.display_value", "group",
                                 "group.display_value", "empty", "empty.display_value", "nulls",
                                 "nulls.display_value", "state"])
        #expect(record.values == ["abc", "def", "Beth Ng", "ghi", "Service Desk", "", "", nil, nil, "2"])
    }

    @Test(arguments: [
        (#"{"value": "a"}"#, #"{"value":"a"}"#),
        (#"{"value": "a", "other": 1}"#, #"{"value":"a","other":1}"#),
        (#"{"value": {"x": 1}, "link": "l"}"#, #"{"value":{"x":1},"link":"l"}"#),
        (#"{"value": "a", "value": "b", "link": "l"}"#, #"{"value":"a","value":"b","link":"l"}"#),
        (#"{ "b" : [ 1 , 2.50 , { } , [ ] , null , true , "\u0041\n\u0007" ] , "a" : { "z" : 1 , "y" : 2 } }"#,
         #"{"b":[1,2.50,{},[],null,true,"A\n\u0007"],"a":{"z":1,"y":2}}"#),
        (#"[ "x" , [ [ ] ] ]"#, #"["x",[[]]]"#),
    ])
    func otherNestedValuesBecomeCompactJSON(_ value: String, _ compact: String) throws {
        let record = try #require(readJSON(#"[{"f": "# + value + "}]").first?.record)
        #expect(record.names == ["f"])
        #expect(record["f"] == .some(compact))
    }

    @Test func namesAreSharedAndChangeWhenKeysChange() throws {
        let events = readJSON(#"[{"a":"1","b":"2"},{"a":"3","b":"4"},{"b":"5","a":"6"},{"a":"7"},{"a":"8","b":"9","c":"0"}]"#)
        let records = events.compactMap(\.record)
        #expect(records.map(\.names) == [["a", "b"], ["a", "b"], ["b", "a"], ["a"], ["a", "b", "c"]])
        #expect(records[2]["a"] == "6")
    }

    @Test func alternatingShapesKeepTheirOwnNames() throws {
        let ref = #"{"display_value": "Ann", "value": "1"}"#
        let rows = [#"{"a":"1","c":""}"#, #"{"a":"2","c":\#(ref)}"#, #"{"a":"3","c":""}"#, #"{"a":"4","c":\#(ref)}"#,
                    #"{"a":"5"}"#, #"{"a":"6","c":\#(ref),"d":"x"}"#, #"{"a":"7","c":\#(ref)}"#, #"{"b":"8"}"#,
                    #"{"a":"9","c":"","d":"y"}"#, #"{"a":"10","c":""}"#]
        let records = readJSON("[" + rows.joined(separator: ",") + "]").compactMap(\.record)
        try #require(records.count == rows.count)
        let plain = ["a", "c"], display = ["a", "c", "c.display_value"]
        #expect(records.map(\.names) == [plain, display, plain, display, ["a"], display + ["d"], display, ["b"],
                                         plain + ["d"], plain])
        #expect(records.map { $0["a"] ?? nil } == ["1", "2", "3", "4", "5", "6", "7", nil, "9", "10"])
        #expect(records[3]["c.display_value"] == "Ann")
        #expect(records[8]["d"] == "y")
    }

    @Test func duplicateKeysCostTheRecord() throws {
        let events = readJSON("[{\"a\":\"1\"},\n {\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"},\n {\"a\":\"4\"}]")
        #expect(events.count == 3)
        let issue = try #require(events[1].issue)
        #expect(issue.kind == .unexpectedShape)
        #expect(issue.record == 2 && issue.line == 2 && issue.column == 2)
        #expect(issue.message.contains("\"a\""))
        #expect(events[2].record?["a"] == "4")
        #expect(events[2].record?.provenance.record == 3)
    }

    @Test func aDisplayValueFieldClashingWithARealOneIsADuplicate() throws {
        let events = readJSON(#"[{"c": {"display_value": "A", "value": "1"}, "c.display_value": "B"}]"#)
        #expect(events.first?.issue?.kind == .unexpectedShape)
    }

    @Test func elementsThatAreNotObjectsCostThemselves() throws {
        let events = readJSON("[{\"a\":\"1\"}, [1, 2], \"x\", 3, null, {\"a\":\"2\"}]")
        #expect(events.count == 6)
        let issue = try #require(events[1].issue)
        #expect(issue.kind == .unexpectedShape && issue.record == 2 && issue.column == 13)
        #expect(issue.rawText == "[1,2]")
        #expect(events[2].issue?.kind == .unexpectedShape)
        #expect(events[5].record?.provenance.record == 6)
    }

    @Test func otherTopLevelKeysAreValidatedAndSkipped() throws {
        let text = #"{"meta": {"x": [1, {"y": "z"}]}, "result": [{"a": "1"}], "count": 1, "records": [{"a": "2"}]}"#
        let events = readJSON(text)
        #expect(events.compactMap(\.record).map { $0["a"] } == ["1", "2"])
        #expect(events.count == 2)
        let bad = readJSON(#"{"result": [{"a": "1"}], "meta": [1,]}"#)
        #expect(bad.count == 2 && bad[1].issue?.kind == .malformedJSON)
    }

    @Test func aSingleRecordResponseIsOneRecord() throws {
        let events = readJSON(#"{"result": {"number": "INC1", "caller_id": {"value": "a", "link": "l"}}}"#)
        #expect(events.count == 1)
        #expect(events.first?.record?.names == ["number", "caller_id"])
    }

    @Test func aSingleObjectThatIsNotAContainerIsOneRecord() throws {
        let reader = JSONRecordReader(source: try FileByteSource(path: Paths.fixture("bad/not-a-container.json")))
        let events = reader.readAll()
        #expect(reader.layout == .lines)
        #expect(events.count == 1)
        #expect(events.first?.record?["foo"] == "1")
        // A "result" key whose value is neither an array nor an object is an ordinary field.
        #expect(readJSON(#"{"result": "ok", "n": 1}"#).first?.record?["result"] == "ok")
    }

    @Test func emptyInputsHaveNoRecords() {
        #expect(readJSON("").isEmpty)
        #expect(readJSON(" \n\t\r\n").isEmpty)
        #expect(readJSON("[]").isEmpty)
        #expect(readJSON(#"{"result": []}"#).isEmpty)
        #expect(readJSON("[{}]").first?.record?.names == [])
    }

    @Test func byteOrderMarks() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let events = readJSON(bytes: bom + Array("[{\"a\":\"1\"}]".utf8))
        #expect(events.first?.record?["a"] == "1")
        let utf16 = readJSON(bytes: [0xFF, 0xFE] + Array("[".utf8))
        #expect(utf16.first?.issue?.kind == .invalidEncoding)
    }

    // MARK: NDJSON

    @Test func ndjsonLinesAndBlankLines() throws {
        let events = readJSON("{\"a\":\"1\"}\n\n  \n{\"a\":\"2\"}\r\n{\"a\":\"3\"}")
        let records = events.compactMap(\.record)
        #expect(records.map { $0["a"] } == ["1", "2", "3"])
        #expect(records.map(\.provenance.line) == [1, 4, 5])
        #expect(events.count == 3)
    }

    @Test func ndjsonBadLineCostsOnlyThatLine() throws {
        let events = JSONRecordReader(source: try FileByteSource(path: Paths.fixture("bad/ndjson-bad-line.ndjson"))).readAll()
        #expect(events.count == 3)
        #expect(events[0].record?["number"] == "INC0010001")
        let issue = try #require(events[1].issue)
        #expect(issue.kind == .malformedJSON && issue.line == 2 && issue.column == 37 && issue.record == 2)
        #expect(events[2].record?["number"] == "INC0010003")
        #expect(events[2].record?.provenance.record == 3)
    }

    @Test func ndjsonBadLines() throws {
        let text = "{\"a\":\"1\"} x\n[1]\n{\"a\":\"\u{1}\"}\n{\"a\"\n{\"a\":\"5\"}\n{\"a\":\"6\""
        let events = readJSON(text)
        try #require(events.count == 6, "\(events)")
        #expect(events[0].issue?.message.contains("after the record") == true)
        #expect(events[1].issue?.kind == .unexpectedShape)
        #expect(events[2].issue?.column == 7)
        #expect(events[3].issue?.line == 5)  // where the next object begins
        #expect(events[4].record?["a"] == "5")
        #expect(events[5].issue?.line == 6)
        #expect(events.map { $0.record?.provenance.record ?? $0.issue?.record } == [1, 2, 3, 4, 5, 6])
    }

    // MARK: Errors and positions

    @Test func trailingCommaIsFatalWithPosition() throws {
        let events = JSONRecordReader(source: try FileByteSource(path: Paths.fixture("bad/trailing-comma.json"))).readAll()
        #expect(events.count == 3)
        let issue = try #require(events.last?.issue)
        #expect(issue.kind == .malformedJSON && issue.line == 4 && issue.column == 1)
        #expect(issue.description.hasSuffix("trailing-comma.json:4:1: a trailing comma before ']' is not allowed"))
    }

    @Test func truncatedFileIsFatalAtTheEnd() throws {
        let events = JSONRecordReader(source: try FileByteSource(path: Paths.fixture("bad/truncated.json"))).readAll()
        #expect(events.count == 2)
        let issue = try #require(events.last?.issue)
        #expect(issue.kind == .malformedJSON && issue.record == 2)
        #expect(issue.message.contains("truncated"))
        #expect(issue.line == 15 && issue.column == 7)
    }

    @Test(arguments: ["[{\"a\": \"x", "[{\"a\": tru", "[{\"a\": 12", "[{\"a\": \"\\u12", "[{\"a\"", "[", "{\"result\": [",
                      "[{\"a\": [1, {\"b\": "])
    func truncationAnywhereIsAnIssue(_ text: String) throws {
        let events = readJSON(text)
        #expect(events.count == 1)
        #expect(events.first?.issue?.kind == .malformedJSON)
    }

    @Test func invalidUTF8HasItsPosition() throws {
        let events = JSONRecordReader(source: try FileByteSource(path: Paths.fixture("bad/invalid-utf8.json"))).readAll()
        let issue = try #require(events.first?.issue)
        #expect(issue.kind == .invalidEncoding && issue.line == 2 && issue.column == 51)
        #expect(issue.message.contains("0xFF"))
    }

    @Test(arguments: [
        ("[{\"a\": 01}]", 1, 9), ("[{\"a\": \"x\"}\n,\n{\"a\" 1}]", 3, 6), ("[{\"a\": +1}]", 1, 8),
        ("[{\"a\": 'x'}]", 1, 8), ("[{\"a\": \"x\" \"b\": 1}]", 1, 12), ("[{\"a\": \"\\x\"}]", 1, 9),
        ("[{a: 1}]", 1, 3), ("[{\"a\": 1.}]", 1, 10), ("[{}] x", 1, 6), ("\n\n  x", 3, 3),
        ("[{\"a\":\"é\", \"b\": nul}]", 1, 18),
    ])
    func errorPositions(_ text: String, _ line: Int, _ column: Int) throws {
        let issue = try #require(readJSON(text).last?.issue)
        #expect(issue.line == line && issue.column == column, "\(issue)")
    }

    @Test func deepNestingIsACleanIssue() throws {
        let bomb = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let events = readJSON(bomb)
        #expect(events.count == 1)
        let issue = try #require(events.first?.issue)
        #expect(issue.kind == .malformedJSON && issue.column == 513 && issue.message.contains("512"))
        let inField = readJSON("[{\"f\": " + String(repeating: "[", count: 100_000) + "}]")
        #expect(inField.first?.issue?.message.contains("nested deeper") == true)
        let ndjson = readJSON("{\"f\": " + String(repeating: "{\"a\":", count: 100_000) + "\n{\"a\":\"1\"}\n")
        #expect(ndjson.count == 2 && ndjson[1].record?["a"] == "1")
    }

    @Test func maxDepthCountsTheRecordsContainers() {
        #expect(readJSON(#"[{"f": [[1]]}]"#, maxDepth: 4).first?.record != nil)
        #expect(readJSON(#"[{"f": [[[1]]]}]"#, maxDepth: 4).first?.issue != nil)
    }

    @Test func hugeStringsAreFieldTooLarge() throws {
        let long = String(repeating: "x", count: 200_000)
        #expect(readJSON("[{\"a\": \"\(long)\"}]", maxStringBytes: 300_000).first?.record?["a"] == .some(long))
        let issue = try #require(readJSON("[{\"a\": \"\(long)\"}]", maxStringBytes: 100_000).first?.issue)
        #expect(issue.kind == .fieldTooLarge && issue.column == 8)
        let nested = readJSON("[{\"a\": [\"\(long)\", \"\(long)\"]}]", maxStringBytes: 300_000)
        #expect(nested.first?.issue?.kind == .fieldTooLarge)
    }

    // MARK: Chunk boundaries

    static let everything = #"""
    {"__meta": {"n": [1, -2.5e+3, true, null, "\u00e9"]},
     "result": [
      {"number": "INC0000001", "s": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n", "raw": "naïve — 😀 中文",
       "n1": 12345678901234567890, "n2": -0.000e-10, "t": true, "f": false, "z": null,
       "ref": {"link": "https://x/y", "value": "abc"}, "dv": {"display_value": "Ann", "value": "d"},
       "nested": {"a": [1, {"b": "c\td"}], "e": {}}, "k\u00e9y": "v"},
      {"number": "INC0000002", "s": "", "raw": "", "n1": 0, "n2": 1E5, "t": false, "f": true, "z": "",
       "ref": {"value": "xyz", "link": "l"}, "dv": {"value": "e", "display_value": null},
       "nested": [], "k\u00e9y": "w"},
      [1, 2],
      {"number": "INC0000003"}
     ],
     "tail": "ok"}
    """#

    @Test(arguments: [1, 2, 3, 5, 7, 13, 64])
    func tinyChunksGiveTheSameEvents(_ chunkSize: Int) {
        let whole = readJSON(Self.everything)
        #expect(whole.count == 4)
        #expect(whole.compactMap(\.record).count == 3)
        #expect(readJSON(Self.everything, chunkSize: chunkSize) == whole)
    }

    @Test(arguments: [1, 2, 3, 7])
    func tinyChunksKeepErrorPositions(_ chunkSize: Int) throws {
        for text in ["[{\"a\": \"x\u{1}\"}]", "[{\"a\": \"\\ud800\\u0041\"}]", "[{\"a\": 1.e}]", "{\"a\":\"1\"}\n{\"a\": \"caf\u{E9}\\q\"}\n"] {
            #expect(readJSON(text, chunkSize: chunkSize) == readJSON(text), "\(text)")
        }
        let bytes = Array("[{\"s\": \"ab\u{E9}".utf8) + [0xE9, 0x41] + Array("\"}]".utf8)
        let issue = try #require(readJSON(bytes: bytes, chunkSize: chunkSize).first?.issue)
        #expect(issue.kind == .invalidEncoding && issue.column == 13)
    }

    @Test func manyRecordsAcrossMany64KiBChunks() {
        var text = "{\"result\":["
        for i in 0..<20_000 {
            if i > 0 { text += ",\n" }
            text += #"{"number":"INC\#(i)","short_description":"row \#(i) \u00e9","caller_id":{"display_value":"A","value":"\#(i)"}}"#
        }
        text += "]}"
        let events = readJSON(text)
        #expect(events.count == 20_000)
        let records = events.compactMap(\.record)
        #expect(records.count == 20_000)
        #expect(records.last?["number"] == "INC19999")
        #expect(records.last?["short_description"] == "row 19999 \u{E9}")
        #expect(records.last?.provenance.line == 20_000)
        #expect(records.last?.names == ["number", "short_description", "caller_id", "caller_id.display_value"])
    }
}
