import Foundation
import TallyFormats
import TallyStore

/// What to extract and how: the arguments of `tally extract`, checked.
package struct ExtractRequest: Sendable {
    package var names: [String]
    package var format: ExtractFormat
    package var parameters: ReportParameters
    package var formulaGuard: Bool
    package var maskFields: [String]
    /// The delta feed to pick up (one entity extract only).
    package var feed: String?
    /// With ``feed``: deliver everything and restart the cursor from there.
    package var full: Bool
    /// Extract the past instead of the present (entity tables as they stood then; see ``AsOfView``).
    package var asOf: AsOf?
    /// Entity extracts as their version history (``VersionHistory``), one row per version.
    package var history: Bool
    /// Entity extracts with the records the platform deleted, and their `deleted_at` (`--include-deleted`).
    package var includeDeleted: Bool

    package init(names: [String], format: ExtractFormat = .csv, parameters: ReportParameters = ReportParameters(),
                formulaGuard: Bool = true, maskFields: [String] = [], feed: String? = nil, full: Bool = false,
                asOf: AsOf? = nil, history: Bool = false, includeDeleted: Bool = false) {
        self.names = names
        self.format = format
        self.parameters = parameters
        self.formulaGuard = formulaGuard
        self.maskFields = maskFields
        self.feed = feed
        self.full = full
        self.asOf = asOf
        self.history = history
        self.includeDeleted = includeDeleted
    }
}

/// An extract that cannot be made as asked (unknown name, a mask on no column, …).
package typealias ExtractRequestError = RequestError

/// What an extract wrote.
package struct ExtractResult: Sendable {
    package var manifest: ExtractManifest
    /// Paths written, data files first, then `manifest.json` and `SHA256SUMS` (empty for stdout).
    package var paths: [String]
}

