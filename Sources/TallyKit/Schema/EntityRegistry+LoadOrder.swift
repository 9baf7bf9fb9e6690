/// The order a job imports entities in, derived from the registry's references.
extension EntityRegistry {
    /// Targets before the records that point at them, so references resolve in one night rather
    /// than waiting as pending. An entity with case rules also comes after the entities its
    /// rules read (a case's requests, though they point at the case: their reference resolves
    /// as pending when the case arrives, while the rules would find no request). Among entities
    /// whose targets are all in, the one with more references goes first (the CMDB's
    /// relationships right after the CIs), then registry order. A cycle is broken in registry order.
    package var loadOrder: [String] {
        let needs = entities.map { prerequisites(of: $0) }
        let rank = { (index: Int) in (-references(of: entities[index]).count, index) }
        var placed: [String] = []
        var remaining = Array(entities.indices)
        while !remaining.isEmpty {
            let ready = remaining.filter { needs[$0].subtracting(placed).isEmpty }
            let next = ready.min { rank($0) < rank($1) } ?? remaining[0]
            placed.append(entities[next].name)
            remaining.removeAll { $0 == next }
        }
        return placed
    }

    /// The entities that must be loaded before `entity`.
    func prerequisites(of entity: EntityDefinition) -> Set<String> {
        var needs = Set(references(of: entity))
        if let rules = entity.caseRules {
            needs.formUnion(rules.requirements.map(\.entity) + [rules.requestLink.entity])
        }
        needs.remove(entity.name)
        return needs.filter { self.entity(named: $0) != nil }
    }

    /// The targets of `entity`'s reference fields, in field order, without the back links that
    /// case rules read the other way.
    private func references(of entity: EntityDefinition) -> [String] {
        entity.fields.flatMap { field in
            field.type.referenceTargets.compactMap { target -> String? in
                guard let targetEntity = self.entity(named: target), targetEntity.name != entity.name else { return nil }
                if let rules = targetEntity.caseRules, rules.requestLink.entity == entity.name, rules.requestLink.field == field.name { return nil }
                return targetEntity.name
            }
        }
    }
}
