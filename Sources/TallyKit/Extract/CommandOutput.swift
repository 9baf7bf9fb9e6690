import TallyFormats

/// Where a command writes a listing or an extract: standard output, or a file that appears whole
/// on ``commit()``. The CLI holds one without seeing TallyFormats' sinks and writers.
package final class CommandOutput {
    package let sink: any OutputSink
    private let file: AtomicFile?
    private lazy var csv = CSVWriter(sink: sink)

    /// Standard output.
    package init() {
        sink = FileOutputSink(descriptor: 1, name: "stdout")
        file = nil
    }

    /// The file at `path`, written under a temporary name until ``commit()``.
    package init(path: String) throws(OutputError) {
        let file = try AtomicFile(path: path)
        self.file = file
        sink = file.sink
    }

    package func write(_ text: String) throws(OutputError) {
        try sink.write(Array(text.utf8))
    }

    /// One CSV row, quoted where a cell needs it.
    package func writeCSVRow(_ cells: [String?]) throws(OutputError) {
        try csv.writeRow(cells)
    }

    /// Rows of `columns` in `format`, written here.
    package func table(columns: [ReportColumn], format: ExtractFormat) throws(OutputError) -> TableWriter {
        try TableWriter(columns: columns, format: format, sink: sink)
    }

    package func flush() throws(OutputError) {
        try csv.flush()
        try sink.flush()
    }

    /// Flushes, and puts the file in place (nothing more for standard output).
    package func commit() throws(OutputError) {
        try flush()
        try file?.commit()
    }
}
