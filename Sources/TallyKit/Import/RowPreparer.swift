/// A row read, mapped and validated, ready to reconcile — or a reader's issue.
enum PreparedRow: Sendable {
    /// A record with the findings of mapping and validation (errors mean it is rejected).
    case record(RawRecord, MappedRecord, [Finding])
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
    /// Source columns the map does not know, reported once per input.
    private(set) var unknownColumns: [String] = []

    /// Columns readers add to describe a record (an XML unload's table element and action).
    static let metadataColumns: Set<String> = ["_table", "_action"]

    init(entity: EntityDefinition, map: TransformMap, displayPath: String) {
        self.entity = entity
        self.map = map
        self.displayPath = displayPath
        validator = Validator(entity: entity, map: map)
    }

    /// Maps and validates one reader event. Throws when the map cannot be compiled for the input.
    mutating func prepare(_ event: ReadEvent) throws(RecordMapper.Invalid) -> PreparedRow {
        switch event {
        case .issue(var issue):
            issue.file = displayPath
            return .issue(issue)
        case .record(var raw):
            raw.provenance.file = displayPath
            if mapper == nil {
                // Reader metadata (an unload's _table and _action) and a reject export's _reject_*
                // columns describe the row, not the record: they are not data to keep.
                var map = map
                map.ignore += raw.names.filter { Self.metadataColumns.contains($0) || $0.hasPrefix("_reject_") }
                let compiled = try RecordMapper(map: map, entity: entity, header: raw.names)
                mapper = compiled
                unknownColumns = compiled.unknownColumns
            }
            let mapped = mapper!.map(raw)
            // validate() includes the typing findings of the mapping.
            return .record(raw, mapped, validator.validate(mapped) + checkTable(raw))
        }
    }

    /// A record an unload says belongs to another table is rejected, not imported as this entity.
    private func checkTable(_ raw: RawRecord) -> [Finding] {
        guard case .some(.some(let table)) = raw["_table"], !entity.allNames.contains(table) else { return [] }
        return [Finding(severity: .error, rule: "wrong_table", field: nil,
                        message: "the record is a '\(table)' element, but the import is for \(entity.name) (\(entity.table)); import it with --entity \(table)",
                        provenance: raw.provenance)]
    }
}
