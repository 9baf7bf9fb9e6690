import Testing
import TestSupport
import TallyFormats

/// Whatever ``CSVWriter`` writes, ``CSVReader`` reads back identical.
@Suite("CSV round trip (property)")
struct CSVRoundTripPropertyTests {
    static let pieces = [
        "a", "INC0010001", " ", "  lead", "trail  ", "\"", "\"\"", ",", ";", "\t", "|", "\r", "\n", "\r\n",
        "é", "e\u{301}", "👩‍👩‍👧", "🚀", "東京", "Ω", "0042", "",
    ]

    static func randomField(_ rng: inout SeededGenerator) -> String {
        let count = Int.random(in: 0...6, using: &rng)
        return (0..<count).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    @Test("random records survive write then read", arguments: [
        (CSVOptions.Delimiter.comma, CSVWriter.LineEnding.lf), (.comma, .crlf), (.semicolon, .lf), (.tab, .crlf), (.pipe, .lf),
    ])
    func roundTrip(delimiter: CSVOptions.Delimiter, lineEnding: CSVWriter.LineEnding) throws {
        var rng = SeededGenerator(seed: 0x7A11 ^ UInt64(delimiter.byte))
        for iteration in 0..<80 {
            let columns = Int.random(in: 1...6, using: &rng)
            let header = (0..<columns).map { "col\($0)" }
            let rows = (0..<Int.random(in: 0...12, using: &rng)).map { _ in
                (0..<columns).map { _ in Self.randomField(&rng) }
            }
            let sink = MemoryOutputSink()
            let writer = CSVWriter(sink: sink, options: CSVWriter.Options(delimiter: delimiter, lineEnding: lineEnding))
            try writer.writeRow(header)
            for row in rows { try writer.writeRow(row) }
            try writer.flush()

            let chunkSize = [1, 2, 3, 5, 17, 4096][iteration % 6]
            let events = readCSV(sink.bytes, chunkSize: chunkSize, options: CSVOptions(delimiter: delimiter), bufferSize: 32)
            #expect(positions(events).isEmpty, "iteration \(iteration)")
            #expect(values(events) == rows.map { $0.map(Optional.some) }, "iteration \(iteration), chunk \(chunkSize)")
            #expect(events.compactMap { $0.record?.names }.allSatisfy { $0 == header })
        }
    }
}
