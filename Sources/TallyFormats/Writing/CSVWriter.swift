/// Writes RFC 4180 CSV.
///
/// A field is quoted when it holds the delimiter, a quote, CR or LF, or starts or ends with a
/// space or tab (which some readers trim); quotes inside are doubled. `nil` and `""` both write an
/// empty cell, except that a row of one empty field is written `""` so it does not read back as
/// a blank line. Lines end with `\n` unless ``Options/lineEnding`` says CRLF. Rows are assembled
/// in a reused buffer and handed to the sink (which buffers its writes).
public final class CSVWriter {
    public enum LineEnding: Sendable {
        case lf
        case crlf
    }

    public struct Options: Sendable {
        public var delimiter: CSVOptions.Delimiter
        public var lineEnding: LineEnding

        public init(delimiter: CSVOptions.Delimiter = .comma, lineEnding: LineEnding = .lf) {
            self.delimiter = delimiter
            self.lineEnding = lineEnding
        }
    }

    public let options: Options
    private let sink: any OutputSink
    private var line: [UInt8] = []
    private var cellsInRow = 0
    public private(set) var rowsWritten = 0

    public init(sink: any OutputSink, options: Options = Options()) {
        self.sink = sink
        self.options = options
    }

    /// Writes one row.
    public func writeRow(_ fields: some Sequence<String?>) throws(OutputError) {
        line.removeAll(keepingCapacity: true)
        let delimiter = options.delimiter.byte
        var count = 0
        for field in fields {
            if count > 0 { line.append(delimiter) }
            count += 1
            if let field { appendField(field, delimiter: delimiter) }
        }
        if count == 1 && line.isEmpty { line.append(contentsOf: [0x22, 0x22]) }
        if options.lineEnding == .crlf { line.append(0x0D) }
        line.append(0x0A)
        try sink.write(line)
        rowsWritten += 1
    }

    /// Starts a row assembled cell by cell (``appendCell(_:prefix:)``, then ``endRow()``): for a
    /// writer that holds each cell's bytes (a database column) and need not make a `String` of it.
    public func beginRow() {
        line.removeAll(keepingCapacity: true)
        cellsInRow = 0
    }

    /// Appends a cell to the row ``beginRow()`` started, written exactly as ``writeRow(_:)`` writes
    /// `prefix` (a formula guard's `'`, say) followed by `bytes`; nil is an empty cell. Bytes that are
    /// not valid UTF-8 are written as `String(decoding:as:)` repairs them, as a `String` cell would be.
    public func appendCell(_ bytes: UnsafeBufferPointer<UInt8>?, prefix: UInt8? = nil) {
        if cellsInRow > 0 { line.append(options.delimiter.byte) }
        cellsInRow += 1
        guard let bytes else { return }
        if !UTF8Validation.isASCII(bytes), UTF8Validation.firstInvalidOffset(in: bytes) != nil {
            var repaired = String(decoding: bytes, as: UTF8.self)
            repaired.withUTF8 { appendField($0, prefix: prefix, delimiter: options.delimiter.byte) }
            return
        }
        appendField(bytes, prefix: prefix, delimiter: options.delimiter.byte)
    }

    /// Ends the row ``beginRow()`` started and hands it to the sink.
    public func endRow() throws(OutputError) {
        if cellsInRow == 1 && line.isEmpty { line.append(contentsOf: [0x22, 0x22]) }
        if options.lineEnding == .crlf { line.append(0x0D) }
        line.append(0x0A)
        try sink.write(line)
        rowsWritten += 1
    }

    /// Writes one row of non-optional strings (a header, say).
    public func writeRow(_ fields: [String]) throws(OutputError) {
        try writeRow(fields.lazy.map { Optional($0) })
    }

    /// Pushes buffered output to the sink's destination.
    public func flush() throws(OutputError) {
        try sink.flush()
    }

    private func appendField(_ field: String, delimiter: UInt8) {
        var field = field
        field.withUTF8 { appendField($0, prefix: nil, delimiter: delimiter) }
    }

    /// `prefix` (never a quote, delimiter or line break) is part of the cell: it decides, as its first
    /// byte, whether the cell needs quotes.
    private func appendField(_ bytes: UnsafeBufferPointer<UInt8>, prefix: UInt8?, delimiter: UInt8) {
        guard let first = prefix ?? bytes.first, let last = bytes.last ?? prefix else { return }
        var needsQuotes = first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
        if !needsQuotes {
            for byte in bytes where byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D {
                needsQuotes = true
                break
            }
        }
        guard needsQuotes else {
            if let prefix { line.append(prefix) }
            line.append(contentsOf: bytes)
            return
        }
        line.append(0x22)
        if let prefix { line.append(prefix) }
        var runStart = 0
        for (index, byte) in bytes.enumerated() where byte == 0x22 {
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...index]))
            line.append(0x22)
            runStart = index + 1
        }
        line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        line.append(0x22)
    }
}
