import TallyStore

/// Something `tally extract` can write: a report from the catalogue or an entity's feed.
package enum ExtractSource: Sendable {
    case report(ReportDefinition)
    case entity(EntityExtract)

    /// The name on the command line and of the file (`case_links`, `incident`).
    package var name: String {
        switch self {
        case .report(let report): report.name
        case .entity(let extract): extract.entity.name
        }
    }

    /// One line for `tally extract --list`.
    package var summary: String {
        switch self {
        case .report(let report): report.summary
        case .entity(let extract): "Entity feed: \(extract.entity.doc.isEmpty ? extract.entity.name : extract.entity.doc) Takes --feed for deltas."
        }
    }

    package var columns: [ReportColumn] {
        switch self {
        case .report(let report): report.columns
        case .entity(let extract): extract.columns.map { ReportColumn($0) }
        }
    }

    /// The columns as `format` writes them: Parquet types an entity feed's from the registry (see
    /// ``EntityExtract/typedColumns(in:)``); the text formats keep writing entity values as text
    /// (JSON strings), as they always have.
    package func columns(for format: ExtractFormat, in connection: Connection) throws -> [ReportColumn] {
        switch self {
        case .entity(let extract) where format == .parquet: try extract.typedColumns(in: connection)
        default: columns
        }
    }

    package var isEntityFeed: Bool {
        if case .entity = self { true } else { false }
    }
}

extension ReportDefinition {
    /// Calls `body` with each row's values as text, in the report's order.
    package func forEachRow(in connection: Connection, parameters: ReportParameters, _ body: ([String?]) throws -> Void) throws {
        if let rows {
            return try rows(connection, parameters) { values in
                precondition(values.count == columns.count, "\(name): a row of \(values.count) values, the definition names \(columns.count)")
                try body(values)
            }
        }
        let statement = try connection.prepare(sql)
        defer { statement.reset() }
        try statement.bind(self.parameters.map(parameters.value(of:)))
        let count = Int32(columns.count)
        precondition(statement.columnCount == count, "\(name): the query returns \(statement.columnCount) columns, the definition names \(count)")
        var values: [String?] = []
        values.reserveCapacity(columns.count)
        while try statement.step() {
            values.removeAll(keepingCapacity: true)
            for index in 0..<count {
                switch statement.value(index) {
                case .null: values.append(nil)
                case .integer(let number): values.append(String(number))
                case .real(let number): values.append(String(number))
                case .text(let text): values.append(text)
                case .blob(let bytes): values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            try body(values)
        }
    }
}
