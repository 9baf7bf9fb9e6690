import Testing
import TallyFormats

/// The CSV reader hands values over packed (one buffer a record): they must read exactly as the
/// strings they replace, whichever way they are read.
@Suite("RawRecord: packed values")
struct PackedRecordTests {
    static let text = "a,b,c,d\n\"x,\"\"y\"\"\",,héllo wörld ✓,\"line 1\nline 2\"\n" + "1,2,3,4\n"

    @Test("value(at:), withUTF8(at:), values and the subscript agree with the text", arguments: chunkSizes)
    func packedValuesReadAsStrings(chunkSize: Int) throws {
        let records = readCSV(Self.text, chunkSize: chunkSize).compactMap(\.record)
        let expected: [[String?]] = [["x,\"y\"", "", "héllo wörld ✓", "line 1\nline 2"], ["1", "2", "3", "4"]]
        #expect(records.map(\.values) == expected)
        for (record, want) in zip(records, expected) {
            for index in want.indices {
                #expect(record.value(at: index) == want[index])
                let bytes = record.withUTF8(at: index) { $0.map(Array.init) }
                #expect(bytes == want[index].map { Array($0.utf8) })
            }
        }
        #expect(records.first?["c"] == .some("héllo wörld ✓"))
        #expect(records.first?["zz"] == .none)
    }

    @Test("a packed record equals the same record built from strings, and setting values replaces them")
    func packedEqualsStrings() throws {
        var packed = try #require(readCSV(Self.text, chunkSize: 7).first?.record)
        let strings = RawRecord(names: packed.names, values: packed.values, provenance: packed.provenance)
        #expect(packed == strings)
        packed.values[1] = "changed"
        #expect(packed != strings)
        #expect(packed.value(at: 1) == "changed")
        #expect(packed.value(at: 0) == "x,\"y\"")
    }

    @Test("null values of a string record read as nil bytes")
    func nullBytes() {
        let record = RawRecord(names: ["a", "b"], values: [nil, ""], provenance: Provenance(file: "f", record: 1, line: 1))
        #expect(record.withUTF8(at: 0) { $0 == nil })
        #expect(record.withUTF8(at: 1) { $0?.count == 0 })
    }
}
