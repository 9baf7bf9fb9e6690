import Testing
@testable import TallyFormats

@Suite("JSONNestedValueParser")
struct JSONNestedValueParserTests {
    /// Parses the value in `text`; returns its compact text and what it says about being a reference.
    func parse(_ text: String, maxDepth: Int = 8)
        throws(ReadIssue) -> (text: String, ref: JSONNestedValueParser.ReferenceCapture?) {
        try withTokenizer(text, chunkSize: 5) { t throws(ReadIssue) in
            var parser = JSONNestedValueParser(maxDepth: maxDepth, maxStringBytes: 1024)
            var ref: JSONNestedValueParser.ReferenceCapture? = text.hasPrefix("{") ? .init() : nil
            try parser.parse(&t, emit: true, depth: 1, ref: &ref)
            return (String(decoding: parser.out, as: UTF8.self), ref)
        }
    }

    @Test func compactsNestedValuesKeepingKeyOrderAndMinimalEscapes() throws {
        let result = try parse(#"{ "z" : [1, 2.50 , true, null], "a": {"b": "x\u0041\n\/" } , "e": {}, "f": [] }"#)
        #expect(result.text == #"{"z":[1,2.50,true,null],"a":{"b":"xA\n/"},"e":{},"f":[]}"#)
        #expect(result.ref?.isReference == false)
    }

    @Test(arguments: [
        (#"{"link":"https://x/api/u/1","value":"1"}"#, true, "1", nil),
        (#"{"value":"1","display_value":"Ann Lee"}"#, true, "1", "Ann Lee"),
        (#"{"display_value":"Ann","link":"l","value":""}"#, true, "", "Ann"),
        (#"{"value":"1"}"#, false, "1", nil),
        (#"{"value":"1","link":"l","sys_id":"1"}"#, false, nil, nil),
        (#"{"value":"1","value":"2","link":"l"}"#, false, nil, nil),
        (#"{"value":{"x":1},"link":"l"}"#, false, nil, nil),
    ] as [(String, Bool, String?, String?)])
    func spotsReferenceObjects(text: String, isReference: Bool, value: String?, display: String?) throws {
        let ref = try #require(try parse(text).ref)
        #expect(ref.isReference == isReference)
        if isReference {
            #expect(ref.value == .some(value))
            #expect(ref.display == (display == nil ? String??.none : String??.some(display)))
        }
    }

    @Test func refusesNestingDeeperThanTheLimit() {
        #expect {
            _ = try parse("[[[[[[[[1]]]]]]]]", maxDepth: 6)
        } throws: { error in
            (error as? ReadIssue).map { $0.kind == .malformedJSON && $0.message.contains("deeper than 6 levels") } ?? false
        }
    }

    @Test(arguments: ["[1,]", "{\"a\" 1}", "{\"a\":1", "[1 2]"])
    func refusesMalformedValues(text: String) {
        #expect(throws: ReadIssue.self) { _ = try parse(text) }
    }
}
