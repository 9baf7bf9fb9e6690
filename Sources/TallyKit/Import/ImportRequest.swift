import TallyFormats

/// What `tally import` (or a rerun) was asked to do.
package struct ImportRequest: Sendable {
    /// Input paths; `-` is standard input.
    package var paths: [String]
    /// Inputs kept by an earlier run, read instead of `paths` (reruns).
    package var storedInputs: [StoredInput] = []
    /// What the run does with its inputs (kept with the run, so a rerun can repeat it).
    package var settings: RunSettings
    /// Do everything but commit, and report the changes record by record.
    package var dryRun = false
    /// Import even files whose SHA-256 was already committed for this entity and source, and
    /// override the snapshot guards.
    package var force = false
    /// Import files whose SHA-256 was already committed (a rerun), keeping the snapshot guards.
    package var reimport = false
    package var kind = RunKind.import
    /// The run this one re-does, for reruns.
    package var parentRun: Int64?
    /// The command line, for the run ledger.
    package var command: String
    /// `--follow-symlinks`: an input path that is a symbolic link is read through it (else refused).
    package var followSymlinks = false
    /// How Reconcile takes the rows: `.fast` (its shortcuts) unless a test asks for `.plain`.
    package var strategy: ReconcileStrategy = .fast
    /// Told how an input is going, every few hundred rows (called on the importing thread).
    package var progress: (@Sendable (ImportProgress) -> Void)?

    package var entity: String { settings.entity }

    /// The platform's table of deletes: the entity a deletes run without `--entity` is recorded
    /// under (`tally runs`, `show`), and a name `--entity` and a job input take as `--deletes`.
    package static let deletesTable = "sys_audit_delete"

    package init(paths: [String], entity: String, source: String? = nil, mapPath: String? = nil,
                format: InputFormat? = nil, encoding: TransformMap.Encoding? = nil,
                dryRun: Bool = false, force: Bool = false, precedencePath: String? = nil,
                snapshot: SnapshotOptions? = nil, command: String) {
        self.paths = paths
        self.settings = RunSettings(entity: entity, source: source, mapPath: mapPath, precedencePath: precedencePath,
                                    format: format, encoding: encoding, snapshot: snapshot)
        self.dryRun = dryRun
        self.force = force
        self.command = command
    }
}

/// How a run reads, maps and reconciles its inputs: kept with the run as JSON so that
/// `tally rerun` can repeat it with today's maps and rules.
package struct RunSettings: Sendable, Codable, Equatable {
    /// The entity's registry name, table or alias.
    package var entity: String
    /// Overrides the map's source name.
    package var source: String?
    /// A transform map file; the built-in default map when nil.
    package var mapPath: String?
    /// A precedence file (JSON); none means every source may change everything.
    package var precedencePath: String?
    /// Forces a format instead of detecting it.
    package var format: InputFormat?
    /// Forces an encoding instead of the map's.
    package var encoding: TransformMap.Encoding?
    /// Set when the inputs are a full snapshot of the entity from the source.
    package var snapshot: SnapshotOptions?
    /// When the exports were taken (canonical UTC `YYYY-MM-DD HH:MM:SS`): the version of rows
    /// that carry none (a list view has no `sys_updated_on`). Default: each file's modification time.
    package var asOf: String?
    /// The inputs are exports of `sys_audit_delete`: each row deletes a record (``RecordDeletion``).
    /// `entity` is then `--entity` (empty: each row's `tablename` says). Optional so older runs' JSON reads.
    package var deletes: Bool?

    package init(entity: String, source: String? = nil, mapPath: String? = nil, precedencePath: String? = nil,
                format: InputFormat? = nil, encoding: TransformMap.Encoding? = nil, snapshot: SnapshotOptions? = nil) {
        self.entity = entity
        self.source = source
        self.mapPath = mapPath
        self.precedencePath = precedencePath
        self.format = format
        self.encoding = encoding
        self.snapshot = snapshot
    }
}

