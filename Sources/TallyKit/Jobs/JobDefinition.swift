import Foundation
import TallyFormats

/// A job file (`jobs/*.json`): what `tally run JOB` does end to end — its store, inputs in
/// order, archive folder, store settings, extracts and report.
///
/// Paths in a job file are relative to the job file's folder (absolute paths are kept). Unknown
/// keys are errors, so a misspelt option never silently does nothing. See `docs/jobs.md`.
package struct JobDefinition: Sendable, Equatable, Decodable {
    /// The job's name, in logs, lock files and the `job_runs` ledger.
    package var name: String
    /// The store, relative to the job file (nil: `--db`, else `$TALLY_DB`, else `./tally.db`).
    package var store: String?
    /// The inputs, imported one run per file (a snapshot input: one run for all its files).
    package var inputs: [JobInput]
    /// How inputs are ordered (default: by entity, so references resolve in one night).
    package var order: InputOrder
    /// Where each processed file is moved after its run commits (renamed `<run>-<name>`); nil keeps files in place.
    package var archive: String?
    /// Store settings applied before the imports.
    package var settings: [String: SettingValue]
    /// The extracts to write once every import has committed.
    package var extracts: JobExtracts?
    /// An HTML report to write after the extracts.
    package var report: String?
    /// The days of the job's runs the report covers, back from its newest run (default 30).
    package var reportDays: Int?
    /// Stop at the first input that fails or is missing: nothing after it runs.
    package var stopOnError: Bool

    package init(name: String, store: String? = nil, inputs: [JobInput], order: InputOrder = .references,
                archive: String? = nil, settings: [String: SettingValue] = [:], extracts: JobExtracts? = nil,
                report: String? = nil, stopOnError: Bool = false) {
        self.name = name
        self.store = store
        self.inputs = inputs
        self.order = order
        self.archive = archive
        self.settings = settings
        self.extracts = extracts
        self.report = report
        self.stopOnError = stopOnError
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, store, inputs, order, archive, settings, extracts, report, comment
        case stopOnError = "stop_on_error"
        case reportDays = "report_days"
    }

    package init(from decoder: any Decoder) throws {
        try JobKeys.rejectUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "job")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        store = try container.decodeIfPresent(String.self, forKey: .store)
        inputs = try container.decodeIfPresent([JobInput].self, forKey: .inputs) ?? []
        order = try container.decodeIfPresent(InputOrder.self, forKey: .order) ?? .references
        archive = try container.decodeIfPresent(String.self, forKey: .archive)
        settings = try container.decodeIfPresent([String: SettingValue].self, forKey: .settings) ?? [:]
        extracts = try container.decodeIfPresent(JobExtracts.self, forKey: .extracts)
        report = try container.decodeIfPresent(String.self, forKey: .report)
        reportDays = try container.decodeIfPresent(Int.self, forKey: .reportDays)
        stopOnError = try container.decodeIfPresent(Bool.self, forKey: .stopOnError) ?? false
    }

    /// The inputs in the order the job runs them: a stable sort by the order's entity list
    /// (entities it does not name go last; by default the registry's ``EntityRegistry/loadOrder``),
    /// or as listed.
    package func orderedInputs(registry: EntityRegistry = .standard) -> [JobInput] {
        let names: [String]
        switch order {
        case .listed: return inputs
        case .references: names = registry.loadOrder
        case .entities(let listed): names = listed
        }
        let canonical = names.map { registry.entity(named: $0)?.name ?? $0 }
        func rank(_ input: JobInput) -> Int {
            let name = registry.entity(named: input.entity)?.name ?? input.entity
            return canonical.firstIndex(of: name) ?? canonical.count
        }
        return inputs.enumerated()
            .sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
            .map(\.element)
    }
}