/// Writes extracts from the store: every data file atomically, then `manifest.json` and
/// `SHA256SUMS`, then (for a feed) the cursor.
///
/// All data files are read from one snapshot of the store (one read transaction) and renamed
/// into place only once every one of them is complete, so a failure leaves the folder as it was.
package final class Extractor {
    package static let manifestName = "manifest.json"
    package static let checksumsName = "SHA256SUMS"

    let database: TallyDatabase
    package let catalogue: ReportCatalogue

    /// `catalogue` nil: the catalogue of the store's registry, so every entity it holds is a feed.
    package init(database: TallyDatabase, catalogue: ReportCatalogue? = nil) {
        self.database = database
        self.catalogue = catalogue ?? (database.registry == .standard ? .standard : ReportCatalogue(registry: database.registry))
    }

    var connection: Connection { database.connection }

    /// The extracts `request` names, checked: known, each once; masks name a column; a feed is one entity.
    package func sources(for request: ExtractRequest) throws(ExtractRequestError) -> [ExtractSource] {
        try Self.sources(for: request, in: catalogue)
    }

    /// The extracts `request` names in `catalogue`, checked as ``sources(for:)`` does; needs no store.
    package static func sources(for request: ExtractRequest, in catalogue: ReportCatalogue) throws(ExtractRequestError) -> [ExtractSource] {
        var sources: [ExtractSource] = []
        for name in request.names {
            guard let source = catalogue.extract(named: name) else {
                let known = catalogue.allExtracts.map(\.name).joined(separator: ", ")
                throw ExtractRequestError(message: "unknown extract '\(name)'; known: \(known) (see 'tally extract --list')")
            }
            if sources.contains(where: { $0.name == source.name }) {
                throw ExtractRequestError(message: "'\(source.name)' is named twice")
            }
            if request.includeDeleted, case .entity(let extract) = source {
                sources.append(.entity(EntityExtract(extract.entity, includeDeleted: true)))
            } else {
                sources.append(source)
            }
        }
        guard !sources.isEmpty else { throw ExtractRequestError(message: "name at least one extract (see 'tally extract --list')") }
        if request.history {
            guard sources.allSatisfy(\.isEntityFeed) else {
                throw ExtractRequestError(message: "--history gives the versions of entity feeds (e.g. 'tally extract incident --history'), not of reports: \(sources.filter { !$0.isEntityFeed }.map(\.name).joined(separator: ", "))")
            }
            if request.asOf?.time != nil {
                throw ExtractRequestError(message: "--history lists every version; --as-of TIME picks one per record: give one of them (--as-of-run N goes with --history)")
            }
        }
        if request.includeDeleted {
            guard sources.allSatisfy(\.isEntityFeed) else {
                throw ExtractRequestError(message: "--include-deleted adds the deleted records to entity feeds (e.g. 'tally extract incident --include-deleted'); reports treat them as gone: \(sources.filter { !$0.isEntityFeed }.map(\.name).joined(separator: ", "))")
            }
            if request.feed != nil || request.history {
                throw ExtractRequestError(message: "--include-deleted goes with a plain entity extract: a delta feed delivers deleted records already (op d), and --history shows their deletion as a version")
            }
        }
        if request.asOf != nil && request.feed != nil && !request.history {
            throw ExtractRequestError(message: "a delta feed delivers what changed since its last pickup, not the past: drop --as-of/--as-of-run, or use --history --feed NAME")
        }
        if request.history && request.feed != nil && request.asOf != nil {
            throw ExtractRequestError(message: "a history feed delivers the versions made since its last pickup: it cannot go with --as-of-run")
        }
        let columns = Set(sources.flatMap { Self.columns(of: $0, history: request.history).map(\.name) })
        for field in request.maskFields where !columns.contains(field) {
            throw ExtractRequestError(message: "--mask names '\(field)', which is not a column of \(sources.map(\.name).joined(separator: ", "))")
        }
        if request.feed != nil {
            guard sources.count == 1, sources[0].isEntityFeed else {
                throw ExtractRequestError(message: "--feed picks up one entity feed (e.g. 'tally extract incident --feed NAME'), not \(sources.map(\.name).joined(separator: ", "))")
            }
        } else if request.full {
            throw ExtractRequestError(message: "--full restarts a delta feed: give --feed NAME")
        }
        return sources
    }

    /// The columns `source` is written with: with `history`, an entity's fields and the version columns.
    static func columns(of source: ExtractSource, history: Bool) -> [ReportColumn] {
        guard history, case .entity = source else { return source.columns }
        return source.columns + VersionHistory.extraColumns.map { ReportColumn($0.name, $0.type) }
    }

    /// The columns `source` is written with in the request's format (Parquet types an entity's,
    /// see ``ExtractSource/columns(for:in:)``), the version columns after them with `--history`.
    private func writtenColumns(of source: ExtractSource, request: ExtractRequest) throws -> [ReportColumn] {
        let columns = try source.columns(for: request.format, in: connection)
        guard case .entity = source else { return columns }
        if request.feed != nil && !request.history { return columns + [ReportColumn(EntityExtract.operationColumn)] }
        guard request.history else { return columns }
        return columns + VersionHistory.extraColumns.map { ReportColumn($0.name, $0.type) }
    }

    /// The name a history feed's cursor is kept under (a plain feed of the entity keeps its own).
    static func historyFeedEntity(_ entity: String) -> String { entity + " --history" }

    /// Runs `body` with the entity tables as they stood at `request.asOf` (as they are without it).
    private func inPast<T>(_ request: ExtractRequest, _ body: () throws -> T) throws -> T {
        guard let asOf = request.asOf else { return try body() }
        // History takes the run itself; checked here so a run the store lacks fails before a header is written.
        guard !request.history else {
            _ = try RunStanding(connection: connection, asOfRun: asOf.run)
            return try body()
        }
        let view = try AsOfView.install(asOf, entities: database.registry.entities, connection: connection)
        defer { view.remove() }
        return try body()
    }

    /// Writes the extracts into `folder` (created when missing). A file whose inputs did not change
    /// since the folder's last extract (same definition, arguments, settings and runs: see
    /// ``inputsDigest(of:request:watermark:)``) and that is still there byte for byte is not
    /// computed again: the manifest marks it `reused`. `observer` sees the rows of each report computed.
    package func write(_ request: ExtractRequest, toFolder folder: String, observer: (any ReportRowObserver)? = nil) throws -> ExtractResult {
        let sources = try sources(for: request)
        let policy = try cellPolicy(request)
        let since = try feedCursor(request)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } else if !isDirectory.boolValue {
            throw ExtractRequestError(message: "\(folder) is a file; --out needs a folder (or - for stdout)")
        }

        for name in sources.map({ $0.name + "." + request.format.fileExtension }) + [Self.manifestName, Self.checksumsName] {
            AtomicFile.removeStaleTemporaries(of: folder + "/" + name)
        }
        let previous = request.feed == nil ? Self.previousFiles(in: folder) : [:]
        var pending: [(file: AtomicFile?, entry: ExtractManifest.File)] = []
        var cursor: FeedCursor?
        let watermark: ExtractManifest.Watermark = try connection.inReadTransaction {
            let watermark = try self.watermark()
            let store = try StoreWatermark(connection)
            // Every file of the request reads the same past (the views are put in place once).
            try inPast(request) {
                for source in sources {
                    let name = source.name + "." + request.format.fileExtension
                    let inputs = inputsDigest(of: source, request: request, watermark: store)
                    if request.feed == nil, let reused = Self.reusable(previous[name], inputs: inputs, at: folder + "/" + name) {
                        pending.append((nil, reused))
                        continue
                    }
                    let file = try AtomicFile(path: folder + "/" + name)
                    let digest = DigestingSink(file.sink)
                    let writer = try TableWriter(columns: writtenColumns(of: source, request: request), format: request.format, sink: digest, policy: policy)
                    cursor = try write(source, request: request, since: since, to: writer, observer: observer)
                    try writer.finish()
                    pending.append((file, .init(report: source.name, file: name, format: request.format, rows: writer.rows,
                                                bytes: digest.byteCount, sha256: digest.hexDigest(), inputsSHA256: inputs)))
                }
            }
            return watermark
        }
        // Every file — data, manifest, checksums — is complete and synced before the first
        // rename, so the folder holds the old set or the new one except for the few
        // microseconds the renames take.
        for case (let file?, _) in pending { try file.prepare() }
        let manifest = makeManifest(request, watermark: watermark, files: pending.map(\.entry), since: since, cursor: cursor)
        let manifestBytes = Array((manifest.json + "\n").utf8)
        let manifestFile = try prepared(manifestBytes, at: folder + "/" + Self.manifestName)
        var sums = ""
        for entry in manifest.files { sums += "\(entry.sha256)  \(entry.file)\n" }
        sums += "\(SHA256.hex(SHA256.hash(manifestBytes)))  \(Self.manifestName)\n"
        let sumsFile = try prepared(Array(sums.utf8), at: folder + "/" + Self.checksumsName)
        for file in pending.compactMap(\.file) + [manifestFile, sumsFile] { try file.publish() }

        let paths = pending.map { folder + "/" + $0.entry.file } + [folder + "/" + Self.manifestName, folder + "/" + Self.checksumsName]
        if let cursor { try save(cursor, written: paths.joined(separator: ", ")) }
        return ExtractResult(manifest: manifest, paths: paths)
    }

    /// Writes the one extract `request` names to `sink` (standard output): no manifest.
    package func write(_ request: ExtractRequest, to sink: any OutputSink) throws -> ExtractResult {
        let sources = try sources(for: request)
        guard sources.count == 1 else { throw ExtractRequestError(message: "several extracts need a folder: give --out DIR") }
        let policy = try cellPolicy(request)
        let since = try feedCursor(request)
        let digest = DigestingSink(sink)
        var cursor: FeedCursor?
        let (watermark, entry): (ExtractManifest.Watermark, ExtractManifest.File) = try connection.inReadTransaction {
            let watermark = try self.watermark()
            let writer = try inPast(request) {
                let writer = try TableWriter(columns: writtenColumns(of: sources[0], request: request), format: request.format, sink: digest, policy: policy)
                cursor = try write(sources[0], request: request, since: since, to: writer)
                return writer
            }
            try writer.finish()
            return (watermark, .init(report: sources[0].name, file: sink.name, format: request.format, rows: writer.rows,
                                     bytes: digest.byteCount, sha256: digest.hexDigest()))
        }
        if let cursor { try save(cursor, written: "\(entry.rows) rows to \(sink.name)") }
        return ExtractResult(manifest: makeManifest(request, watermark: watermark, files: [entry], since: since, cursor: cursor), paths: [])
    }

    /// Moves a feed's cursor once its files are out; when that fails (another writer holds the
    /// store), says what was written and that the next pickup delivers the same records again.
    private func save(_ cursor: FeedCursor, written: String) throws {
        do {
            try cursor.save(to: connection)
        } catch {
            throw FeedCursorError(
                message: "wrote \(written), but feed '\(cursor.feed)'s cursor was not moved (\(ErrorText.describe(error))); "
                    + "the next pickup delivers these records again — run it once the store is free",
                isBusy: (error as? StoreError)?.isBusy ?? false)
        }
    }

    /// Writes one extract's rows; returns the feed's new cursor when this is a feed pickup.
    private func write(_ source: ExtractSource, request: ExtractRequest, since: FeedCursor?, to writer: TableWriter,
                       observer: (any ReportRowObserver)? = nil) throws -> FeedCursor? {
        switch source {
        case .report(let report):
            guard let observer, observer.wants(report, parameters: request.parameters) else {
                try report.forEachRow(in: connection, parameters: request.parameters) { try writer.write($0) }
                return nil
            }
            try report.forEachRow(in: connection, parameters: request.parameters) { row in
                observer.observe(report, row: row)
                try writer.write(row)
            }
            observer.finished(report)
            return nil
        case .entity(let extract) where request.history:
            let standing = try RunStanding(connection: connection, asOfRun: request.asOf?.run)
            let history = VersionHistory(entity: extract.entity, connection: connection, standing: standing)
            // A history feed delivers the versions opened or closed by runs after its last pickup.
            let after = request.feed == nil ? nil : since?.lastRun ?? 0
            try history.forEachRecord { _, versions in
                for version in versions {
                    if let after, version.run <= after && (version.closedByRun ?? 0) <= after { continue }
                    try writer.write(VersionHistory.row(version))
                }
            }
            guard let feed = request.feed else { return nil }
            var cursor = FeedCursor(feed: feed, entity: Self.historyFeedEntity(extract.entity.name))
            cursor.rows = writer.rows
            cursor.lastRun = try watermark().run ?? 0
            cursor.pickedUpAt = Timestamp.now()
            return cursor
        case .entity(let extract):
            guard let feed = request.feed else {
                try extract.write(from: connection, to: writer)
                return nil
            }
            var cursor = try extract.forEachDelta(in: connection, after: since, feed: feed) { try writer.write($0) }
            cursor.pickedUpAt = Timestamp.now()
            return cursor
        }
    }

    private func cellPolicy(_ request: ExtractRequest) throws -> CellPolicy {
        let mask = request.maskFields.isEmpty ? nil : try FieldMask.load(fields: Set(request.maskFields), from: connection)
        return CellPolicy(formulaGuard: request.formulaGuard, mask: mask)
    }

    /// The cursor a feed pickup starts after: nil for the first pickup or `--full`.
    private func feedCursor(_ request: ExtractRequest) throws -> FeedCursor? {
        guard let feed = request.feed else { return nil }
        var entity = catalogue.extract(named: request.names[0])?.name ?? request.names[0]
        if request.history { entity = Self.historyFeedEntity(entity) }
        guard let cursor = try FeedCursor.load(feed: feed, from: connection) else { return nil }
        guard cursor.entity == entity else {
            throw ExtractRequestError(message: "feed '\(feed)' delivers \(cursor.entity), not \(entity); pick another feed name")
        }
        return request.full ? nil : cursor
    }

    /// The last committed run and when it finished.
    func watermark() throws -> ExtractManifest.Watermark {
        let row = try connection.rows("SELECT id, finished_at FROM runs WHERE status = 'committed' ORDER BY id DESC LIMIT 1").first
        return .init(run: row?[0].integer, finishedAt: row?[1].text)
    }

    private func makeManifest(
        _ request: ExtractRequest, watermark: ExtractManifest.Watermark, files: [ExtractManifest.File],
        since: FeedCursor?, cursor: FeedCursor?
    ) -> ExtractManifest {
        ExtractManifest(
            generatedAt: Timestamp.now(), tallyVersion: TallyVersion.current, schemaVersion: database.schemaVersion,
            watermark: watermark, format: request.format, formulaGuard: request.formulaGuard,
            maskedFields: request.maskFields, staleDays: request.parameters.staleDays, files: files,
            feed: cursor.map { (since: since, cursor: $0, full: request.full) }, asOf: request.asOf, history: request.history)
    }

    /// A complete, synced temp file holding `bytes`, ready to be published at `path`.
    private func prepared(_ bytes: [UInt8], at path: String) throws -> AtomicFile {
        let file = try AtomicFile(path: path)
        try file.sink.write(bytes)
        try file.prepare()
        return file
    }
}

/// A feed's files were delivered but its cursor could not be moved.
package struct FeedCursorError: Error, Sendable, CustomStringConvertible {
    package var message: String
    /// The store was busy (another writer): worth retrying.
    package var isBusy: Bool
    package var description: String { message }
}
