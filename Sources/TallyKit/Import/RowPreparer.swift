import Foundation
import TallyFormats

/// A row read, mapped and validated, ready to reconcile — or a reader's issue.
enum PreparedRow: Sendable {
    /// A record with the findings of mapping and validation (errors mean it is rejected), and
    /// the stored record it names as the run began, when the probe read it (a changed row).
    case record(RawRecord, MappedRecord, [Finding], stored: StoredRecord? = nil)
    /// A row that, as the run began, was the input row that last wrote stored record `id`
    /// (see ``UnchangedRowProbe``): not mapped; the store confirms it or prepares it after all.
    case unchanged(RawRecord, id: Int64, inputHash: Int64)
    case issue(ReadIssue)
}

/// The stages before reconciliation, for one input: map each raw record onto the entity and
/// validate it. Holds no store state, so it can run on a thread of its own.
struct RowPreparer: Sendable {
    let entity: EntityDefinition
    let map: TransformMap
    let displayPath: String
    private let validator: Validator
    private var mapper: RecordMapper?
    /// Seeds ``ContentHash/ofHeader(_:seed:)``: the entity, its fields and the map, so a row
    /// hashes the same only under the same mapping.
    let inputSeed: Int64
    /// The last header seen and its ``ContentHash/ofHeader(_:seed:)``.
    private var hashedHeader: (names: [String], hash: Int64)?
    /// Source columns the map does not know, reported once per input.
    private(set) var unknownColumns: [String] = []
    /// The entity's seeds for an insert's audit digest (``PreparedInsert``).
    private let digestSeeds: [Int64]
    /// Where the entity's sys_id is among its fields.
    private let sysIDIndex: Int?
    /// The version given to a row whose input has no version column (the export's time).
    var versionFallback: String?
    /// Whether some row was given ``versionFallback``.
    private(set) var usedVersionFallback = false
    private let updatedIndex: Int?

    /// Columns readers add to describe a record (an XML unload's table element and action).
    static let metadataColumns: Set<String> = ["_table", "_action"]

    init(entity: EntityDefinition, map: TransformMap, displayPath: String) {
        self.entity = entity
        self.map = map
        self.displayPath = displayPath
        validator = Validator(entity: entity, map: map)
        inputSeed = Self.inputSeed(entity: entity, map: map)
        digestSeeds = AuditTrail.digestSeeds(entity)
        sysIDIndex = entity.index(ofField: "sys_id")
        updatedIndex = entity.index(ofField: entity.updatedField)
    }

    /// Bump when mapping or validation changes meaning, so stored input hashes stop matching.
    static let inputHashVersion = "tally-input-hash-2"

    /// Everything mapping and validation read besides the row: the entity's fields (type, labels,
    /// choices, required, pattern), its rules, and the map as sorted JSON. Only text that prints the
    /// same in every process goes in (no `Set` or `Dictionary` descriptions).
    static func inputSeed(entity: EntityDefinition, map: TransformMap) -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var hash = ContentHash()
        hash.combine(inputHashVersion)
        hash.combine(entity.name)
        for field in entity.fields {
            var text = [field.name, EntityTable.columnType(of: field.type), field.labels.joined(separator: "|"),
                        field.required ? "required" : "", field.pattern.map { "\($0)" } ?? ""].joined(separator: ":")
            if case .choice(let list) = field.type { text += ":" + list.choices.map { $0.code + "=" + $0.label }.joined(separator: "|") }
            hash.combine(text)
        }
        for rules in [entity.identifierRules, entity.distinguishingRules, [entity.temporalOrder]] {
            hash.combine(rules.map { $0.joined(separator: "+") }.joined(separator: "|"))
        }
        // A map that cannot be encoded gets a seed of its own, so its rows never match another map's.
        hash.combine((try? encoder.encode(map)).map { String(decoding: $0, as: UTF8.self) } ?? UUID().uuidString)
        return hash.value
    }

    /// The identification key of `raw` under the first identifier rule, typed as mapping would
    /// type it; nil when the row lacks it or does not have the header the mapper was compiled for.
    mutating func firstKey(of raw: RawRecord) throws(RecordMapper.Invalid) -> [FieldValue]? {
        try compiledMapper(for: raw).firstKey(of: raw)
    }

    /// The source columns that hold `raw`'s key under the first identifier rule.
    mutating func keyColumns(of raw: RawRecord) throws(RecordMapper.Invalid) -> [String] {
        try compiledMapper(for: raw).firstKeyColumns
    }

    /// ``ContentHash/ofInput(_:header:)`` of `raw` under this preparer's mapping.
    mutating func inputHash(of raw: RawRecord) -> Int64 {
        if let hashedHeader, hashedHeader.names == raw.names {
            return ContentHash.ofInput(raw, header: hashedHeader.hash)
        }
        let header = ContentHash.ofHeader(raw.names, seed: inputSeed)
        hashedHeader = (raw.names, header)
        return ContentHash.ofInput(raw, header: header)
    }

    /// Maps and validates one reader event (`inputHash`: the record's, when already computed;
    /// `likelyNew`: no stored record is known to match it, so an insert's hashes are worked out
    /// here, off the store thread). Throws when the map cannot be compiled for the input.
    mutating func prepare(_ event: ReadEvent, inputHash: Int64? = nil, likelyNew: Bool = false) throws(RecordMapper.Invalid) -> PreparedRow {
        switch event {
        case .issue(var issue):
            issue.file = displayPath
            return .issue(issue)
        case .record(var raw):
            raw.provenance.file = displayPath
            var mapped = try compiledMapper(for: raw).map(raw)
            if let versionFallback, let updatedIndex, mapped.values[updatedIndex] == nil,
               !mapped.findings.contains(where: { $0.field == entity.updatedField }) {
                mapped.values[updatedIndex] = .datetime(versionFallback)
                mapped.versionIsExportTime = true
                usedVersionFallback = true
            }
            // validate() includes the typing findings of the mapping.
            let findings = validator.validate(mapped) + checkTable(raw)
            if findings.isEmpty { mapped.inputHash = inputHash ?? self.inputHash(of: raw) }
            if likelyNew && !findings.rejects {
                mapped.preparedInsert = PreparedInsert(values: mapped.values, extra: ExtraColumns.json(mapped.extra),
                                                       digestSeeds: digestSeeds, sysIDIndex: sysIDIndex)
            }
            return .record(raw, mapped, findings)
        }
    }

    /// The mapper, compiled for the first record's header.
    private mutating func compiledMapper(for raw: RawRecord) throws(RecordMapper.Invalid) -> RecordMapper {
        if let mapper { return mapper }
        // Reader metadata (an unload's _table and _action) and a reject export's _reject_*
        // columns describe the row, not the record: they are not data to keep.
        var map = map
        map.ignore += raw.names.filter { Self.metadataColumns.contains($0) || $0.hasPrefix("_reject_") }
        let compiled = try RecordMapper(map: map, entity: entity, header: raw.names)
        mapper = compiled
        unknownColumns = compiled.unknownColumns
        return compiled
    }

    /// A record an unload says belongs to another table is rejected, not imported as this entity.
    private func checkTable(_ raw: RawRecord) -> [Finding] {
        guard case .some(.some(let table)) = raw["_table"], !entity.allNames.contains(table) else { return [] }
        return [Finding(severity: .error, rule: "wrong_table", field: nil,
                        message: "the record is a '\(table)' element, but the import is for \(entity.name) (\(entity.table)); import it with --entity \(table)",
                        provenance: raw.provenance)]
    }
}
