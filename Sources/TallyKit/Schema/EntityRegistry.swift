/// The set of entities Tally imports, looked up by name, table or alias.
///
/// To add an entity (say, field-service work orders), add one ``EntityDefinition`` to
/// ``standard``'s list in `EntityRegistry+Standard.swift` (or build a registry with
/// `EntityRegistry(entities: EntityRegistry.standard.entities + [workOrder])`); mapping,
/// validation and reconciliation need no new code.
package struct EntityRegistry: Sendable, Hashable {
    package let entities: [EntityDefinition]
    private let byName: [String: Int]

    /// A registry of `entities`. Names, tables and aliases must be unique across all of them.
    package init(entities: [EntityDefinition]) {
        var byName: [String: Int] = [:]
        for (index, entity) in entities.enumerated() {
            for name in entity.allNames {
                let key = name.lowercased()
                precondition(byName[key] == nil, "entity name '\(name)' is used twice")
                byName[key] = index
            }
        }
        self.entities = entities
        self.byName = byName
    }

    /// The entity called `name` — its registry name, its table or an alias, case-insensitively.
    package func entity(named name: String) -> EntityDefinition? {
        byName[name.trimmingSpaces().lowercased()].map { entities[$0] }
    }

    /// The registry names, in registry order.
    package var names: [String] { entities.map(\.name) }

    package static func == (lhs: EntityRegistry, rhs: EntityRegistry) -> Bool {
        lhs.entities == rhs.entities
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(entities)
    }
}
