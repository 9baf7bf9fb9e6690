import TallyStore

/// The rows of one catalogue report, read through ``ReportDefinition/forEachRow(in:parameters:_:)``
/// exactly as `tally extract` reads them, so the page shows the extracts' own values.
struct ReportTable: Sendable {
    let columns: [String]
    private(set) var rows: [Row]
    /// Rows the report returned in all, including those not kept (see ``read(_:in:parameters:keep:)``).
    var total = 0

    struct Row: Sendable {
        let columns: [String]
        let values: [String?]

        /// The value of column `name` as the extract writes it (nil for SQL NULL).
        subscript(_ name: String) -> String? {
            guard let index = columns.firstIndex(of: name) else { preconditionFailure("no column \(name)") }
            return values[index]
        }

        /// Column `name` as a whole number (0 when empty or not a number).
        func integer(_ name: String) -> Int { self[name].flatMap { Int($0) } ?? 0 }

        /// Column `name` as a number (nil when empty).
        func double(_ name: String) -> Double? { self[name].flatMap { Double($0) } }
    }

    init(columns: [String], rows: [Row] = []) {
        self.columns = columns
        self.rows = rows
        total = rows.count
    }

    /// Counts `row`, keeping it while fewer than `limit` rows are kept.
    mutating func append(_ row: Row, keeping limit: Int) {
        total += 1
        if rows.count < limit { rows.append(row) }
    }

    /// Calls `body` with each row of `report`, in the report's order.
    static func forEachRow(
        _ report: ReportDefinition, in connection: Connection, parameters: ReportParameters, _ body: (Row) throws -> Void
    ) throws {
        let columns = report.columns.map(\.name)
        try report.forEachRow(in: connection, parameters: parameters) { try body(Row(columns: columns, values: $0)) }
    }

    /// Reads `report`, keeping its first `limit` rows (all by default) and counting every row.
    static func read(
        _ report: ReportDefinition, in connection: Connection, parameters: ReportParameters, limit: Int = .max
    ) throws -> ReportTable {
        var table = ReportTable(columns: report.columns.map(\.name))
        try forEachRow(report, in: connection, parameters: parameters) { table.append($0, keeping: limit) }
        return table
    }
}
