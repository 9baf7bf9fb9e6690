import Foundation
import Testing
import TallyFormats

@Suite("OrderedJSONEncoder")
struct OrderedJSONEncoderTests {
    struct Inner: Codable, Equatable {
        var zeta: Int
        var alpha: [String]
    }

    /// Declared out of alphabetical order, with optionals: synthesized conformance throughout.
    struct Outer: Codable, Equatable {
        var name: String
        var count: Int64
        var note: String?
        var flag: Bool
        var inner: Inner
        var list: [Inner]
        var missing: Int?
    }

    let sample = Outer(name: "a \"b\"", count: -42, note: nil, flag: true, inner: Inner(zeta: 1, alpha: ["x", "y"]),
                       list: [Inner(zeta: 2, alpha: [])], missing: nil)

    @Test("keys in CodingKeys order, \", \" and \": \" between items, nil as null")
    func singleLine() throws {
        let text = try OrderedJSONEncoder().encode(sample)
        #expect(text == #"{"name": "a \"b\"", "count": -42, "note": null, "flag": true, "inner": {"zeta": 1, "alpha": ["x", "y"]}, "list": [{"zeta": 2, "alpha": []}], "missing": null}"#)
    }

    @Test("nilEncoding .omit leaves out the keys of nil optionals")
    func omitNil() throws {
        let text = try OrderedJSONEncoder(nilEncoding: .omit).encode(sample)
        #expect(text == #"{"name": "a \"b\"", "count": -42, "flag": true, "inner": {"zeta": 1, "alpha": ["x", "y"]}, "list": [{"zeta": 2, "alpha": []}]}"#)
    }

    @Test("the text decodes back to the value")
    func roundTrip() throws {
        let text = try OrderedJSONEncoder().encode(sample)
        #expect(try JSONDecoder().decode(Outer.self, from: Data(text.utf8)) == sample)
    }

    @Test("strings are escaped as appendJSONString escapes them", arguments: [
        "plain", "", "\"", "\\", "/", "\n\r\t\u{08}\u{0C}", "\u{00}\u{1F}\u{7F}", "é 東京 🚀 e\u{301} \u{2028}",
    ])
    func escaping(value: String) throws {
        var expected: [UInt8] = []
        appendJSONString(value, to: &expected)
        #expect(try OrderedJSONEncoder().encodeBytes(value) == expected)
        #expect(try OrderedJSONEncoder().encode(["k": value]) == "{\"k\": \(String(decoding: expected, as: UTF8.self))}")
    }

    @Test("integers at their limits, booleans, doubles, fixed decimals")
    func numbers() throws {
        let encoder = OrderedJSONEncoder()
        #expect(try encoder.encode([Int64.min, Int64.max]) == "[-9223372036854775808, 9223372036854775807]")
        #expect(try encoder.encode([UInt64.max]) == "[18446744073709551615]")
        #expect(try encoder.encode([Int8(-1)]) == "[-1]")
        #expect(try encoder.encode([true, false]) == "[true, false]")
        #expect(try encoder.encode([0.5, 1e-7, 2.0]) == "[0.5, 1e-07, 2.0]")
        #expect(try encoder.encode([FixedDecimal(0.12, decimals: 3), FixedDecimal(2, decimals: 3), FixedDecimal(0.0004, decimals: 3)])
            == "[0.120, 2.000, 0.000]")
        #expect(FixedDecimal(1.23456, decimals: 2).description == "1.23")
    }

    @Test("non-finite numbers are refused, not written as invalid JSON", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) {
        #expect(throws: EncodingError.self) { try OrderedJSONEncoder().encode([value]) }
        #expect(throws: EncodingError.self) { try OrderedJSONEncoder().encode([FixedDecimal(value, decimals: 3)]) }
    }

    @Test("a fixed decimal is a plain Double to other encoders")
    func fixedDecimalElsewhere() throws {
        let data = try JSONEncoder().encode([FixedDecimal(0.25, decimals: 3)])
        #expect(try JSONDecoder().decode([Double].self, from: data) == [0.25])
    }

    @Test("an ordered object keeps the order it is given, which a Dictionary would not")
    func orderedObject() throws {
        let object = OrderedJSONObject([(key: "zeta", value: 1), (key: "alpha", value: 2), (key: "mid", value: 3)])
        #expect(try OrderedJSONEncoder().encode(object) == #"{"zeta": 1, "alpha": 2, "mid": 3}"#)
        #expect(try OrderedJSONEncoder().encode(OrderedJSONObject<Int>([])) == "{}")
    }

    @Test("a key encoded twice keeps its first place and its last value")
    func keyTwice() throws {
        struct Twice: Encodable {
            enum CodingKeys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(1, forKey: .a)
                try container.encode(2, forKey: .b)
                try container.encode("again", forKey: .a)
            }
        }
        #expect(try OrderedJSONEncoder().encode(Twice()) == #"{"a": "again", "b": 2}"#)
    }

    @Test("nested containers and two keyed containers on one encoder fill one object")
    func nestedContainers() throws {
        struct Nested: Encodable {
            enum Outer: String, CodingKey { case head, body, tail }
            enum Inner: String, CodingKey { case x }
            func encode(to encoder: any Encoder) throws {
                var outer = encoder.container(keyedBy: Outer.self)
                try outer.encode("h", forKey: .head)
                var inner = outer.nestedContainer(keyedBy: Inner.self, forKey: .body)
                try inner.encodeNil(forKey: .x)
                var list = outer.nestedUnkeyedContainer(forKey: .tail)
                try list.encode(1)
                var deeper = list.nestedUnkeyedContainer()
                try deeper.encode("d")
                var again = encoder.container(keyedBy: Inner.self)
                try again.encode(true, forKey: .x)
            }
        }
        #expect(try OrderedJSONEncoder().encode(Nested()) == #"{"head": "h", "body": {"x": null}, "tail": [1, ["d"]], "x": true}"#)
    }

    @Test("lines(at:) breaks the containers at those paths, one element a line, and no others")
    func lines() throws {
        let encoder = OrderedJSONEncoder(layout: .lines(at: ["", "list"]))
        #expect(try encoder.encode(sample) == """
            {
              "name": "a \\"b\\"",
              "count": -42,
              "note": null,
              "flag": true,
              "inner": {"zeta": 1, "alpha": ["x", "y"]},
              "list": [
                {"zeta": 2, "alpha": []}
              ],
              "missing": null
            }
            """)
        var empty = sample
        empty.list = []
        #expect(try encoder.encode(empty).contains("\n  \"list\": [\n  ],\n"))
        let deep = OrderedJSONEncoder(layout: .lines(at: ["inner.alpha"]))
        #expect(try deep.encode(sample.inner) == #"{"zeta": 1, "alpha": ["x", "y"]}"#)
        #expect(try OrderedJSONEncoder(layout: .lines(at: ["alpha"])).encode(sample.inner) == "{\"zeta\": 1, \"alpha\": [\n  \"x\",\n  \"y\"\n]}")
    }

    @Test("a value that encodes nothing is an error")
    func encodesNothing() {
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(throws: EncodingError.self) { try OrderedJSONEncoder().encode(Nothing()) }
    }
}
