/// libFuzzer entry: the XML unload reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let reader = XMLUnloadReader(source: input.source(name: "fuzz.xml"), bufferedRecords: Int(input.control & 0x0F) + 1)
    drain(reader)
    return 0
}
