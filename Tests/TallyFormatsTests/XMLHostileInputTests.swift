import Foundation
import Testing
import TestSupport
@testable import TallyFormats

/// XML that crashed libxml2 or FoundationXML under the fuzzer: read, or refused with a clear
/// issue, at every chunk size.
@Suite("XML hostile input")
struct XMLHostileInputTests {
    func events(_ text: [UInt8], chunkSize: Int? = nil) -> [ReadEvent] {
        XMLUnloadReader(source: MemoryByteSource(text, name: "x.xml", chunkSize: chunkSize)).readAll()
    }

    @Test("processing instructions without data are read; CDATA is untouched", arguments: [nil, 1, 2, 3, 7])
    func instructionsWithoutData(_ chunkSize: Int?) throws {
        let text = Array(#"<?xml version="1.0"?><?a?><unload><incident><n><![CDATA[<?php?>]]></n></incident><?end?></unload>"#.utf8)
        let records = events(text, chunkSize: chunkSize).compactMap(\.record)
        #expect(records.count == 1)
        #expect(records.first?.values.last == "<?php?>")
    }

    @Test("the guard inserts a space only where an instruction has no data")
    func guardRewrites() {
        var guardian = ProcessingInstructionGuard()
        var out: [UInt8] = []
        for byte in Array("<?x?><?y z?><![CDATA[<?c?>]]><!-- --><?w?>".utf8) { guardian.feed([byte][...], into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "<?x ?><?y z?><![CDATA[<?c?>]]><!-- --><?w ?>")
    }

    @Test("encodings libxml2 cannot convert are refused at line 1", arguments: [
        Array(#"<?xml version="1.0" encoding="UTF-32"?><unload/>"#.utf8),
        Array(#"<?xml version="1.0" encoding='utf-7'?><unload/>"#.utf8),
        [0, 0, 0] + Array("<?xml version=\"1.0\"?><unload/>".utf8),
        [0xFF, 0xFE] + Array("<\0u\0".utf8),
    ])
    func unconvertibleEncodings(_ bytes: [UInt8]) {
        let all = events(bytes)
        #expect(all.count == 0 || all.allSatisfy { $0.issue != nil })
        var thrown: ReadIssue?
        do throws(ReadIssue) {
            _ = try XMLUnloadReader(source: MemoryByteSource(bytes, name: "x.xml")).next()
        } catch {
            thrown = error
        }
        #expect(thrown?.kind == .invalidEncoding && thrown?.line == 1, "\(String(describing: thrown))")
    }
}
