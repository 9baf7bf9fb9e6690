import Foundation
import TallyStore
import TallyFormats

/// What the store's reports follow from, read once per extract in its snapshot: a digest of the
/// run ledger (with and without skipped runs) and of the settings.
///
/// Records change only through runs (import, rerun, rollback), and every run, its end and a
/// rollback of it change its row in `runs`; so equal digests mean the same records, findings and
/// journal. A skipped run (an input already imported) changes nothing but the ledger itself.
struct StoreWatermark: Equatable {
    /// Every run: id, status, end.
    var everyRun: String
    /// The runs that were not skipped.
    var dataRuns: String
    /// Every setting (`mask_salt` among them).
    var settings: String

    init(_ connection: Connection) throws {
        func digest(_ sql: String) throws -> String {
            var hasher = SHA256()
            try connection.forEachRow(sql) { statement in
                for index in 0..<statement.columnCount {
                    let text = statement.isNull(index) ? "\u{1}" : (statement.text(index) ?? "")
                    hasher.update(Array((text + "\u{0}").utf8))
                }
            }
            return hasher.hexDigest()
        }
        let runs = "SELECT id, status, finished_at FROM runs"
        everyRun = try digest(runs + " ORDER BY id")
        dataRuns = try digest(runs + " WHERE status != '\(RunStatus.skipped.rawValue)' ORDER BY id")
        settings = try digest("SELECT key, value FROM settings ORDER BY key")
    }
}

extension StoreWatermark {
    /// The digest of everything `source`'s rows follow from: its definition (query and columns),
    /// the parameters, Tally's version, the settings and the run ledger — all of it for a report
    /// that lists skipped runs (``ReportDefinition/readsSkippedRuns``), the runs that changed
    /// something for the others.
    func rowsDigest(of source: ExtractSource, parameters: ReportParameters) -> String {
        let definition: String = switch source {
        case .report(let report): report.sql
        case .entity(let extract): extract.selectSQL
        }
        let readsSkippedRuns = if case .report(let report) = source { report.readsSkippedRuns } else { false }
        return Self.digest([
            source.name, definition, source.columns.map { $0.name + ":" + $0.type.rawValue }.joined(separator: ","),
            String(parameters.staleDays), parameters.value(of: .staleDaysByClass).text ?? "", TallyVersion.current, settings, readsSkippedRuns ? everyRun : dataRuns,
        ])
    }

    static func digest(_ parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts { hasher.update(Array((part + "\u{0}").utf8)) }
        return hasher.hexDigest()
    }
}

extension Extractor {
    /// The digest of everything a file's bytes follow from: what its rows follow from
    /// (``StoreWatermark/rowsDigest(of:parameters:)``), the request's format, guard, masks and
    /// past (`--as-of-run`, `--as-of`, `--history`), and the schema's version.
    func inputsDigest(of source: ExtractSource, request: ExtractRequest, watermark: StoreWatermark) -> String {
        StoreWatermark.digest([
            watermark.rowsDigest(of: source, parameters: request.parameters), request.format.rawValue,
            String(request.formulaGuard), request.maskFields.sorted().joined(separator: ","), String(database.schemaVersion),
            request.asOf.map { "as of run \($0.run.map(String.init) ?? "-") time \($0.time ?? "-")" } ?? "now", String(request.history),
        ])
    }

    /// The files the folder's `manifest.json` describes, by file name: what a later extract
    /// may reuse. Empty when there is no manifest or it cannot be read (everything is recomputed).
    static func previousFiles(in folder: String) -> [String: ExtractManifest.File] {
        guard let data = FileManager.default.contents(atPath: folder + "/" + manifestName),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = object["files"] as? [[String: Any]] else { return [:] }
        var result: [String: ExtractManifest.File] = [:]
        for file in files {
            guard let report = file["report"] as? String, let name = file["file"] as? String,
                  let format = (file["format"] as? String).flatMap(ExtractFormat.init(rawValue:)),
                  let rows = file["rows"] as? Int, let bytes = file["bytes"] as? Int, let sha256 = file["sha256"] as? String,
                  let inputs = file["inputs_sha256"] as? String else { continue }
            result[name] = ExtractManifest.File(report: report, file: name, format: format, rows: rows, bytes: bytes,
                                                sha256: sha256, inputsSHA256: inputs)
        }
        return result
    }

    /// `previous` as this extract's entry when the file it describes is still there, byte for byte
    /// (size and SHA-256), and follows from the same inputs; nil when it has to be written again.
    static func reusable(_ previous: ExtractManifest.File?, inputs: String, at path: String) -> ExtractManifest.File? {
        guard var previous, previous.inputsSHA256 == inputs,
              FileByteSource.FileStamp.of(path: path)?.size == Int64(previous.bytes),
              let digest = try? SHA256.hash(fileAt: path), SHA256.hex(digest) == previous.sha256 else { return nil }
        previous.reused = true
        return previous
    }
}

/// Sees the rows of each report an extract computes, as the query gives them (before masking or
/// the formula guard): how a job's steward page reads the results its extracts wrote.
package protocol ReportRowObserver: AnyObject {
    /// Whether this observer wants `report`'s rows under `parameters`.
    func wants(_ report: ReportDefinition, parameters: ReportParameters) -> Bool
    /// One row of `report`, in the report's order.
    func observe(_ report: ReportDefinition, row: [String?])
    /// Every row of `report` has been observed.
    func finished(_ report: ReportDefinition)
}
