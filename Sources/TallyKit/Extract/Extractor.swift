import Foundation

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

    package init(names: [String], format: ExtractFormat = .csv, parameters: ReportParameters = ReportParameters(),
                formulaGuard: Bool = true, maskFields: [String] = [], feed: String? = nil, full: Bool = false) {
        self.names = names
        self.format = format
        self.parameters = parameters
        self.formulaGuard = formulaGuard
        self.maskFields = maskFields
        self.feed = feed
        self.full = full
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
            sources.append(source)
        }
        guard !sources.isEmpty else { throw ExtractRequestError(message: "name at least one extract (see 'tally extract --list')") }
        let columns = Set(sources.flatMap { $0.columns.map(\.name) })
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

    /// Writes the extracts into `folder` (created when missing).
    package func write(_ request: ExtractRequest, toFolder folder: String) throws -> ExtractResult {
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
        var pending: [(file: AtomicFile, entry: ExtractManifest.File)] = []
        var cursor: FeedCursor?
        let watermark: ExtractManifest.Watermark = try connection.inReadTransaction {
            let watermark = try self.watermark()
            for source in sources {
                let name = source.name + "." + request.format.fileExtension
                let file = try AtomicFile(path: folder + "/" + name)
                let digest = DigestingSink(file.sink)
                let writer = try TableWriter(columns: source.columns(for: request.format, in: connection), format: request.format, sink: digest, policy: policy)
                cursor = try write(source, request: request, since: since, to: writer)
                try writer.finish()
                pending.append((file, .init(report: source.name, file: name, format: request.format, rows: writer.rows,
                                            bytes: digest.byteCount, sha256: digest.hexDigest())))
            }
            return watermark
        }
        // Every file — data, manifest, checksums — is complete and synced before the first
        // rename, so the folder holds the old set or the new one except for the few
        // microseconds the renames take.
        for (file, _) in pending { try file.prepare() }
        let manifest = makeManifest(request, watermark: watermark, files: pending.map(\.entry), since: since, cursor: cursor)
        let manifestBytes = Array((manifest.json + "\n").utf8)
        let manifestFile = try prepared(manifestBytes, at: folder + "/" + Self.manifestName)
        var sums = ""
        for entry in manifest.files { sums += "\(entry.sha256)  \(entry.file)\n" }
        sums += "\(SHA256.hex(SHA256.hash(manifestBytes)))  \(Self.manifestName)\n"
        let sumsFile = try prepared(Array(sums.utf8), at: folder + "/" + Self.checksumsName)
        for file in pending.map(\.file) + [manifestFile, sumsFile] { try file.publish() }

        let paths = pending.map(\.file.path) + [folder + "/" + Self.manifestName, folder + "/" + Self.checksumsName]
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
            let writer = try TableWriter(columns: sources[0].columns(for: request.format, in: connection), format: request.format, sink: digest, policy: policy)
            cursor = try write(sources[0], request: request, since: since, to: writer)
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
    private func write(_ source: ExtractSource, request: ExtractRequest, since: FeedCursor?, to writer: TableWriter) throws -> FeedCursor? {
        switch source {
        case .report(let report):
            try report.forEachRow(in: connection, parameters: request.parameters) { try writer.write($0) }
            return nil
        case .entity(let extract):
            guard let feed = request.feed else {
                try extract.forEachRow(in: connection) { try writer.write($0) }
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
        let entity = catalogue.extract(named: request.names[0])?.name ?? request.names[0]
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
            feed: cursor.map { (since: since, cursor: $0, full: request.full) })
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
