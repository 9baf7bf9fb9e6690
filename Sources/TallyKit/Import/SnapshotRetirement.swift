import TallyStore

/// Retires records a full snapshot no longer contains — never deletes them — after checking the
/// guards that stop a truncated export from wiping the store.
struct SnapshotRetirement {
    /// The platform's default export cap: a snapshot of exactly this many rows was probably cut short.
    static let exportCap = 10_000

    let connection: Connection
    let entity: EntityDefinition
    let source: String
    let run: Int64

    /// Retires the source's records missing from `seen`; returns how many. Throws ``ImportFailure``
    /// (nothing changed) when a guard trips and `force` is false.
    func retire(seen: Set<Int64>, rowsRead: Int, options: SnapshotOptions, force: Bool) throws -> Int {
        guard let rule = entity.retireRule, let ruleIndex = entity.index(ofField: rule.field) else {
            throw ImportFailure(.invalidRequest, "\(entity.name) has no retire rule, so it cannot be imported as a snapshot")
        }
        let table = EntityTable(entity).name
        let column = EntityTable.quoted(rule.field)
        let retiredValue = FieldValue(canonical: rule.value, type: entity.fields[ruleIndex].type).sqlValue
        var active: [Int64] = []
        try connection.forEachRow(
            "SELECT _id FROM \(table) WHERE _source = ? AND retired_in_run IS NULL AND \(column) IS NOT ? ORDER BY _id",
            [.text(source), retiredValue]) { active.append($0.int64(0)) }
        let missing = active.filter { !seen.contains($0) }

        if !force {
            if rowsRead == Self.exportCap {
                throw ImportFailure(.failed, "the snapshot holds exactly \(Self.exportCap) rows, the platform's default export cap: it was probably truncated, so nothing was retired or committed (check the export, or use --force)")
            }
            if let expected = options.expectRows, rowsRead < expected {
                throw ImportFailure(.failed, "the snapshot holds \(rowsRead) rows, fewer than the \(expected) expected (--expect-rows): nothing was retired or committed (check the export, or use --force)")
            }
            if !active.isEmpty {
                let share = Double(missing.count) / Double(active.count)
                if share > options.maxRetire {
                    throw ImportFailure(.failed, "the snapshot would retire \(missing.count) of \(active.count) \(entity.name) records from source '\(source)' (\(Self.percent(share))), more than --max-retire \(Self.percent(options.maxRetire)): nothing was retired or committed (check the export, or use --force)")
                }
            }
        }

        let audit = AuditTrail(connection: connection, run: run, source: source)
        for id in missing {
            let before = try EntityWriter.load(entity, id: id, connection: connection)
            try connection.run("UPDATE \(table) SET \(column) = ?, retired_in_run = ?, _updated_run = ? WHERE _id = ?",
                               [retiredValue, .integer(run), .integer(run), .integer(id)])
            let values = try EntityWriter.rehash(entity, id: id, connection: connection)
            try audit.recordChange(entity: entity, id: id, values: values, field: rule.field,
                                   old: before.values[ruleIndex].canonicalText, new: rule.value)
            try audit.recordChange(entity: entity, id: id, values: values, field: "retired_in_run", old: nil, new: String(run))
        }
        return missing.count
    }

    static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

/// How a snapshot import guards against truncated exports.
package struct SnapshotOptions: Sendable, Equatable, Codable {
    /// The largest share of the source's records a snapshot may retire (default 0.10).
    package var maxRetire: Double
    /// Fewer rows than this abort the run.
    package var expectRows: Int?

    package init(maxRetire: Double = 0.10, expectRows: Int? = nil) {
        self.maxRetire = maxRetire
        self.expectRows = expectRows
    }
}