/// How far an import has got with one input.
package struct ImportProgress: Sendable {
    /// The input as given (`-` for standard input).
    package var path: String
    /// Rows reconciled so far.
    package var rows: Int
    /// Bytes of the input read so far, and its size.
    package var bytesRead: Int64
    package var totalBytes: Int64
    /// Set on the last call for the input.
    package var finished: Bool
}

/// An input an earlier run kept: where it was read from, where the copy is, and its SHA-256.
package struct StoredInput: Sendable, Equatable {
    package var displayPath: String
    package var storedPath: String
    package var sha256: String

    package init(displayPath: String, storedPath: String, sha256: String) {
        self.displayPath = displayPath
        self.storedPath = storedPath
        self.sha256 = sha256
    }
}

/// What an import did: the run, its status, inputs and counts.
package struct ImportResult: Sendable {
    /// The run id; nil for a dry run, which leaves no trace.
    package var run: Int64?
    package var status: RunStatus
    package var entity: String
    package var source: String
    package var inputs: [RunInput]
    package var counts: RunCounts
    /// Why a run failed or was skipped, and other notes for people.
    package var message: String?
    /// For dry runs: what would change, record by record.
    package var changes: [RecordChange] = []
    /// Warnings about the run as a whole, one line each (an input versioned by the export's time).
    package var warnings: [String] = []
    /// For dry runs: the rows that would be rejected, each with its reasons.
    package var rejects: [RejectedRecord] = []
    package var parentRun: Int64?
    /// Whether the run wrote straight into the store file (``FirstLoadJournal``): a first import
    /// into a store that held no records.
    package var firstLoad = false

    package init(run: Int64?, status: RunStatus, entity: String, source: String, inputs: [RunInput], counts: RunCounts, message: String? = nil) {
        self.run = run
        self.status = status
        self.entity = entity
        self.source = source
        self.inputs = inputs
        self.counts = counts
        self.message = message
    }
}

/// `{"run": …, "status": …, …}`: the one JSON object `tally import --json` prints; `parent_run`
/// and `message` only when there is one.
extension ImportResult: JSONOutput {
    private enum CodingKeys: String, CodingKey { case run, status, entity, source, inputs, counts, parentRun = "parent_run", message }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(status, forKey: .status)
        try container.encode(entity, forKey: .entity)
        try container.encode(source, forKey: .source)
        try container.encode(inputs.map(Input.init), forKey: .inputs)
        try container.encode(counts, forKey: .counts)
        if let parentRun { try container.encode(parentRun, forKey: .parentRun) }
        if let message { try container.encode(message, forKey: .message) }
    }

    /// An input as the import reports it.
    private struct Input: Encodable {
        var path: String
        var sha256: String?
        var rows: Int
        var format: String?
        var unknownColumns: [String]
        var unchangedBeforeMapping: Int

        init(_ input: RunInput) {
            (path, sha256, rows, format) = (input.path, input.sha256, input.counts.read, input.format)
            (unknownColumns, unchangedBeforeMapping) = (input.unknownColumns, input.unchangedBeforeMapping)
        }

        enum CodingKeys: String, CodingKey {
            case path, sha256, rows, format, unknownColumns = "unknown_columns", unchangedBeforeMapping = "unchanged_before_mapping"
        }
    }
}

/// Why an import stopped before or during its run. The run (if any) is recorded as failed.
package struct ImportFailure: Error, CustomStringConvertible {
    package enum Kind: Sendable {
        case inputMissing, invalidRequest, failed
        /// An input changed while it was read (exit 65): nothing was committed.
        case inputChanged
        /// Another process held the store's write lock past the busy timeout; nothing was written.
        case locked
    }
    package var kind: Kind
    package var message: String
    package var run: Int64?
    package var description: String { message }

    package init(_ kind: Kind, _ message: String, run: Int64? = nil) {
        self.kind = kind
        self.message = message
        self.run = run
    }
}
