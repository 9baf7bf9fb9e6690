import Testing
import TallyKit
import TallyFormats

@Suite("EntityRegistry")
struct EntityRegistryTests {
    let registry = EntityRegistry.standard

    /// Iterates the registry rather than copying it: an entity added to it is held to the same.
    @Test("every entity is found by its name, table and aliases, is a feed and has a place in the job order")
    func standardEntities() {
        #expect(!registry.entities.isEmpty)
        let catalogue = ReportCatalogue(registry: registry)
        for entity in registry.entities {
            for name in [entity.name, entity.table] + entity.aliases {
                #expect(registry.entity(named: name)?.name == entity.name, "\(name)")
            }
            #expect(catalogue.extract(named: entity.name)?.name == entity.name)
            #expect(registry.loadOrder.contains(entity.name))
        }
    }

    @Test("names, tables and aliases resolve, case-insensitively", arguments: [
        ("case", "case"), ("sn_customerservice_case", "case"), ("change", "change"), ("change_request", "change"),
        ("request", "request"), ("sc_request", "request"), ("ci", "ci"), ("cmdb_ci", "ci"),
        ("ci_relationship", "ci_relationship"), ("cmdb_rel_ci", "ci_relationship"), ("incident", "incident"),
        ("problem", "problem"), ("Incident", "incident"), (" CMDB_CI ", "ci"),
    ])
    func lookups(name: String, entity: String) {
        #expect(registry.entity(named: name)?.name == entity)
    }

    @Test("unknown names are nil")
    func unknown() {
        #expect(registry.entity(named: "timecard") == nil)
        #expect(registry.entity(named: "") == nil)
    }

    @Test("tables and number prefixes follow the spec", arguments: [
        ("case", "sn_customerservice_case", "CS"), ("incident", "incident", "INC"), ("problem", "problem", "PRB"),
        ("change", "change_request", "CHG"), ("request", "sc_request", "REQ"),
    ])
    func tasks(name: String, table: String, prefix: String) throws {
        let entity = try #require(registry.entity(named: name))
        #expect(entity.table == table)
        #expect(entity.numberPrefix == prefix)
        #expect(entity.identifierRules == [["sys_id"], ["number"]])
        #expect(entity.temporalOrder == ["opened_at", "resolved_at", "closed_at"])
        #expect(entity.retireRule == .init(field: "active", value: "false"))
        #expect(entity.updatedField == "sys_updated_on")
        #expect(entity.modCountField == "sys_mod_count")
        #expect(entity.field(named: "number")?.required == true)
        #expect(entity.field(named: "sys_updated_on")?.required == true)
        #expect(entity.field(named: "number")?.pattern == .number(prefix: prefix))
        #expect(entity.field(named: "sys_id")?.pattern == .sysID)
        #expect(entity.field(named: "cmdb_ci")?.type == .reference("ci"))
        #expect(entity.fields.first?.name == "sys_id")
    }

    @Test("CIs: identification order, retirement, required name and class")
    func configurationItems() throws {
        let ci = try #require(registry.entity(named: "cmdb_ci"))
        #expect(ci.identifierRules == [["sys_id"], ["serial_number", "sys_class_name"], ["name", "sys_class_name"], ["mac_address", "sys_class_name"]])
        #expect(ci.retireRule == .init(field: "install_status", value: "7"))
        #expect(ci.numberPrefix == nil)
        #expect(ci.field(named: "name")?.required == true)
        #expect(ci.field(named: "sys_class_name")?.required == true)
        #expect(ci.field(named: "install_status")?.labels == ["Status"])
        #expect(ci.field(named: "last_discovered")?.labels == ["Most recent discovery"])
        #expect(ci.fields.count == 57)
        // A CMDB export's class labels are stored as the class's table; a class the list lacks is kept.
        guard case .choice(let classes)? = ci.field(named: "sys_class_name")?.type else { Issue.record("class is not a choice"); return }
        #expect(classes.isOpen)
        #expect(classes.choice(matching: "Computer")?.code == "cmdb_ci_computer")
        #expect(classes.choice(matching: "windows cluster node")?.code == "cmdb_ci_win_cluster_node")
        #expect(ci.field(named: "cost")?.type == .decimal)
    }

    @Test("labels exports use besides the platform's own match too")
    func choiceAliases() throws {
        guard case .choice(let states)? = registry.entity(named: "incident")?.field(named: "state")?.type,
              case .choice(let requestStates)? = registry.entity(named: "request")?.field(named: "request_state")?.type
        else { Issue.record("not choices"); return }
        #expect(states.choice(matching: "Cancelled")?.code == "8")
        #expect(states.choice(matching: "canceled")?.code == "8")
        #expect(requestStates.choice(matching: "Pending Approval")?.code == "requested")
        #expect(requestStates.choice(matching: "approved")?.code == "in_process")
        #expect(requestStates.choice(matching: "Requested")?.code == "requested")
    }

