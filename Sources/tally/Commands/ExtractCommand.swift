import Foundation
import TallyKit

/// `tally extract`: writes reports and entity feeds from the store, with a manifest and checksums.
struct ExtractCommand: Command {
    static let spec = CommandSpec(
        name: "extract",
        abstract: "Write reports and entity feeds from the store, with manifest.json and SHA256SUMS.",
        discussion: """
            Each NAME is a report of the catalogue or an entity feed ('tally extract --list' shows them all). Files are \
            written atomically into --out DIR as NAME.csv, NAME.ndjson, NAME.json or NAME.parquet (columns typed: INT64, \
            DOUBLE, BOOLEAN, TIMESTAMP UTC, STRING), all from one snapshot of the store; \
            then manifest.json (rows, bytes and SHA-256 of each file, the store watermark, the Tally and schema versions) \
            and SHA256SUMS (for 'sha256sum -c'). The same store and arguments give byte-identical data files. \
            CSV cells starting with =, +, -, @, tab or CR get a leading ' unless they are plain numbers (--no-formula-guard \
            turns this off). --feed NAME makes an entity extract a delta feed: it delivers the records written since the \
            feed's last pickup (by a run newer than the last one delivered, or after its (sys_updated_on, sys_id) cursor) \
            and moves the cursor only after the files are written; --full delivers everything and restarts the cursor. \
            A feed's last column, op, says what each row is to a warehouse applying it: c (created since the last pickup), \
            u (changed), d (deleted on the platform or retired; delivered so the warehouse removes it). \
            Entity extracts leave out the records 'tally import --deletes' marked deleted, and reports treat them as \
            gone; --include-deleted adds them to an entity extract with their deletion time as a last column, deleted_at. \
            The past, from the audit: --as-of-run N gives the entity tables (entity feeds and every report reading them) \
            exactly as they stood when run N committed; --as-of TIME each record's version valid at source time TIME \
            (its sys_updated_on), as the store knows it now or, with --as-of-run, as it knew it after run N; rolled-back \
            runs are as if they never happened there. --history writes an entity feed's every version (SCD type 2: the \
            fields, valid_from, valid_to, is_current, run, source, change), with --feed only the versions opened or \
            closed since the feed's last pickup.
            """,
        arguments: [ArgumentSpec(name: "name", help: "Reports and entity feeds to extract (e.g. case_links incident).", isOptional: true, isRepeating: true)],
        options: [
            OptionSpec(name: "out", short: "o", valueName: "DIR", help: "The folder to write into, or - for stdout (one extract, no manifest; default: -)."),
            OptionSpec(name: "format", valueName: "FORMAT", help: "The file format, for --out DIR and --out - alike (default: csv, as a job's extracts).", choices: ExtractFormat.allCases.map(\.rawValue)),
            .flag("list", help: "List every report and entity feed with a one-line description."),
            OptionSpec(name: "feed", valueName: "NAME", help: "Pick up the delta feed NAME of one entity: only records written since its last pickup."),
            .flag("full", help: "With --feed: deliver every record and restart the feed's cursor from there."),
            OptionSpec(name: "mask", valueName: "FIELDS", help: "Replace these columns (comma-separated, e.g. caller_id,contact) with a stable salted hash.", isRepeatable: true),
            .flag("no-formula-guard", help: "Write CSV cells exactly, even those a spreadsheet would run as formulas."),
            OptionSpec(name: "as-of-run", valueName: "N", help: "The store as it stood when run N committed (transaction time)."),
            OptionSpec(name: "as-of", valueName: "TIME", help: "Each record's version valid at source time TIME (e.g. 2024-03-01 12:00:00)."),
            .flag("history", help: "An entity feed's every version, with valid_from, valid_to, is_current, run, source and change."),
            .flag("include-deleted", help: "An entity extract with the records deleted on the platform too, and their deletion time (deleted_at)."),
            .staleDays,
            .database,
            .flag("json", help: "With --out DIR or --list: NDJSON on stdout, one object per file written (or extract listed), the summary last. With --out -: the extract itself as NDJSON."),
        ]
    )

