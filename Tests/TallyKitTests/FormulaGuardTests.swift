import Testing
import TallyKit
import TallyFormats

@Suite("FormulaGuard")
struct FormulaGuardTests {
    @Test(arguments: [
        ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"), ("+", "'+"), ("-e5", "'-e5"), ("--5", "'--5"),
        ("-5", "-5"), ("+3.5", "+3.5"), ("-0.25", "-0.25"), ("-.5", "-.5"), ("-1e3", "-1e3"), ("+2E-7", "+2E-7"),
        ("42", "42"), ("", ""), ("plain", "plain"), ("a=b", "a=b"),
    ])
    func neutralises(_ cell: String, _ expected: String) {
        #expect(FormulaGuard.neutralised(cell) == expected)
    }

    /// The rejects CSV's guard: a leading `'` that hides a guarded start is guarded too, so removing
    /// the guard gives back every cell, including ones that began with `'`.
    @Test(arguments: [
        ("=1+1", "'=1+1"), ("-2+3", "'-2+3"), ("'=x", "''=x"), ("''@x", "'''@x"), ("'plain", "'plain"), ("'", "'"),
        ("''", "''"), ("'-5", "'-5"), ("-5", "-5"), ("\tx", "'\tx"), ("", ""),
    ])
    func guardsReversibly(_ cell: String, _ expected: String) {
        #expect(FormulaGuard.reversiblyNeutralised(cell) == expected)
        #expect(FormulaGuard.unguarded(expected) == cell)
    }

    @Test func everyShortCellRoundTrips() {
        let alphabet = ["'", "=", "+", "-", "@", "\t", "\r", "1", "a", "."]
        var cells = [""]
        for _ in 0..<4 { cells = cells.flatMap { cell in alphabet.map { cell + $0 } } + cells }
        for cell in Set(cells) {
            let guarded = FormulaGuard.reversiblyNeutralised(cell)
            #expect(FormulaGuard.unguarded(guarded) == cell, "\(cell.debugDescription) → \(guarded.debugDescription)")
            #expect(FormulaGuard.neutralised(guarded) == guarded, "\(guarded.debugDescription) would still run as a formula")
        }
    }
}

@Suite("TableWriter")
struct TableWriterTests {
    @Test func jsonWritesTypedValuesAndCSVGuardsCells() throws {
        let columns = [ReportColumn("name"), ReportColumn("count", .integer), ReportColumn("pct", .decimal), ReportColumn("ok", .boolean)]
        let json = MemoryOutputSink()
        let writer = try TableWriter(columns: columns, format: .json, sink: json)
        try writer.write(["=x", "3", "-12.5", "true"])
        try writer.write([nil, "n/a", nil, "maybe"])
        try writer.finish()
        #expect(json.string == """
            [
            {"name":"=x","count":3,"pct":-12.5,"ok":true},
            {"name":null,"count":"n/a","pct":null,"ok":"maybe"}
            ]

            """)
        let empty = MemoryOutputSink()
        try TableWriter(columns: columns, format: .json, sink: empty).finish()
        #expect(empty.string == "[]\n")

        let csv = MemoryOutputSink()
        let csvWriter = try TableWriter(columns: columns, format: .csv, sink: csv)
        try csvWriter.write(["=x", "-3", "-12.5", "true"])
        try csvWriter.finish()
        #expect(csv.string == "name,count,pct,ok\n'=x,-3,-12.5,true\n")
    }

    @Test func masksWithAStableSaltedHash() throws {
        let mask = FieldMask(fields: ["caller_id"], salt: "salt")
        let sink = MemoryOutputSink()
        let writer = try TableWriter(columns: ["number", "caller_id"], format: .ndjson, sink: sink, policy: CellPolicy(mask: mask))
        try writer.write(["INC1", "Alice"])
        try writer.write(["INC2", nil])
        try writer.finish()
        let hash = mask.masked("Alice")
        #expect(hash.count == 16 && hash != FieldMask(fields: [], salt: "other").masked("Alice"))
        #expect(sink.string == "{\"number\":\"INC1\",\"caller_id\":\"\(hash)\"}\n{\"number\":\"INC2\",\"caller_id\":null}\n")
    }
}

@Suite("ReportCatalogue")
struct ReportCatalogueTests {
    @Test func everyReportPreparesAgainstAFreshStore() throws {
        let database = try TallyDatabase.open(path: ":memory:")
        for report in ReportCatalogue.standard.reports {
            var rows = 0
            try report.forEachRow(in: database.connection, parameters: ReportParameters()) { _ in rows += 1 }
            // A report made in Swift (`rows`) orders its rows itself; a query must say its order.
            #expect(report.rows != nil || report.sql.contains("ORDER BY"), "\(report.name) needs a stable order")
            #expect(rows == 0 || report.name == "cmdb_health", "\(report.name)")
        }
    }
}
