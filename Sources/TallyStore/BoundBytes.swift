/// The bytes of the text and blob values a statement has bound (`SQLITE_STATIC`: SQLite reads them
/// where they are instead of allocating, copying and freeing each one). Kept until the next
/// ``reset()``, so every row a statement steps through can still read them.
///
/// Blocks of at least ``blockSize`` bytes, reused from one execution to the next: once the largest
/// execution has been seen, binding allocates nothing. A block is never moved or freed while what
/// it holds may still be bound.
struct BoundBytes {
    static let blockSize = 64 * 1024
    private var blocks: [UnsafeMutableRawBufferPointer] = []
    /// The block being filled, and the first free byte in it.
    private var block = 0
    private var offset = 0

    /// Forgets what was kept (the statement has been reset: nothing points here any more).
    mutating func reset() {
        block = 0
        offset = 0
    }

    /// Copies `bytes` and says where the copy starts. An empty value gets a non-null pointer
    /// too: SQLite reads a null one as NULL.
    mutating func keep(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let count = bytes.count
        if blocks.isEmpty || offset + count > blocks[block].count {
            if !blocks.isEmpty { block += 1 }
            offset = 0
            if block == blocks.count {
                blocks.append(.allocate(byteCount: max(count, Self.blockSize), alignment: 8))
            } else if blocks[block].count < count {  // blocks past the current one hold nothing bound
                blocks[block].deallocate()
                blocks[block] = .allocate(byteCount: count, alignment: 8)
            }
        }
        let start = blocks[block].baseAddress! + offset
        if let source = bytes.baseAddress, count > 0 { start.copyMemory(from: source, byteCount: count) }
        offset += count
        return start
    }

    func deallocate() {
        for block in blocks { block.deallocate() }
    }
}