    var list: Bool
    var request: ExtractRequest
    var out: String
    var databasePath: String
    var json: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        func fail(_ message: String) -> UsageError { UsageError(message: message, command: Self.spec.name) }
        list = arguments.has("list")
        let names = arguments.positionalList("name")
        if list && !names.isEmpty { throw fail("--list takes no names") }
        if !list && names.isEmpty { throw fail("missing name (see 'tally extract --list')") }
        let parameters = try arguments.staleDays(command: Self.spec.name)
        let masks = arguments.allValues("mask").flatMap { $0.split(separator: ",") }.map { String($0).trimmingCharacters(in: .whitespaces) }
        if masks.contains(where: \.isEmpty) { throw fail("'--mask' needs field names separated by commas") }
        if let feed = arguments.value("feed"), feed.isEmpty { throw fail("'--feed' needs a name") }
        let asOfRun = try arguments.integer("as-of-run", command: Self.spec.name)
        if let asOfRun, asOfRun < 1 { throw fail("'--as-of-run' needs a run id (see 'tally runs'); got \(asOfRun)") }
        var asOfTime: String?
        if let text = arguments.value("as-of") {
            guard case .success(let canonical)? = (try? DateTimeParser())?.parse(text) else {
                throw fail("'--as-of' needs a date and time such as '2024-03-01 12:00:00' (UTC); got '\(text)'")
            }
            asOfTime = canonical
        }
        request = ExtractRequest(
            names: names,
            format: arguments.value("format").flatMap(ExtractFormat.init(rawValue:)) ?? .csv,
            parameters: parameters,
            formulaGuard: !arguments.has("no-formula-guard"),
            maskFields: masks,
            feed: arguments.value("feed"),
            full: arguments.has("full"),
            asOf: asOfRun == nil && asOfTime == nil ? nil : AsOf(run: asOfRun.map(Int64.init), time: asOfTime),
            history: arguments.has("history"),
            includeDeleted: arguments.has("include-deleted"))
        out = arguments.value("out") ?? "-"
        databasePath = arguments.databasePath
        json = arguments.has("json")
        if json && out == "-" {
            // The data is what stdout carries: --json asks for it as NDJSON.
            if let format = arguments.value("format"), format != ExtractFormat.ndjson.rawValue {
                throw fail("--json with --out - prints the extract as NDJSON; it cannot go with --format \(format)")
            }
            request.format = .ndjson
        }
        if !list {
            // Name and combination checks need only the catalogue, not the store.
            do throws(ExtractRequestError) {
                _ = try Extractor.sources(for: request, in: .standard)
            } catch {
                throw fail(error.message)
            }
            if out == "-" && names.count > 1 { throw fail("several extracts need a folder: give --out DIR") }
        }
    }

    func run(_ console: Console) throws -> ExitCode {
        if list {
            for source in ReportCatalogue.standard.allExtracts {
                console.line(json ? Listed(name: source.name, summary: source.summary).json : HelpFormatter.row(source.name, source.summary))
            }
            return .success
        }
        // A feed writes its cursor and a mask may write the store's salt on first use; every other
        // extract only reads, so a read-only store serves it.
        let writes = request.feed != nil || !request.maskFields.isEmpty
        let database = try TallyDatabase.open(path: databasePath, access: writes ? .write : .read)
        let extractor = Extractor(database: database)
        do {
            if out == "-" {
                console.flush()
                let output = CommandOutput()
                let result = try extractor.write(request, to: output.sink)
                try output.flush()
                if let feed = result.manifest.feed {
                    console.error("feed \(feed.cursor.feed): \(feed.cursor.rows) rows; cursor moved")
                }
                return .success
            }
            let result = try extractor.write(request, toFolder: out)
            for file in result.manifest.files {
                console.error(file.reused ? "kept \(out)/\(file.file): \(file.rows) rows (its inputs did not change: reused)"
                                          : "wrote \(out)/\(file.file): \(file.rows) rows")
                if json {
                    console.line(Written(file: out + "/" + file.file, extract: file.report, format: file.format, rows: file.rows, bytes: file.bytes, sha256: file.sha256, reused: file.reused).json)
                }
            }
            if json {
                console.line(Summary(out: out, files: result.manifest.files.count, manifest: out + "/" + Extractor.manifestName,
                                     checksums: out + "/" + Extractor.checksumsName,
                                     feed: result.manifest.feed.map { Summary.Feed(name: $0.cursor.feed, rows: $0.cursor.rows) }).json)
            }
            if let feed = result.manifest.feed {
                console.error("feed \(feed.cursor.feed): \(feed.cursor.rows) rows; cursor moved")
            }
            console.error("wrote \(out)/\(Extractor.manifestName) and \(out)/\(Extractor.checksumsName)")
            return .success
        } catch let error as ExtractRequestError {
            throw CommandFailure.failed(error.message)
        } catch let error as RunStanding.NoSuchRun {
            throw CommandFailure.noSuchRun(error.run, in: databasePath)
        } catch let error as FeedCursorError {
            throw CommandFailure(exitCode: error.isBusy ? .locked : .failure, message: error.message)
        }
    }
}

// The lines of `extract --json`: an extract listed, a file written, and the summary last.
private struct Listed: JSONOutput {
    var name: String
    var summary: String
}

private struct Written: JSONOutput {
    var file: String
    var extract: String
    var format: ExtractFormat
    var rows: Int
    var bytes: Int
    var sha256: String
    var reused: Bool
}

private struct Summary: JSONOutput {
    struct Feed: Encodable {
        var name: String
        var rows: Int
    }

    var out: String
    var files: Int
    var manifest: String
    var checksums: String
    var feed: Feed?
}
