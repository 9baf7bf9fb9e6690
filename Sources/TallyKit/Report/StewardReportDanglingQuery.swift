/// "Dangling references" (the whole store): `dangling_references` grouped by entity, field and
/// target, largest first, with the first examples of each.
extension StewardReportData.Dangling {
    init(_ query: StewardReportQuery) throws {
        var index: [String: Int] = [:]
        try ReportTable.forEachRow(query.report("dangling_references"), in: query.connection, parameters: query.parameters) { row in
            total += 1
            let entity = row["entity"] ?? "", field = row["field"] ?? "", target = row["target_entity"] ?? ""
            let key = entity + "\u{0}" + field + "\u{0}" + target
            let group: Int
            if let known = index[key] {
                group = known
            } else {
                group = groups.count
                index[key] = group
                groups.append(StewardReportData.DanglingGroup(entity: entity, field: field, target: target))
            }
            groups[group].count += 1
            if groups[group].examples.count < query.examples {
                let value = row["value"] ?? "", display = row["display_value"] ?? ""
                let shown = display.isEmpty || display == value ? value : "\(value) (\(display))"
                groups[group].examples.append(StewardReportData.Example(
                    run: Int64(row.integer("since_run")), place: row["record"] ?? "", message: "\(field) → \(target) \(shown)"))
            }
        }
        groups.sort { ($0.count, $1.entity, $1.field, $1.target) > ($1.count, $0.entity, $0.field, $0.target) }
    }
}
