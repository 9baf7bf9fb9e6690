import TallyStore

/// Writes work notes to cases when reconciliation changes a record related to them.
///
/// Where a major case and its children share the related record, the note goes to the major
/// case, and is copied to those children only if the store's `sync_enabled` setting is true and
/// the case field is listed in `case_fields_to_sync`. Where they have different records, each
/// note goes only to its own case. A case is a child only while its parent is an accepted major
/// case; each note names the case field it came through (`change_request`, `caused_by`, ...).
final class CaseJournal {
    let connection: Connection
    let entity: EntityDefinition
    let caseEntity: EntityDefinition
    let rules: CaseRules
    let run: Int64
    /// Case fields that point at this entity (`incident`; `change_request` and `caused_by`).
    private let caseFields: [String]
    /// This entity's field pointing at its case, when it has one (`request.parent`, `work_order.initiated_from`).
    private let backLinkIndex: Int?
    /// The back link's name in notes and `case_fields_to_sync` (`requests`, `work_orders`).
    private let backLinkName: String
    private let syncEnabled: Bool
    private let syncedFields: Set<String>
    private let caseTable: String
    /// Fields whose changes are bookkeeping, not news for a case.
    private let quietFields: Set<String>

    static func make(for entity: EntityDefinition, registry: EntityRegistry, connection: Connection, run: Int64) -> CaseJournal? {
        guard let caseEntity = registry.entities.first(where: { $0.caseRules != nil }), let rules = caseEntity.caseRules else { return nil }
        let caseFields = rules.relatedFields.filter { field in
            caseEntity.field(named: field)?.type.referenceTargets.contains(entity.name) ?? false
        }
        let link = rules.backLink(of: entity.name)
        let backLink = link.flatMap { entity.index(ofField: $0.field) }
        guard !caseFields.isEmpty || backLink != nil else { return nil }
        // A run writes one entity, so a store without cases gets none during it: nothing to journal.
        let caseTable = EntityTable(caseEntity).name
        guard (try? connection.holdsRows(caseTable)) != false else { return nil }
        return CaseJournal(connection: connection, entity: entity, caseEntity: caseEntity, rules: rules, run: run,
                           caseFields: caseFields, backLinkIndex: backLink, backLinkName: link?.syncName)
    }

    private init(connection: Connection, entity: EntityDefinition, caseEntity: EntityDefinition, rules: CaseRules,
                 run: Int64, caseFields: [String], backLinkIndex: Int?, backLinkName: String?) {
        self.connection = connection
        self.entity = entity
        self.caseEntity = caseEntity
        self.rules = rules
        self.run = run
        self.caseFields = caseFields
        self.backLinkIndex = backLinkIndex
        self.backLinkName = backLinkName ?? rules.requestLink.syncName
        let settings = StoreSettings(connection: connection)
        syncEnabled = (try? settings.bool(StoreSettings.syncEnabled)) ?? false
        syncedFields = Set((try? settings.list(StoreSettings.caseFieldsToSync)) ?? [])
        caseTable = EntityTable(caseEntity).name
        quietFields = [entity.updatedField, entity.modCountField, "sys_updated_by"]
    }

    private struct CaseRow {
        var id: Int64
        var number: String?
        var sysID: String?
        var parent: String?
        var majorState: String?
    }

    /// Journals `changes` of the record `record` (whose current values are `values`).
    func recordChanges(record: Int64, values: [FieldValue], changes: [(field: String, old: String?, new: String?)]) throws {
        let news = changes.filter { !quietFields.contains($0.field) }
        guard !news.isEmpty else { return }
        let sysID = entity.index(ofField: "sys_id").flatMap { values[$0].canonicalText }
        let number = entity.displayField.flatMap { entity.index(ofField: $0) }.flatMap { values[$0].canonicalText }
        let keys = [sysID, number].compactMap { $0 }.filter { !$0.isEmpty }
        guard !keys.isEmpty else { return }
        let label = number ?? sysID ?? "#\(record)"

        for field in caseFields {
            let cases = try cases(whereAnyOf: [field], in: keys)
            try write(news, to: cases, field: field, relatedRecord: record, relatedLabel: label)
        }
        if let backLinkIndex, let caseKey = values[backLinkIndex].canonicalText, !caseKey.isEmpty {
            var cases = try cases(whereAnyOf: ["sys_id", caseEntity.displayField ?? "number"], in: [caseKey])
            // A record of an accepted major case is news for its children too, through the major case.
            let majorKeys = cases.filter { $0.majorState == rules.acceptedMajorState }
                .flatMap { [$0.sysID, $0.number].compactMap { $0 }.filter { !$0.isEmpty } }
            if !majorKeys.isEmpty {
                let known = Set(cases.map(\.id))
                cases += try self.cases(whereAnyOf: [rules.parentField], in: majorKeys).filter { !known.contains($0.id) }
            }
            try write(news, to: cases, field: backLinkName, relatedRecord: record, relatedLabel: label)
        }
    }

