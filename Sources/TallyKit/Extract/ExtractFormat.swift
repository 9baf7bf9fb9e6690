import TallyFormats
import TallyStore

/// The file formats extracts are written in.
package enum ExtractFormat: String, Sendable, CaseIterable, Codable {
    case csv
    case ndjson
    /// One JSON array of objects, one object per line.
    case json
    /// Apache Parquet, columns typed (see ``ParquetTable``).
    case parquet

    package var fileExtension: String { rawValue }
}

/// How cells are written, beyond the format.
package struct CellPolicy: Sendable {
    /// Prefix CSV cells that would run as spreadsheet formulas (see ``FormulaGuard``).
    package var formulaGuard: Bool
    /// Fields replaced by a salted hash, in every format.
    package var mask: FieldMask?

    package init(formulaGuard: Bool = true, mask: FieldMask? = nil) {
        self.formulaGuard = formulaGuard
        self.mask = mask
    }
}

/// Writes rows of named text values as CSV (header first), NDJSON, a JSON array or Parquet, to any sink.
///
/// JSON and NDJSON write `integer` and `decimal` columns as JSON numbers and `boolean` columns as
/// `true`/`false` (any value that is not one is written as a string); everything else is a string,
/// null is `null`. The formula guard applies to CSV only; masking to every format.
package final class TableWriter {
    private let csv: CSVWriter?
    private let parquet: ParquetTable?
    private let sink: any OutputSink
    private let format: ExtractFormat
    private let columns: [ReportColumn]
    private let masked: [Bool]
    private let policy: CellPolicy
    private var line: [UInt8] = []
    private var cells: [String?] = []
    package private(set) var rows = 0

    package init(columns: [ReportColumn], format: ExtractFormat, sink: any OutputSink, policy: CellPolicy = CellPolicy()) throws(OutputError) {
        self.columns = columns
        self.format = format
        self.sink = sink
        self.policy = policy
        masked = columns.map { policy.mask?.covers($0.name) ?? false }
        parquet = format == .parquet ? try ParquetTable(columns: columns, masked: masked, sink: sink) : nil
        switch format {
        case .csv:
            csv = CSVWriter(sink: sink)
            try csv!.writeRow(columns.map { Optional($0.name) })
        case .ndjson, .parquet:
            csv = nil
        case .json:
            csv = nil
            try sink.write(Array("[".utf8))
        }
    }

    /// Convenience for untyped columns (entity feeds): every column is text.
    package convenience init(columns: [String], format: ExtractFormat, sink: any OutputSink, policy: CellPolicy = CellPolicy()) throws(OutputError) {
        try self.init(columns: columns.map { ReportColumn($0) }, format: format, sink: sink, policy: policy)
    }

    /// Writes one row; `values` align with the columns, nil is null (an empty CSV cell).
    package func write(_ values: [String?]) throws(OutputError) {
        precondition(values.count == columns.count, "one value per column")
        cells.removeAll(keepingCapacity: true)
        for (index, value) in values.enumerated() {
            if masked[index], let value, let mask = policy.mask { cells.append(mask.masked(value)) } else { cells.append(value) }
        }
        switch format {
        case .csv:
            // Cell by cell from each String's bytes, as the stored-bytes path below: no guarded
            // copy of a cell, no generic row (metadata looked up per row was a tenth of --history).
            let csv = csv!
            csv.beginRow()
            for cell in cells {
                guard var text = cell else { csv.appendCell(nil); continue }
                text.withUTF8 { appendGuarded($0, to: csv) }
            }
            try csv.endRow()
        case .ndjson:
            line.removeAll(keepingCapacity: true)
            appendObject()
            line.append(0x0A)
            try sink.write(line)
        case .json:
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: rows == 0 ? [0x0A] : [0x2C, 0x0A])
            appendObject()
            try sink.write(line)
        case .parquet:
            try parquet!.write(cells)
        }
        rows += 1
    }

    /// Whether ``write(_:from:fields:)`` may copy cells from the store as bytes: CSV with no mask.
    var writesStoredBytes: Bool { csv != nil && !masked.contains(true) }

    /// Writes the current row of `statement`, whose first columns hold `fields`, as
    /// ``write(_:)`` writes their canonical text (see ``EntityExtract``) — a text column's bytes
    /// copied as SQLite holds them, no `String` made. Needs ``writesStoredBytes``.
    func write(_ statement: Statement, fields: [FieldDefinition]) throws(OutputError) {
        let csv = csv!
        csv.beginRow()
        for (offset, field) in fields.enumerated() {
            let index = Int32(offset)
            switch statement.storageClass(index) {
            case .null:
                csv.appendCell(nil)
            case .text:
                statement.withTextBytes(index) { appendGuarded($0, to: csv) }
            case .integer, .real, .blob:
                var text = FieldValue(stored: statement.value(index), type: field.type).canonicalText ?? ""
                text.withUTF8 { appendGuarded($0, to: csv) }
            }
        }
        try csv.endRow()
        rows += 1
    }

    /// Appends a CSV cell, with the formula guard's `'` where the policy asks for it.
    private func appendGuarded(_ bytes: UnsafeBufferPointer<UInt8>, to csv: CSVWriter) {
        csv.appendCell(bytes, prefix: policy.formulaGuard && FormulaGuard.needsGuard(bytes) ? UInt8(ascii: "'") : nil)
    }

    /// Ends the output (closes a JSON array) and flushes it to the sink's destination.
    package func finish() throws(OutputError) {
        if format == .json { try sink.write(Array((rows == 0 ? "]\n" : "\n]\n").utf8)) }
        try parquet?.finish()
        try sink.flush()
    }

    /// The same as ``finish()``, for callers written before JSON arrays: call it once, at the end.
    package func flush() throws(OutputError) { try finish() }

    private func appendObject() {
        line.append(0x7B)
        for (index, column) in columns.enumerated() {
            if index > 0 { line.append(0x2C) }
            appendJSONString(column.name, to: &line)
            line.append(0x3A)
            guard let value = cells[index] else {
                line.append(contentsOf: Array("null".utf8))
                continue
            }
            let type: ReportColumnType = masked[index] ? .text : column.type
            switch type {
            case .integer where Self.isJSONNumber(value), .decimal where Self.isJSONNumber(value):
                line.append(contentsOf: Array(value.utf8))
            case .boolean where value == "true" || value == "false":
                line.append(contentsOf: Array(value.utf8))
            default:
                appendJSONString(value, to: &line)
            }
        }
        line.append(0x7D)
    }

    /// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isJSONNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { return false }
        if bytes[index] == 0x30 { index += 1 } else { while isDigit(index) { index += 1 } }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return false }
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { return false }
            while isDigit(index) { index += 1 }
        }
        return index == bytes.count
    }
}
