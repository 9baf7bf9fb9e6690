import Foundation

/// Builds report SQL from the entity registry, so every table and column name in a report comes
/// from the registry and a misspelt one stops at start-up, not in a feed.
struct ReportSQL {
    let registry: EntityRegistry

    func entity(_ name: String) -> EntityDefinition {
        guard let entity = registry.entity(named: name) else { preconditionFailure("report names unknown entity \(name)") }
        return entity
    }

    /// The live records of entity `name`: `entity_<name>` without the records the platform deleted
    /// (``BookkeepingColumn/deletedAt``), as a subquery SQLite flattens into the report's query.
    func table(_ name: String) -> String {
        "(SELECT * FROM \(EntityTable(entity(name)).name) WHERE \(BookkeepingColumn.deletedAt.name) IS NULL)"
    }

    /// `alias."field"`, checked against the registry.
    func column(_ alias: String, _ field: String, of entityName: String) -> String {
        precondition(entity(entityName).field(named: field) != nil, "report names unknown field \(entityName).\(field)")
        return alias + "." + EntityTable.quoted(field)
    }

    /// The field that names a record of `entity` for people: `number`, else `name`, else `sys_id`.
    func businessKey(of entityName: String) -> String {
        let entity = entity(entityName)
        for candidate in ["number", "name"] where entity.field(named: candidate) != nil { return candidate }
        return "sys_id"
    }

    /// SQL that is true when the reference `reference` (an expression) points at the row `alias`
    /// of `target`: by sys_id once resolved, else by business key (a pending reference keeps the
    /// raw number or CI name it arrived with).
    func refers(_ reference: String, to alias: String, of target: String) -> String {
        let key = businessKey(of: target)
        return "(\(reference) = \(column(alias, "sys_id", of: target)) OR \(reference) = \(column(alias, key, of: target)))"
    }

    /// Every (entity, field) whose field is a reference to `target`, in registry order.
    func references(to target: String) -> [(entity: EntityDefinition, field: FieldDefinition)] {
        let targetName = entity(target).name
        var result: [(EntityDefinition, FieldDefinition)] = []
        for entity in registry.entities {
            for field in entity.fields {
                if field.type.referenceTargets.contains(targetName) { result.append((entity, field)) }
            }
        }
        return result
    }

    /// A `CASE` expression giving the label of a choice field's code (`'Assess'` for 102), or
    /// the code itself when the list does not know it.
    func label(_ expression: String, field: String, of entityName: String) -> String {
        guard case .choice(let list)? = entity(entityName).field(named: field)?.type else {
            preconditionFailure("\(entityName).\(field) is not a choice field")
        }
        let whens = list.choices.map { choice in
            let code = list.kind == .integer ? choice.code : Self.literal(choice.code)
            return "WHEN \(code) THEN \(Self.literal(choice.label))"
        }
        return "CASE \(expression) \(whens.joined(separator: " ")) ELSE CAST(\(expression) AS TEXT) END"
    }

    /// A SQL string literal. Only for constants written in report definitions, never for input.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `group_concat` of `value` over `partition`, in `value` order, as a window expression
    /// (SQLite 3.40 has no `ORDER BY` inside `group_concat`; a window frame is ordered).
    static func orderedList(_ value: String, partition: String, separator: String = " ") -> String {
        "group_concat(\(value), \(literal(separator))) OVER (PARTITION BY \(partition) ORDER BY \(value) "
            + "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
    }

    /// A percentage with one decimal, or NULL when the denominator is zero.
    static func percent(_ numerator: String, of denominator: String) -> String {
        "CASE WHEN (\(denominator)) > 0 THEN printf('%.1f', 100.0 * (\(numerator)) / (\(denominator))) END"
    }
}
