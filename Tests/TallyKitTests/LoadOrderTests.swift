import Testing
@testable import TallyKit

/// The job's default entity order comes from the registry's references (``EntityRegistry/loadOrder``).
@Suite("Load order")
struct LoadOrderTests {
    /// The order jobs ran in when it was a hard-coded list.
    @Test func theStandardRegistryLoadsInTheOrderJobsAlwaysUsed() {
        #expect(EntityRegistry.standard.loadOrder == ["ci", "ci_relationship", "problem", "change", "incident", "request", "case"])
    }

    @Test func everyTargetComesBeforeTheRecordsThatPointAtIt() {
        for registry in [EntityRegistry.standard, WorkOrder.registry] {
            let order = registry.loadOrder
            #expect(Set(order) == Set(registry.names) && order.count == registry.names.count)
            for entity in registry.entities {
                for target in registry.prerequisites(of: entity) {
                    #expect(order.firstIndex(of: target)! < order.firstIndex(of: entity.name)!, "\(target) before \(entity.name)")
                }
            }
        }
    }

    /// A new entity finds its place with no list to edit: after the incidents and CIs it points
    /// at, before the entities that wait for others.
    @Test func aNewEntityTakesItsPlaceFromItsReferences() {
        #expect(WorkOrder.registry.loadOrder == ["ci", "ci_relationship", "problem", "change", "incident", "work_order", "request", "case"])
        let job = JobDefinition(name: "j", inputs: [JobInput(entity: "wm_order", glob: "w"), JobInput(entity: "incident", glob: "i"),
                                                    JobInput(entity: "case", glob: "c")])
        #expect(job.orderedInputs(registry: WorkOrder.registry).map(\.glob) == ["i", "w", "c"])
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