    /// Cases where any of `columns` holds one of `keys`, in number order.
    private func cases(whereAnyOf columns: [String], in keys: [String]) throws -> [CaseRow] {
        let shape = CaseQueryShape(columns: columns, keys: keys.count)
        let sql: String
        if let known = caseQueries[shape] {
            sql = known
        } else {
            let placeholders = keys.map { _ in "?" }.joined(separator: ", ")
            let condition = columns.map { "\(EntityTable.quoted($0)) IN (\(placeholders))" }.joined(separator: " OR ")
            let number = EntityTable.quoted(caseEntity.displayField ?? "number")
            sql = "SELECT _id, \(number), \"sys_id\", \(EntityTable.quoted(rules.parentField)), \(EntityTable.quoted(rules.majorStateField)) FROM \(caseTable) WHERE \(condition) ORDER BY \(number), _id"
            caseQueries[shape] = sql
        }
        var cases: [CaseRow] = []
        try connection.forEachRow(sql, columns.flatMap { _ in keys.map(SQLValue.text) }) { row in
            cases.append(CaseRow(id: row.int64(0), number: row.text(1), sysID: row.text(2), parent: row.text(3), majorState: row.text(4)))
        }
        return cases
    }

    /// A case lookup's SQL depends on its columns and how many keys it binds.
    private struct CaseQueryShape: Hashable {
        var columns: [String]
        var keys: Int
    }
    private var caseQueries: [CaseQueryShape: String] = [:]

    private func write(_ news: [(field: String, old: String?, new: String?)], to cases: [CaseRow], field: String,
                       relatedRecord: Int64, relatedLabel: String) throws {
        guard !cases.isEmpty else { return }
        func isMajor(_ candidate: CaseRow, of child: CaseRow) -> Bool {
            guard let parent = child.parent, !parent.isEmpty, candidate.majorState == rules.acceptedMajorState else { return false }
            return parent == candidate.sysID || parent == candidate.number
        }
        let sync = syncEnabled && syncedFields.contains(field)
        for row in cases {
            // A child sharing the record with its major case hears about it through the major case.
            if cases.contains(where: { isMajor($0, of: row) }) { continue }
            let children = cases.filter { isMajor(row, of: $0) }
            for change in news {
                let note = "\(relatedLabel) (\(entity.name), via \(field)) \(change.field): \(change.old ?? "empty") → \(change.new ?? "empty")"
                let entry = try insert(caseRow: row, link: field, field: change.field, old: change.old, new: change.new,
                                       relatedRecord: relatedRecord, relatedLabel: relatedLabel, note: note, copiedFrom: nil)
                guard sync else { continue }
                for child in children {
                    _ = try insert(caseRow: child, link: field, field: change.field, old: change.old, new: change.new,
                                   relatedRecord: relatedRecord, relatedLabel: relatedLabel,
                                   note: note + " (copied from major case \(row.number ?? "#\(row.id)"))", copiedFrom: entry)
                }
            }
        }
    }

    private func insert(caseRow: CaseRow, link: String, field: String, old: String?, new: String?, relatedRecord: Int64,
                        relatedLabel: String, note: String, copiedFrom: Int64?) throws -> Int64 {
        try connection.run("""
            INSERT INTO case_journal (run, case_record, case_number, related_entity, related_record, related_number, link_field, field, old, new, copied_from, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(run), .integer(caseRow.id), caseRow.number.sqlValue, .text(entity.name), .integer(relatedRecord),
                  .text(relatedLabel), .text(link), .text(field), old.sqlValue, new.sqlValue, copiedFrom.map(SQLValue.integer) ?? .null, .text(note)])
        return connection.lastInsertRowID
    }
}
