/// Writes newline-delimited JSON: one object per line, keys in the order given, values as JSON
/// strings or `null`. Deterministic: the same pairs always give the same bytes.
public final class NDJSONWriter {
    private let sink: any OutputSink
    private var line: [UInt8] = []
    public private(set) var rowsWritten = 0

    public init(sink: any OutputSink) {
        self.sink = sink
    }

    /// Writes one object from ordered `(name, value)` pairs; a `nil` value is `null`.
    public func write(_ fields: some Sequence<(String, String?)>) throws(OutputError) {
        line.removeAll(keepingCapacity: true)
        line.append(0x7B)  // {
        var first = true
        for (name, value) in fields {
            if !first { line.append(0x2C) }
            first = false
            appendJSONString(name, to: &line)
            line.append(0x3A)
            if let value { appendJSONString(value, to: &line) } else { line.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
        }
        line.append(0x7D)  // }
        line.append(0x0A)
        try sink.write(line)
        rowsWritten += 1
    }

    /// Writes one object from parallel arrays of names and values (as a ``RawRecord`` holds them).
    public func write(names: [String], values: [String?]) throws(OutputError) {
        precondition(names.count == values.count, "one value per name")
        try write(zip(names, values))
    }

    /// Pushes buffered output to the sink's destination.
    public func flush() throws(OutputError) {
        try sink.flush()
    }
}
