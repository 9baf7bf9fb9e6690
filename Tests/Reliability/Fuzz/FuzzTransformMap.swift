import Foundation
import TallyFormats

/// libFuzzer entry: transform-map decoding (JSON → TransformMap, as `--map FILE` reads it), then
/// building the date parsers and converters the map asks for and mapping one record through it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransformMap(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let map = try? JSONDecoder().decode(TransformMap.self, from: bytes) else { return 0 }
    _ = try? JSONEncoder().encode(map)
    fuzzMapUse(map)
    return 0
}

/// Uses a decoded map as an import would: a mapper over a header made of the map's own column
/// names, then one record whose values are those names too.
func fuzzMapUse(_ map: TransformMap) {
    let header = Array(Set(map.columns.keys)).sorted().prefix(64) + ["sys_id", "number"]
    guard let mapper = try? RecordMapper(map: map, registry: .standard, header: Array(header)) else { return }
    let record = RawRecord(names: Array(header), values: header.map { Optional($0) },
                           provenance: Provenance(file: "fuzz", record: 1, line: 2))
    _ = mapper.map(record)
}
