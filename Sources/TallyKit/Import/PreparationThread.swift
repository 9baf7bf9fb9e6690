import Foundation

/// Reads, maps and validates an input on a thread of its own, handing prepared rows over in
/// batches through a small bounded queue, so parsing uses one core while the store writes on the
/// other. Memory stays flat: at most ``capacity`` batches wait at any time.
final class PreparationThread: @unchecked Sendable {
    /// What the thread hands over.
    enum Delivery {
        /// Prepared rows, and how many bytes of the file had been read when they were.
        case rows([PreparedRow], bytesRead: Int64)
        /// The input cannot be read (or mapped) past this point.
        case failure(any Error)
        /// The input is done; the preparer's final state (unknown columns).
        case finished(RowPreparer)
    }

    static let batchSize = 256
    static let capacity = 8

    private let condition = NSCondition()
    private var queue: [Delivery] = []
    private var cancelled = false
    /// Batches the consumer is done with, handed back so that they are freed on this thread, which
    /// allocated them (freeing another thread's memory takes that thread's allocator lock, and the
    /// two threads then wait on each other).
    private var spent: [[PreparedRow]] = []

    /// Starts reading `reader` and preparing its records with `preparer`; rows `probe` recognises
    /// as unchanged are handed over unmapped. The thread owns `probe` from here on.
    init(input: OpenedInput, preparer: RowPreparer, probe: UnchangedRowProbe? = nil) {
        let box = ReaderBox(reader: input.reader, file: input.file, preparer: preparer, probe: probe)
        let thread = Thread { [self] in self.work(box) }
        thread.name = "tally-prepare"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next delivery (waits for it).
    func next() -> Delivery {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        let delivery = queue.removeFirst()
        condition.broadcast()
        return delivery
    }

    /// Hands a batch the consumer is done with back to the thread (see `spent`); leaves `rows` empty.
    func recycle(_ rows: inout [PreparedRow]) {
        condition.lock()
        spent.append(rows)
        rows = []
        condition.unlock()
    }

    /// Stops the thread early (the consumer failed); safe to call more than once.
    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func deliver(_ delivery: Delivery) -> Bool {
        condition.lock()
        while queue.count >= Self.capacity && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            return false
        }
        queue.append(delivery)
        var done: [[PreparedRow]] = []
        swap(&done, &spent)
        condition.broadcast()
        condition.unlock()
        done.removeAll()  // freed here, outside the lock
        return true
    }

    private func work(_ box: ReaderBox) {
        var batch: [PreparedRow] = []
        batch.reserveCapacity(Self.batchSize)
        do {
            while let event = try box.reader.next() {
                batch.append(try box.prepare(event))
                if batch.count == Self.batchSize {
                    guard deliver(.rows(batch, bytesRead: box.file.bytesRead)) else { return }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { guard deliver(.rows(batch, bytesRead: box.file.bytesRead)) else { return } }
            _ = deliver(.finished(box.preparer))
        } catch {
            if !batch.isEmpty { guard deliver(.rows(batch, bytesRead: box.file.bytesRead)) else { return } }
            _ = deliver(.failure(error))
        }
    }

    /// The reader, preparer and probe, owned by the preparation thread alone once it starts.
    private final class ReaderBox: @unchecked Sendable {
        let reader: any RecordReader
        let file: FileByteSource
        var preparer: RowPreparer
        let probe: UnchangedRowProbe?
        init(reader: any RecordReader, file: FileByteSource, preparer: RowPreparer, probe: UnchangedRowProbe?) {
            self.reader = reader
            self.file = file
            self.preparer = preparer
            self.probe = probe
        }

        /// An unchanged candidate when the probe recognises the row, else the row prepared.
        func prepare(_ event: ReadEvent) throws(RecordMapper.Invalid) -> PreparedRow {
            guard let probe, case .record(var raw) = event, let key = try preparer.firstKey(of: raw) else {
                return try preparer.prepare(event)
            }
            raw.provenance.file = preparer.displayPath
            let hash = preparer.inputHash(of: raw)
            if let id = probe.match(key: key, inputHash: hash) { return .unchanged(raw, id: id, inputHash: hash) }
            return try preparer.prepare(event, inputHash: hash)
        }
    }
}