/// One input of a job: which files, as which entity, from which source, and how.
package struct JobInput: Sendable, Equatable, Decodable {
    /// `deletes`: the files are exports of `sys_audit_delete` (``RecordDeletion``); `entity` is then
    /// `sys_audit_delete` (each row's table says; that entity implies the mode) or one entity.
    package enum Mode: String, Sendable, Equatable, Decodable { case delta, snapshot, deletes }

    /// The entity name of a deletes input whose rows name their tables.
    package static let deletesEntity = ImportRequest.deletesTable

    package var entity: String
    /// A file or a pattern (`drop/incident-*.csv`); matches are imported in name order.
    package var glob: String
    package var source: String?
    package var map: String?
    package var precedence: String?
    package var format: InputFormat?
    package var mode: Mode
    /// Snapshot guard: abort if the files hold fewer rows than this.
    package var expectRows: Int?
    /// Snapshot guard: abort if more than this share of the source's records would be retired.
    package var maxRetire: Double?

    package init(entity: String, glob: String, source: String? = nil, map: String? = nil, precedence: String? = nil,
                format: InputFormat? = nil, mode: Mode = .delta, expectRows: Int? = nil, maxRetire: Double? = nil) {
        self.entity = entity
        self.glob = glob
        self.source = source
        self.map = map
        self.precedence = precedence
        self.format = format
        self.mode = mode
        self.expectRows = expectRows
        self.maxRetire = maxRetire
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case entity, glob, source, map, precedence, format, mode, comment
        case expectRows = "expect_rows"
        case maxRetire = "max_retire"
    }

    package init(from decoder: any Decoder) throws {
        try JobKeys.rejectUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "input")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entity = try container.decode(String.self, forKey: .entity)
        glob = try container.decode(String.self, forKey: .glob)
        source = try container.decodeIfPresent(String.self, forKey: .source)
        map = try container.decodeIfPresent(String.self, forKey: .map)
        precedence = try container.decodeIfPresent(String.self, forKey: .precedence)
        format = try container.decodeIfPresent(InputFormat.self, forKey: .format)
        mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .delta
        expectRows = try container.decodeIfPresent(Int.self, forKey: .expectRows)
        maxRetire = try container.decodeIfPresent(Double.self, forKey: .maxRetire)
        if mode != .snapshot && (expectRows != nil || maxRetire != nil) {
            throw DecodingError.dataCorruptedError(forKey: .mode, in: container,
                debugDescription: "'expect_rows' and 'max_retire' guard snapshots: set \"mode\": \"snapshot\"")
        }
        if mode == .deletes && (map != nil || precedence != nil) {
            throw DecodingError.dataCorruptedError(forKey: .mode, in: container,
                debugDescription: "a deletes input reads sys_audit_delete rows (tablename, documentkey, sys_created_on): it takes no 'map' or 'precedence'")
        }
        if let maxRetire, !(0...1).contains(maxRetire) {
            throw DecodingError.dataCorruptedError(forKey: .maxRetire, in: container,
                debugDescription: "'max_retire' is a fraction from 0 to 1 (e.g. 0.10); got \(maxRetire)")
        }
        if let expectRows, expectRows < 0 {
            throw DecodingError.dataCorruptedError(forKey: .expectRows, in: container, debugDescription: "'expect_rows' must be 0 or more")
        }
    }
}

/// How a job orders its inputs: by an entity list (the registry's reference order unless given) or as listed.
package enum InputOrder: Sendable, Equatable, Decodable {
    case entities([String])
    case listed
    /// The default: by entity, in the registry's reference order (CIs, their relationships,
    /// problems, changes, incidents, requests, then cases for the standard registry).
    case references

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard text == "listed" else {
                throw DecodingError.dataCorruptedError(in: container,
                    debugDescription: "'order' is \"listed\" or a list of entities (e.g. [\"ci\", \"incident\"]); got \"\(text)\"")
            }
            self = .listed
        } else {
            self = .entities(try container.decode([String].self))
        }
    }
}

