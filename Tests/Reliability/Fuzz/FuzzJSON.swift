/// libFuzzer entry: the JSON / NDJSON record reader, with small depth and string limits for
/// some inputs so the limits themselves are exercised.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let small = input.control & 0x01 != 0
    let reader = JSONRecordReader(source: input.source(name: "fuzz.json"), maxDepth: small ? 4 : 512, maxStringBytes: small ? 16 : 16 << 20)
    drain(reader)
    return 0
}
