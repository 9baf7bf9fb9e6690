import Testing
@testable import TallyKit

/// The job's default entity order comes from the registry's references (``EntityRegistry/loadOrder``).
@Suite("Load order")
struct LoadOrderTests {
    /// The first seven in the order jobs ran in when it was a hard-coded list; the entities
    /// added since after the records they point at.
    @Test func theStandardRegistryLoadsInTheOrderJobsAlwaysUsed() {
        #expect(EntityRegistry.standard.loadOrder == ["ci", "ci_relationship", "problem", "change", "incident", "request", "case",
                                                      "task_sla", "work_order", "work_task", "knowledge", "kb_citation"])
    }

    @Test func everyTargetComesBeforeTheRecordsThatPointAtIt() {
        for registry in [EntityRegistry.standard, EntityRegistry(entities: EntityRegistry.standard.entities.filter { !["task_sla", "work_order", "work_task", "knowledge", "kb_citation"].contains($0.name) })] {
            let order = registry.loadOrder
            #expect(Set(order) == Set(registry.names) && order.count == registry.names.count)
            for entity in registry.entities {
                for target in registry.prerequisites(of: entity) {
                    #expect(order.firstIndex(of: target)! < order.firstIndex(of: entity.name)!, "\(target) before \(entity.name)")
                }
            }
        }
    }

    /// A new entity finds its place with no list to edit: after every entity a reference of it
    /// may point at (a work order's `initiated_from`: a case or an incident; a task SLA's `task`:
    /// any task).
    @Test func aNewEntityTakesItsPlaceFromItsReferences() {
        let job = JobDefinition(name: "j", inputs: [JobInput(entity: "wm_task", glob: "t"), JobInput(entity: "wm_order", glob: "w"),
                                                    JobInput(entity: "task_sla", glob: "s"), JobInput(entity: "incident", glob: "i"),
                                                    JobInput(entity: "case", glob: "c")])
        #expect(job.orderedInputs(registry: .standard).map(\.glob) == ["i", "c", "s", "w", "t"])
        #expect(EntityRegistry.standard.prerequisites(of: EntityRegistry.standard.entity(named: "task_sla")!)
                    == ["case", "incident", "problem", "change", "request"])
    }

    /// Entities that point at each other still all load, in registry order where the cycle is.
    @Test func aCycleIsBrokenInRegistryOrder() {
        func entity(_ name: String, _ target: String) -> EntityDefinition {
            EntityDefinition(name: name, table: name, fields: [
                FieldDefinition("sys_id", .text), FieldDefinition("other", .reference(target)),
                FieldDefinition("sys_updated_on", .datetime), FieldDefinition("sys_mod_count", .integer),
            ], identifierRules: [["sys_id"]])
        }
        let registry = EntityRegistry(entities: [entity("a", "b"), entity("b", "a"), entity("c", "b")])
        #expect(registry.loadOrder == ["a", "b", "c"])
    }
}