/// The extracts a job writes: reports and entity extracts into one folder, plus delta feeds.
package struct JobExtracts: Sendable, Equatable, Decodable {
    /// Reports and entity extracts; nil: every report of the catalogue.
    package var names: [String]?
    /// The folder (relative to the job file).
    package var out: String
    package var format: ExtractFormat
    package var feeds: [JobFeed]
    package var staleDays: Int?
    package var mask: [String]
    /// `committed` (default): only when every import of the job committed; `always`: even after failures.
    package var when: When

    package enum When: String, Sendable, Equatable, Decodable { case committed, always }

    package init(names: [String]? = nil, out: String, format: ExtractFormat = .csv, feeds: [JobFeed] = [],
                staleDays: Int? = nil, mask: [String] = [], when: When = .committed) {
        self.names = names
        self.out = out
        self.format = format
        self.feeds = feeds
        self.staleDays = staleDays
        self.mask = mask
        self.when = when
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case names, out, format, feeds, mask, when, comment
        case staleDays = "stale_days"
    }

    package init(from decoder: any Decoder) throws {
        try JobKeys.rejectUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "extracts")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        names = try container.decodeIfPresent([String].self, forKey: .names)
        out = try container.decode(String.self, forKey: .out)
        format = try container.decodeIfPresent(ExtractFormat.self, forKey: .format) ?? .csv
        feeds = try container.decodeIfPresent([JobFeed].self, forKey: .feeds) ?? []
        staleDays = try container.decodeIfPresent(Int.self, forKey: .staleDays)
        mask = try container.decodeIfPresent([String].self, forKey: .mask) ?? []
        when = try container.decodeIfPresent(When.self, forKey: .when) ?? .committed
    }
}

/// A delta feed a job picks up: one entity, its own folder and cursor.
package struct JobFeed: Sendable, Equatable, Decodable {
    /// The feed's name (its cursor in the store).
    package var name: String
    package var entity: String
    /// The folder (relative to the job file); default: `<extracts.out>/feeds/<name>`.
    package var out: String?

    package init(name: String, entity: String, out: String? = nil) {
        self.name = name
        self.entity = entity
        self.out = out
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, entity, out, comment }

    package init(from decoder: any Decoder) throws {
        try JobKeys.rejectUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "feed")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        entity = try container.decode(String.self, forKey: .entity)
        out = try container.decodeIfPresent(String.self, forKey: .out)
        // The name is a folder under `<out>/feeds/`: a separator or `..` would write elsewhere.
        if name.isEmpty || name.contains("/") || name.contains("\\") || name == "." || name == ".." || name.contains("\0") {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container,
                debugDescription: "a feed's name is one folder name under <out>/feeds/, without '/', '\\' or a name of '.' or '..'; got \"\(name)\"")
        }
    }
}

/// A store setting's value in a job file: `true`, `"text"` or `["a", "b"]` (stored comma-separated).
package enum SettingValue: Sendable, Equatable, Decodable {
    case text(String)
    case flag(Bool)
    case list([String])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .flag(flag) }
        else if let text = try? container.decode(String.self) { self = .text(text) }
        else if let list = try? container.decode([String].self) { self = .list(list) }
        else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a setting is true/false, a string or a list of strings")
        }
    }

    /// The value as the `settings` table stores it.
    package var stored: String {
        switch self {
        case .text(let text): text
        case .flag(let flag): flag ? "true" : "false"
        case .list(let list): list.joined(separator: ",")
        }
    }
}

/// Checks a job file object's keys against the ones its type knows.
enum JobKeys {
    static func rejectUnknown(in decoder: any Decoder, known: [String], what: String) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            let suggestion = Suggestion.closest(to: key.stringValue.lowercased().replacingOccurrences(of: "-", with: "_"), in: known)
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "'\(key.stringValue)' is not a key of a \(what)"
                    + (suggestion.map { "; did you mean '\($0)'?" } ?? " (known: \(known.filter { $0 != "comment" }.joined(separator: ", ")))"))
        }
    }

}
