/// "Dangling references" (the whole store): `dangling_references` grouped by entity, field and
/// target, largest first, with the first examples of each (gathered by ``StewardReportReadings``).
extension StewardReportData.Dangling {
    init(_ query: StewardReportQuery) throws {
        self = try query.read("dangling_references").dangling
        groups.sort { ($0.count, $1.entity, $1.field, $1.target) > ($1.count, $0.entity, $0.field, $0.target) }
    }
}
