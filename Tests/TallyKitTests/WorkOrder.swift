@testable import TallyKit

/// A test-only entity, a field-service work order (`wm_order`): the proof that an entity is one
/// registry entry. Nothing outside this definition knows it.
enum WorkOrder {
    static let entity = EntityDefinition(
        name: "work_order", table: "wm_order",
        fields: [
            FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
            FieldDefinition("number", .text, required: true, labels: ["Number"], pattern: .number(prefix: "WO")),
            FieldDefinition("short_description", .text, labels: ["Short description"]),
            // The platform's wm_order.state codes.
            FieldDefinition("state", .choice(ChoiceList([(1, "Draft"), (10, "Pending Dispatch"), (16, "Assigned"),
                                                         (18, "Work In Progress"), (3, "Closed Complete"),
                                                         (4, "Closed Incomplete"), (7, "Cancelled")])),
                            labels: ["State"]),
            FieldDefinition("initiated_from", .reference("incident"), labels: ["Initiated from"]),
            FieldDefinition("cmdb_ci", .reference("ci"), labels: ["Configuration item"]),
            FieldDefinition("assigned_to", .text, labels: ["Assigned to"], external: "sys_user"),
            FieldDefinition("opened_at", .datetime, labels: ["Opened"]),
            FieldDefinition("closed_at", .datetime, labels: ["Closed"]),
            FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
            FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
        ],
        identifierRules: [["sys_id"], ["number"]], numberPrefix: "WO", temporalOrder: ["opened_at", "closed_at"],
        doc: "A field-service work order (test only).")

    /// The standard registry and the work order.
    static let registry = EntityRegistry(entities: EntityRegistry.standard.entities + [entity])
}
