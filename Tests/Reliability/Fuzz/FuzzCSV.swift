/// libFuzzer entry: the CSV reader, with delimiter, header, quoting, field limit and chunking
/// picked by the first byte.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let delimiters = CSVOptions.Delimiter.allCases
    let options = CSVOptions(
        delimiter: delimiters[Int(input.control & 0x3)],
        maxFieldBytes: input.control & 0x04 != 0 ? 8 : 16 << 20,
        hasHeader: input.control & 0x08 == 0,
        lenientQuotes: input.control & 0x40 != 0)
    _ = CSVOptions.sniffDelimiter(prefix: input.data.prefix(4096))
    _ = FormatDetector.detect(sample: Array(input.data.prefix(4096)), isComplete: true)
    let reader = CSVReader(source: input.source(name: "fuzz.csv"), options: options, bufferSize: input.chunkSize.map { $0 * 3 } ?? 256 << 10)
    drain(reader)
    return 0
}
