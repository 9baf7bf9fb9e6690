/// The file formats extracts are written in.
public enum ExtractFormat: String, Sendable, CaseIterable, Codable {
    case csv
    case ndjson

    public var fileExtension: String { rawValue }
}

/// Writes rows of named text values as CSV (header first) or NDJSON, to any sink.
public final class TableWriter {
    private let csv: CSVWriter?
    private let ndjson: NDJSONWriter?
    private let columns: [String]

    public init(columns: [String], format: ExtractFormat, sink: any OutputSink) throws(OutputError) {
        self.columns = columns
        switch format {
        case .csv:
            csv = CSVWriter(sink: sink)
            ndjson = nil
            try csv!.writeRow(columns.map(Optional.some))
        case .ndjson:
            csv = nil
            ndjson = NDJSONWriter(sink: sink)
        }
    }

    /// Writes one row; `values` align with the columns, nil is null (an empty CSV cell).
    public func write(_ values: [String?]) throws(OutputError) {
        if let csv { try csv.writeRow(values) } else { try ndjson!.write(names: columns, values: values) }
    }

    public func flush() throws(OutputError) {
        if let csv { try csv.flush() } else { try ndjson!.flush() }
    }
}
