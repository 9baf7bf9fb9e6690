/// libFuzzer entry: the date-time parser. The input is `FORMAT\nZONE\nVALUE…` (one value per
/// line); a format or zone that is not valid must be refused, never crash; every value must
/// parse or fail with a reason.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard !lines.isEmpty else { return 0 }
    let format = lines.removeFirst()
    let zone = lines.isEmpty ? "UTC" : lines.removeFirst()
    _ = try? DateTimePattern(format)
    let parsers = [try? DateTimeParser(formats: [format], timeZone: zone),
                   try? DateTimeParser(formats: [format], timeZone: "UTC"),
                   try? DateTimeParser(formats: DateTimeParser.defaultFormats, timeZone: zone),
                   try? DateTimeParser()]
    for parser in parsers.compactMap({ $0 }) {
        for value in lines.prefix(32) + [format, zone] {
            switch parser.parse(value) {
            case .success(let canonical): precondition(!canonical.isEmpty)
            case .failure: break
            }
        }
    }
    return 0
}