    @Test("relationships: parent, child, type business key")
    func relationships() throws {
        let rel = try #require(registry.entity(named: "cmdb_rel_ci"))
        #expect(rel.identifierRules == [["sys_id"], ["parent", "child", "type"]])
        #expect(rel.field(named: "parent")?.type == .reference("ci"))
        #expect(rel.field(named: "child")?.required == true)
    }

    @Test("entity-specific fields and states", arguments: [
        ("incident", "state", ["1", "2", "3", "6", "7", "8"]),
        ("problem", "state", ["101", "102", "103", "104", "106", "107"]),
        ("change", "state", ["-5", "-4", "-3", "-2", "-1", "0", "3", "4"]),
        ("request", "state", ["-5", "1", "2", "3", "4", "7"]),
        ("case", "state", ["1", "10", "18", "6", "3", "7"]),
        ("change", "type", ["normal", "standard", "emergency"]),
        ("change", "risk", ["1", "2", "3", "4"]),
        ("request", "request_state", ["requested", "in_process", "closed_complete", "closed_incomplete",
                                      "closed_cancelled", "closed_rejected", "closed_skipped"]),
        ("case", "major_case_state", ["proposed", "accepted", "rejected", "canceled"]),  // issue 22: the platform's codes
        ("ci", "operational_status", ["1", "2", "3", "4", "5", "6"]),
        ("ci", "install_status", ["1", "2", "3", "4", "5", "6", "7", "8", "100"]),
        ("incident", "priority", ["1", "2", "3", "4", "5"]),
    ])
    func choices(entity: String, field: String, codes: [String]) throws {
        let definition = try #require(registry.entity(named: entity)?.field(named: field))
        guard case .choice(let list) = definition.type else {
            Issue.record("\(entity).\(field) is not a choice")
            return
        }
        #expect(list.choices.map(\.code) == codes)
    }

    @Test("case resolution codes carry the platform labels")
    func resolutionCodes() throws {
        let field = try #require(registry.entity(named: "case")?.field(named: "resolution_code"))
        guard case .choice(let list) = field.type else { Issue.record("not a choice"); return }
        #expect(list.choice(matching: "Solved - Fixed by closing related PRB")?.code == "fixed_by_closing_prb")
        #expect(list.choice(matching: "solved (permanently)")?.code == "solved_onsite")
        #expect(list.choices.count == 8)
    }

    @Test("no two fields of an entity share a name or label (case-insensitively)")
    func labelsAreUnambiguous() {
        for entity in registry.entities {
            var owner: [String: String] = [:]
            for field in entity.fields {
                for name in Set(([field.name] + field.labels).map { $0.lowercased() }) {
                    if let other = owner[name] {
                        Issue.record("\(entity.name): '\(name)' names both \(other) and \(field.name)")
                    }
                    owner[name] = field.name
                }
            }
        }
    }

    @Test("references point at registered entities; field index lookups agree")
    func referencesAndIndexes() {
        for entity in registry.entities {
            for (index, field) in entity.fields.enumerated() {
                #expect(entity.index(ofField: field.name) == index)
                for target in field.type.referenceTargets {
                    #expect(registry.entity(named: target)?.name == target, "\(entity.name).\(field.name) → \(target)")
                }
            }
            #expect(entity.index(ofField: "no_such_field") == nil)
        }
    }

    @Test("adding an entity is one definition")
    func addingAnEntity() throws {
        let workOrder = EntityDefinition(
            name: "work_order_copy", table: "wm_order_copy", aliases: ["wo"],
            fields: [
                FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
                FieldDefinition("number", .text, required: true, labels: ["Number"], pattern: .number(prefix: "WO")),
                FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
                FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
            ],
            identifierRules: [["sys_id"], ["number"]], numberPrefix: "WO")
        let extended = EntityRegistry(entities: EntityRegistry.standard.entities + [workOrder])
        #expect(extended.entity(named: "wo")?.table == "wm_order_copy")
        let mapper = try RecordMapper(map: TransformMap(entity: "wo"), registry: extended, header: ["Number", "Updated"])
        let record = mapper.map(RawRecord(names: ["Number", "Updated"], values: ["WO0000001", "2026-01-02 03:04:05"],
                                          provenance: Provenance(file: "wo.csv", record: 1, line: 2)))
        #expect(record.values == [nil, .text("WO0000001"), .datetime("2026-01-02 03:04:05"), nil])
        #expect(Validator(entity: workOrder).validate(record).isEmpty)
    }
}
