import Testing
@testable import TallyKit

/// Columns a map does not know merge like fields: a partial export never wipes what a fuller one kept.
@Suite("ExtraColumns")
struct ExtraColumnsTests {
    @Test func aColumnTheInputLacksKeepsItsStoredValue() {
        let stored = ExtraColumns.json([.init(name: "approval", value: "requested"), .init(name: "severity", value: "3"),
                                        .init(name: "sys_tags", value: nil)])
        let incoming = ExtraColumns.json([.init(name: "severity", value: "2"), .init(name: "escalation", value: "1")])
        #expect(ExtraColumns.merge(stored: stored, incoming: incoming)
                == #"{"approval":"requested","severity":"2","sys_tags":null,"escalation":"1"}"#)
    }

    @Test func theSameOrNoIncomingColumnsLeaveTheStoredText() {
        let stored = ExtraColumns.json([.init(name: "a", value: "1")])
        #expect(ExtraColumns.merge(stored: stored, incoming: nil) == stored)
        #expect(ExtraColumns.merge(stored: stored, incoming: stored) == stored)
        #expect(ExtraColumns.merge(stored: nil, incoming: stored) == stored)
        // A subset with the same values merges to the stored text: no change to write.
        let full = ExtraColumns.json([.init(name: "a", value: "1"), .init(name: "b", value: "2")])
        #expect(ExtraColumns.merge(stored: full, incoming: stored) == full)
    }

    @Test(arguments: ["quote \" and backslash \\", "line\nbreak\ttab", "ünïcödé 日本語 😀", "", "\u{01}control"])
    func valuesRoundTripThroughTheStoredText(value: String) throws {
        let text = try #require(ExtraColumns.json([.init(name: "k \"q\"", value: value)]))
        #expect(ExtraColumns.parse(text) == [ExtraField(name: "k \"q\"", value: value)])
    }

    @Test func textThatIsNotAnObjectGivesWayToTheIncoming() {
        #expect(ExtraColumns.parse("not json") == nil)
        #expect(ExtraColumns.parse(#"{"a":"1""#) == nil)
        #expect(ExtraColumns.merge(stored: "not json", incoming: #"{"a":"1"}"#) == #"{"a":"1"}"#)
    }
}
