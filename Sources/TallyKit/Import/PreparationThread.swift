import Foundation
import TallyFormats

/// Reads, maps and validates an input off the store's thread, in two stages of their own: one
/// thread reads and parses the file into records, another hashes them, asks the probe, and maps
/// and validates what it does not recognise. Each hands batches to the next through a small
/// bounded queue (``HandOff``), so the stages and the store use both cores whichever is the
/// longest, and memory stays flat: at most ``capacity`` batches wait between two stages.
final class PreparationThread: @unchecked Sendable {
    /// What the preparation hands over.
    enum Delivery {
        /// Prepared rows, and how many bytes of the file had been read when they were.
        case rows([PreparedRow], bytesRead: Int64)
        /// The input cannot be read (or mapped) past this point.
        case failure(any Error)
        /// The input is done; the preparer's final state (unknown columns).
        case finished(RowPreparer)
    }

    /// What the reading stage hands to the preparing stage.
    private enum Reading {
        case events([ReadEvent], bytesRead: Int64)
        case failure(any Error)
        case end
    }

    static let batchSize = 256
    static let capacity = 8

    private let read = HandOff<Reading>(capacity: capacity)
    private let prepared = HandOff<Delivery>(capacity: capacity)
    /// Batches the consumer is done with, freed by the preparing stage, which allocated most of
    /// what they hold (freeing another thread's memory takes that thread's allocator lock, and
    /// the two threads then wait on each other).
    private let spent = NSLock()
    private var spentBatches: [[PreparedRow]] = []

    /// Starts reading `input` and preparing its records with `preparer`; rows `probe` recognises
    /// as unchanged are handed over unmapped, and with `packsInserts` a row likely to be new is
    /// packed for its insert (``ReconcileStrategy/fast``). The threads own `input`, `preparer` and `probe`.
    /// Throws when a thread cannot start (a stage already started then stops at once).
    init(input: OpenedInput, preparer: RowPreparer, probe: UnchangedRowProbe? = nil, packsInserts: Bool = true) throws(WorkerThread.StartFailure) {
        let reader = ReaderBox(reader: input.reader, file: input.file)
        let box = PreparerBox(preparer: preparer, probe: probe, packsInserts: packsInserts)
        do throws(WorkerThread.StartFailure) {
            try WorkerThread.start(name: "tally-read") { [self] in self.readAll(reader) }
            try WorkerThread.start(name: "tally-prepare") { [self] in self.prepareAll(box) }
        } catch {
            cancel()
            throw error
        }
    }

    /// The next delivery (waits for it).
    func next() -> Delivery {
        prepared.take() ?? .failure(CancellationError())
    }

    /// Hands a batch the consumer is done with back (see `spentBatches`); leaves `rows` empty.
    func recycle(_ rows: inout [PreparedRow]) {
        spent.lock()
        spentBatches.append(rows)
        rows = []
        spent.unlock()
    }

    /// Stops both stages early (the consumer failed); safe to call more than once.
    func cancel() {
        read.close()
        prepared.close()
    }

    // MARK: - The stages

    private func readAll(_ box: ReaderBox) {
        var batch: [ReadEvent] = []
        batch.reserveCapacity(Self.batchSize)
        do {
            while let event = try box.reader.next() {
                batch.append(event)
                if batch.count == Self.batchSize {
                    guard read.put(.events(batch, bytesRead: box.file.bytesRead)) else { return }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { guard read.put(.events(batch, bytesRead: box.file.bytesRead)) else { return } }
            _ = read.put(.end)
        } catch {
            if !batch.isEmpty { guard read.put(.events(batch, bytesRead: box.file.bytesRead)) else { return } }
            _ = read.put(.failure(error))
        }
    }

    private func prepareAll(_ box: PreparerBox) {
        while let reading = read.take() {
            switch reading {
            case .events(let events, let bytesRead):
                var rows: [PreparedRow] = []
                rows.reserveCapacity(events.count)
                do {
                    let prepare = { for event in events { rows.append(try box.prepare(event)) } }
                    if let probe = box.probe { try probe.batch(prepare) } else { try prepare() }
                } catch {
                    read.close()  // the reading stage stops too
                    if !rows.isEmpty { guard prepared.put(.rows(rows, bytesRead: bytesRead)) else { return } }
                    _ = prepared.put(.failure(error))
                    return
                }
                guard prepared.put(.rows(rows, bytesRead: bytesRead)) else { return }
                freeSpent()
            case .failure(let error):
                _ = prepared.put(.failure(error))
                return
            case .end:
                _ = prepared.put(.finished(box.preparer))
                return
            }
        }
    }

    private func freeSpent() {
        spent.lock()
        var done: [[PreparedRow]] = []
        swap(&done, &spentBatches)
        spent.unlock()
        done.removeAll()  // freed here, outside the lock
    }

    /// The reader, owned by the reading stage alone once it starts.
    private final class ReaderBox: @unchecked Sendable {
        let reader: any RecordReader
        let file: FileByteSource
        init(reader: any RecordReader, file: FileByteSource) {
            self.reader = reader
            self.file = file
        }
    }

    /// The preparer and probe, owned by the preparing stage alone once it starts.
    private final class PreparerBox: @unchecked Sendable {
        var preparer: RowPreparer
        let probe: UnchangedRowProbe?
        let packsInserts: Bool
        init(preparer: RowPreparer, probe: UnchangedRowProbe?, packsInserts: Bool) {
            self.preparer = preparer
            self.probe = probe
            self.packsInserts = packsInserts
        }

        /// The last header seen, and whether it is a reject export's (it has `_reject_run`).
        private var header: (names: [String], isRejectExport: Bool)?

        /// A row of `tally rejects --format csv` as it was before the export guarded its formula-looking cells.
        private func unguarded(_ event: ReadEvent) -> ReadEvent {
            guard case .record(let raw) = event else { return event }
            if header?.names != raw.names { header = (raw.names, raw.names.contains("_reject_run")) }
            guard header?.isRejectExport == true else { return event }
            let values = raw.values.map { $0.map(FormulaGuard.unguarded) }
            return .record(RawRecord(names: raw.names.map(FormulaGuard.unguarded), values: values, provenance: raw.provenance))
        }

        /// An unchanged candidate when the probe recognises the row, else the row prepared.
        func prepare(_ event: ReadEvent) throws(RecordMapper.Invalid) -> PreparedRow {
            let event = unguarded(event)
            // Without a probe: the plain strategy, or a table empty as the run began (every row likely new).
            guard let probe else { return try preparer.prepare(event, likelyNew: packsInserts) }
            guard case .record(var raw) = event, let key = try preparer.firstKey(of: raw) else {
                return try preparer.prepare(event)
            }
            raw.provenance.file = preparer.displayPath
            let hash = preparer.inputHash(of: raw)
            switch probe.match(key: key, inputHash: hash) {
            case .unchanged(let id)?:
                return .unchanged(raw, id: id, inputHash: hash)
            case .changed(let id)?:
                // Read the stored record here, on this thread, for the store thread to compare with.
                let prepared = try preparer.prepare(event, inputHash: hash)
                guard case .record(let raw, let mapped, let findings, _) = prepared, !findings.rejects else { return prepared }
                return .record(raw, mapped, findings, stored: probe.storedRecord(id))
            case nil:
                return try preparer.prepare(event, inputHash: hash, likelyNew: true)
            }
        }
    }
}
