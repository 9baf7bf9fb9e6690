/// The standard entities, as data: the case, ITSM and CMDB records, and the SLAs, field-service
/// work and knowledge around them.
///
/// To add an entity, append one `EntityDefinition(...)` to the list in ``standard``; the default
/// transform map, validation rules and identification follow from it.
///
/// Choice lists are the platform's out-of-box lists (a Zurich/Australia-era instance's `sys_choice`
/// for the table and field, as exports carry them), each with a `source:` comment; a list a map
/// must extend for a customised instance is extended with the map's `choices`. References to
/// tables Tally does not load (`external:`) keep the sys_id, with the display value beside it.
extension EntityRegistry {
    package static let standard = EntityRegistry(entities: [
        StandardEntities.task(
            name: "case", table: "sn_customerservice_case", prefix: "CS",
            // source: sn_customerservice_case.state (Customer Service Management).
            states: [(1, "New"), (10, "Open"), (18, "Awaiting Info"), (6, "Resolved"), (3, "Closed"), (7, "Cancelled")],
            extra: [
                FieldDefinition("account", .text, labels: ["Account"], external: "customer_account"),
                FieldDefinition("contact", .text, labels: ["Contact"], external: "customer_contact"),
                FieldDefinition("product", .text, labels: ["Product"]),
                FieldDefinition("category", .text, labels: ["Category"]),
                FieldDefinition("contact_type", .text, labels: ["Channel"]),
                FieldDefinition("incident", .reference("incident"), labels: ["Incident"]),
                FieldDefinition("problem", .reference("problem"), labels: ["Problem"]),
                FieldDefinition("change_request", .reference("change"), labels: ["Change Request"]),
                FieldDefinition("caused_by", .reference("change"), labels: ["Caused by Change"]),
                FieldDefinition("parent", .reference("case"), labels: ["Parent"], doc: "Its major case."),
                FieldDefinition(
                    "major_case_state",
                    .choice(ChoiceList(text: [("proposed", "Proposed"), ("accepted", "Accepted"), ("rejected", "Rejected"), ("canceled", "Canceled")])),
                    labels: ["Major case state"], doc: "The platform's major-case codes; only an accepted major case has children."),
                FieldDefinition(
                    "resolution_code",
                    // source: the case resolution codes of the CSM ↔ ITSM seed document.
                    .choice(ChoiceList(text: [
                        ("fixed_by_closing_prb", "Solved - Fixed by closing related PRB"),
                        ("workaround_open_prb", "Solved - Workaround provided based on open PRB"),
                        ("fixed_by_closing_change", "Solved - Fixed by closing related Change Request"),
                        ("fixed_by_closing_incident", "Solved - Fixed by closing related Incident"),
                        ("related_request_closed_complete", "Solved - Related Request is Closed Complete"),
                        ("solved_remotely", "Solved Remotely (Permanently)"),
                        ("solved_onsite", "Solved (Permanently)"),
                        ("not_solved", "Not Solved (Not Reproducible)"),
                    ])),
                    labels: ["Resolution code"]),
                FieldDefinition("close_notes", .text, labels: ["Resolution notes"]),
                FieldDefinition("resolved_by", .text, labels: ["Resolved by"], external: "sys_user"),
            ],
            caseRules: .standard,
            doc: "A customer-service case; it links at most one incident, problem, change and caused-by change."),

        StandardEntities.task(
            name: "incident", table: "incident", prefix: "INC",
            // source: incident.state (and incident.incident_state, the same codes).
            states: [(1, "New"), (2, "In Progress"), (3, "On Hold"), (6, "Resolved"), (7, "Closed"), (8, "Canceled")],
            stateAliases: [8: ["Cancelled"]],
            extra: [
                FieldDefinition("caller_id", .text, labels: ["Caller"], external: "sys_user"),
                FieldDefinition("category", .text, labels: ["Category"]),
                FieldDefinition("subcategory", .text, labels: ["Subcategory"]),
                FieldDefinition("contact_type", .text, labels: ["Channel"]),
                FieldDefinition("close_code", .text, labels: ["Resolution code"]),
                FieldDefinition("close_notes", .text, labels: ["Resolution notes"]),
                FieldDefinition("problem_id", .reference("problem"), labels: ["Problem"]),
                FieldDefinition("rfc", .reference("change"), labels: ["Change Request"]),
                FieldDefinition("caused_by", .reference("change"), labels: ["Caused by Change"]),
                FieldDefinition("reopen_count", .integer, labels: ["Reopen count"]),
                FieldDefinition("reassignment_count", .integer, labels: ["Reassignment count"]),
                FieldDefinition("made_sla", .boolean, labels: ["Made SLA"]),
                FieldDefinition("location", .text, labels: ["Location"], external: "cmn_location"),
                FieldDefinition("resolved_by", .text, labels: ["Resolved by"], external: "sys_user"),
            ],
            doc: "An unplanned interruption or reduction in quality of a service."),

        StandardEntities.task(
            name: "problem", table: "problem", prefix: "PRB",
            // source: problem.state (the problem state model of Madrid and later).
            states: [(101, "New"), (102, "Assess"), (103, "Root Cause Analysis"), (104, "Fix in Progress"),
                     (106, "Resolved"), (107, "Closed")],
            extra: [
                FieldDefinition("category", .text, labels: ["Category"]),
                FieldDefinition("known_error", .boolean, labels: ["Known error"]),
                FieldDefinition("cause_notes", .text, labels: ["Cause notes"]),
                FieldDefinition("fix_notes", .text, labels: ["Fix notes"]),
                FieldDefinition("resolved_by", .text, labels: ["Resolved by"], external: "sys_user"),
            ],
            doc: "The cause of one or more incidents."),

        StandardEntities.task(
            name: "change", table: "change_request", prefix: "CHG",
            // source: change_request.state (the state model of Istanbul and later).
            states: [(-5, "New"), (-4, "Assess"), (-3, "Authorize"), (-2, "Scheduled"), (-1, "Implement"),
                     (0, "Review"), (3, "Closed"), (4, "Canceled")],
            extra: [
                FieldDefinition(
                    // source: change_request.type.
                    "type", .choice(ChoiceList(text: [("normal", "Normal"), ("standard", "Standard"), ("emergency", "Emergency")])),
                    labels: ["Type"]),
                // source: change_request.risk (1 Very High, as risk assessment sets it).
                FieldDefinition("risk", .choice(ChoiceList([(1, "Very High"), (2, "High"), (3, "Moderate"), (4, "Low")])),
                                labels: ["Risk"]),
                FieldDefinition("category", .text, labels: ["Category"]),
                FieldDefinition("requested_by", .text, labels: ["Requested by"], external: "sys_user"),
                FieldDefinition("start_date", .datetime, labels: ["Planned start date"]),
                FieldDefinition("end_date", .datetime, labels: ["Planned end date"]),
                FieldDefinition("close_code", .text, labels: ["Close code"],
                                doc: "successful, successful_issues or unsuccessful."),
                FieldDefinition("close_notes", .text, labels: ["Close notes"]),
            ],
            doc: "A change request."),

        StandardEntities.task(
            name: "request", table: "sc_request", prefix: "REQ",
            // source: sc_request.state (task states, with -5 Pending).
            states: [(-5, "Pending"), (1, "Open"), (2, "Work in Progress"), (3, "Closed Complete"), (4, "Closed Incomplete"),
                     (7, "Closed Skipped")],
            extra: [
                FieldDefinition(
                    "request_state",
                    // source: sc_request.request_state; its list view says Pending Approval and Approved
                    // for the first two.
                    .choice(ChoiceList(text: [
                        ("requested", "Requested"), ("in_process", "In Process"), ("closed_complete", "Closed Complete"),
                        ("closed_incomplete", "Closed Incomplete"), ("closed_cancelled", "Closed Cancelled"),
                        ("closed_rejected", "Closed Rejected"), ("closed_skipped", "Closed Skipped"),
                    ], aliases: ["requested": ["Pending Approval"], "in_process": ["Approved"]])),
                    labels: ["Request state"]),
                FieldDefinition("requested_for", .text, labels: ["Requested for"], external: "sys_user"),
                FieldDefinition("due_date", .datetime, labels: ["Due date"]),
                FieldDefinition("parent", .reference("case"), labels: ["Parent"], doc: "The case it was raised from."),
            ],
            doc: "A service-catalog request."),

        EntityDefinition(
            name: "ci", table: "cmdb_ci",
            fields: [
                FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
                FieldDefinition("name", .text, required: true, labels: ["Name"]),
                FieldDefinition("sys_class_name", .choice(StandardEntities.ciClasses), required: true, labels: ["Class"],
                                doc: "The CI's class (table): a class label in an export (`Linux Server`) is stored as "
                                    + "its table name; a class the list does not know is kept as it came."),
                FieldDefinition("serial_number", .text, labels: ["Serial number"]),
                FieldDefinition("mac_address", .text, labels: ["MAC Address"]),
                FieldDefinition("ip_address", .text, labels: ["IP Address"]),
                FieldDefinition("fqdn", .text, labels: ["Fully qualified domain name"]),
                FieldDefinition("os", .text, labels: ["Operating System"]),
                FieldDefinition("os_version", .text, labels: ["OS Version"]),
                FieldDefinition("manufacturer", .text, labels: ["Manufacturer"], external: "core_company"),
                FieldDefinition("model_id", .text, labels: ["Model ID"], external: "cmdb_model"),
                FieldDefinition("asset_tag", .text, labels: ["Asset tag"]),
                FieldDefinition("owned_by", .text, labels: ["Owned by"], external: "sys_user"),
                FieldDefinition("managed_by", .text, labels: ["Managed by"], external: "sys_user"),
                FieldDefinition("support_group", .text, labels: ["Support group"], external: "sys_user_group"),
                FieldDefinition("location", .text, labels: ["Location"], external: "cmn_location"),
                FieldDefinition("short_description", .text, labels: ["Description"]),
                FieldDefinition(
                    "operational_status",
                    // source: cmdb_ci.operational_status.
                    .choice(ChoiceList([(1, "Operational"), (2, "Non-Operational"), (3, "Repair in Progress"),
                                        (4, "DR Standby"), (5, "Ready"), (6, "Retired")])),
                    labels: ["Operational status"]),
                FieldDefinition(
                    "install_status",
                    // source: cmdb_ci.install_status (100 Absent: set by Discovery).
                    .choice(ChoiceList([(1, "Installed"), (2, "On Order"), (3, "In Maintenance"), (4, "Pending Install"),
                                        (5, "Pending Repair"), (6, "In Stock"), (7, "Retired"), (8, "Stolen"),
                                        (100, "Absent")])),
                    labels: ["Status"]),
                FieldDefinition("assigned_to", .text, labels: ["Assigned to"], external: "sys_user"),
                FieldDefinition("assignment_group", .text, labels: ["Assignment group"], external: "sys_user_group"),
                FieldDefinition("company", .text, labels: ["Company"], external: "core_company"),
                FieldDefinition("vendor", .text, labels: ["Vendor"], external: "core_company"),
                FieldDefinition("department", .text, labels: ["Department"], external: "cmn_department"),
                FieldDefinition("cost_center", .text, labels: ["Cost center"], external: "cmn_cost_center"),
                FieldDefinition("sys_domain", .text, labels: ["Domain"], external: "domain"),
                FieldDefinition("category", .text, labels: ["Category"]),
                FieldDefinition("subcategory", .text, labels: ["Subcategory"]),
                FieldDefinition("cost", .decimal, labels: ["Cost"], doc: "A number: exports' thousands separators are dropped."),
                FieldDefinition("cost_cc", .text, labels: ["Cost currency"]),
                FieldDefinition("install_date", .datetime, labels: ["Installed"]),
                FieldDefinition("purchase_date", .datetime, labels: ["Purchased"], doc: "A date: stored at midnight UTC."),
                FieldDefinition("warranty_expiration", .datetime, labels: ["Warranty expiration"]),
                FieldDefinition("can_print", .boolean, labels: ["Can Print"]),
                FieldDefinition("monitor", .boolean, labels: ["Monitor"]),
                FieldDefinition("unverified", .boolean, labels: ["Requires verification"]),
                FieldDefinition("skip_sync", .boolean, labels: ["Skip sync"]),
                FieldDefinition("fault_count", .integer, labels: ["Fault count"]),
                FieldDefinition("discovery_source", .text, labels: ["Discovery source"]),
                FieldDefinition("first_discovered", .datetime, labels: ["First discovered"]),
                FieldDefinition("last_discovered", .datetime, labels: ["Most recent discovery"]),
                FieldDefinition("sys_created_on", .datetime, labels: ["Created"]),
                FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
                FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
            ],
            identifierRules: [["sys_id"], ["serial_number", "sys_class_name"], ["name", "sys_class_name"], ["mac_address", "sys_class_name"]],
            retireRule: .init(field: "install_status", value: "7"),
            displayField: "name",
            distinguishingRules: [["sys_id"], ["serial_number", "sys_class_name"]],
            // A MAC address identifies a CI within its class only (a computer and a server may report one NIC).
            collisionRules: [["mac_address"]],
            // CMDB Health completeness: what every CI, hardware and servers should carry besides name and class.
            recommendedFields: [
                RecommendedFields(["owned_by", "managed_by", "support_group", "location", "operational_status", "install_status"]),
                RecommendedFields(["serial_number", "manufacturer", "model_id", "asset_tag"], classes: StandardEntities.serverClasses + ["cmdb_ci_computer", "cmdb_ci_netgear"]),
                RecommendedFields(["ip_address", "fqdn", "os"], classes: StandardEntities.serverClasses),
            ],
            doc: "A configuration item of the CMDB; subclasses are told apart by sys_class_name."),

        EntityDefinition(
            name: "ci_relationship", table: "cmdb_rel_ci",
            fields: [
                FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
                FieldDefinition("parent", .reference("ci"), required: true, labels: ["Parent"]),
                FieldDefinition("child", .reference("ci"), required: true, labels: ["Child"]),
                FieldDefinition("type", .text, labels: ["Type"],
                                doc: "Depends on::Used by, Runs on::Runs, Hosted on::Hosts, Connects to::Connected by."),
                FieldDefinition("sys_created_on", .datetime, labels: ["Created"]),
                FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
                FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
            ],
            identifierRules: [["sys_id"], ["parent", "child", "type"]],
            doc: "A typed link between two CIs (parent → child)."),

        EntityDefinition(
            name: "task_sla", table: "task_sla",
            fields: [
                FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
                FieldDefinition("task", .references(anyOf: StandardEntities.tasks), required: true, labels: ["Task"],
                                doc: "The case, incident, problem, change or request the SLA is attached to."),
                FieldDefinition("sla", .text, labels: ["SLA definition", "SLA"], external: "contract_sla",
                                doc: "Its definition's sys_id; a list export gives the definition's name, kept in sla_display."),
                FieldDefinition(
                    "stage",
                    // source: the Task SLA table's stage values (Breached: the 2010 SLA engine's).
                    .choice(ChoiceList(text: [("in_progress", "In progress"), ("paused", "Paused"), ("completed", "Completed"),
                                              ("cancelled", "Cancelled"), ("breached", "Breached")],
                                       aliases: ["in_progress": ["In Progress"]])),
                    labels: ["Stage"]),
                FieldDefinition("has_breached", .boolean, labels: ["Has breached", "Breached"]),
                FieldDefinition("active", .boolean, labels: ["Active"]),
                FieldDefinition("start_time", .datetime, labels: ["Start time"]),
                FieldDefinition("end_time", .datetime, labels: ["Stop time", "End time"]),
                FieldDefinition("planned_end_time", .datetime, labels: ["Breach time", "Planned end time"]),
                FieldDefinition("pause_duration", .duration, labels: ["Pause duration"]),
                FieldDefinition("duration", .duration, labels: ["Actual elapsed time"]),
                FieldDefinition("percentage", .decimal, labels: ["Actual elapsed percentage"]),
                FieldDefinition("business_duration", .duration, labels: ["Business elapsed time"]),
                FieldDefinition("business_percentage", .decimal, labels: ["Business elapsed percentage"]),
                FieldDefinition("sys_created_on", .datetime, labels: ["Created"]),
                FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
                FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
            ],
            // A list export has no sys_id, and names the definition (sla_display) where the Table API
            // gives its sys_id: one definition attaches to a task once per start.
            identifierRules: [["sys_id"], ["task", "sla", "start_time"], ["task", "sla_display", "start_time"]],
            temporalOrder: ["start_time", "end_time"],
            lookupFields: ["task"],
            doc: "An SLA attached to a task, with its stage, breach flag and elapsed time (the platform's task_sla)."),

        StandardEntities.fieldService(
            name: "work_order", table: "wm_order", prefix: "WO",
            // Labels: the FSM documentation's work order states; codes as wm_order's sys_choice.
            states: [(1, "Draft"), (2, "Awaiting Qualification"), (9, "Qualified"), (10, "Ready for Dispatch"),
                     (16, "Assigned"), (17, "Accepted"), (18, "Work in Progress"), (3, "Closed Complete"),
                     (4, "Closed Incomplete"), (7, "Canceled")],
            stateAliases: [7: ["Cancelled"]],
            extra: [
                FieldDefinition("initiated_from", .references(anyOf: ["case", "incident"]), labels: ["Initiated from"],
                                doc: "The case or incident the work order was raised from."),
                FieldDefinition("caller", .text, labels: ["Caller"], external: "sys_user"),
                FieldDefinition("account", .text, labels: ["Account"], external: "customer_account"),
            ],
            lookupFields: ["initiated_from"],
            doc: "A field-service work order: physical work, raised from a case or an incident, on a CI or an asset."),

        StandardEntities.fieldService(
            name: "work_task", table: "wm_task", prefix: "WOT",
            // Labels: the FSM documentation's work order task states; codes as wm_task's sys_choice.
            states: [(1, "Draft"), (10, "Pending Dispatch"), (15, "Scheduled"), (16, "Assigned"), (17, "Accepted"),
                     (18, "Work in Progress"), (3, "Closed Complete"), (4, "Closed Incomplete"), (7, "Cancelled")],
            stateAliases: [7: ["Canceled"]],
            extra: [
                FieldDefinition("parent", .reference("work_order"), labels: ["Work order", "Parent"],
                                doc: "Its work order (not required: a list view without the column still lands, by number)."),
                FieldDefinition("dispatch_group", .text, labels: ["Dispatch group"], external: "sys_user_group"),
            ],
            lookupFields: ["parent"],
            doc: "A work order task: one visit or job of a work order, scheduled and assigned to an agent."),

        EntityDefinition(
            name: "knowledge", table: "kb_knowledge",
            fields: [
                FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
                FieldDefinition("number", .text, required: true, labels: ["Number"], pattern: .number(prefix: "KB")),
                FieldDefinition("short_description", .text, labels: ["Short description", "Title"]),
                FieldDefinition(
                    "workflow_state",
                    // source: kb_knowledge.workflow_state.
                    .choice(ChoiceList(text: [("draft", "Draft"), ("review", "Review"), ("published", "Published"),
                                              ("pending_retirement", "Pending retirement"), ("retired", "Retired"),
                                              ("outdated", "Outdated")])),
                    labels: ["Workflow", "Workflow state"]),
                FieldDefinition("kb_knowledge_base", .text, labels: ["Knowledge base"], external: "kb_knowledge_base"),
                FieldDefinition("kb_category", .text, labels: ["Category"], external: "kb_category"),
                FieldDefinition("author", .text, labels: ["Author"], external: "sys_user"),
                FieldDefinition("published", .datetime, labels: ["Published"], doc: "A date: stored at midnight UTC."),
                FieldDefinition("valid_to", .datetime, labels: ["Valid to"], doc: "A date: stored at midnight UTC."),
                FieldDefinition("sys_view_count", .integer, labels: ["View count", "Views"]),
                FieldDefinition("use_count", .integer, labels: ["Use count"]),
                FieldDefinition("sys_created_on", .datetime, labels: ["Created"]),
                FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
                FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
            ],
            identifierRules: [["sys_id"], ["number"]], numberPrefix: "KB",
            retireRule: .init(field: "workflow_state", value: "retired"),
            doc: "A knowledge article; its versions are one record, as the platform's number names them."),

        EntityDefinition(
            name: "kb_citation", table: "m2m_kb_task",
            fields: [
                FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
                FieldDefinition("kb_knowledge", .reference("knowledge"), required: true, labels: ["Knowledge", "Article"]),
                FieldDefinition("task", .references(anyOf: StandardEntities.tasks), required: true, labels: ["Task"]),
                FieldDefinition("sys_created_on", .datetime, labels: ["Created"]),
                FieldDefinition("sys_created_by", .text, labels: ["Created by"]),
                FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
                FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
            ],
            identifierRules: [["sys_id"], ["kb_knowledge", "task"]],
            lookupFields: ["kb_knowledge", "task"],
            doc: "An article cited by a task (the platform's m2m_kb_task): one row per article and case or incident."),
    ])
}

/// Builders for the shapes the standard entities share.
enum StandardEntities {
    /// The task entities a reference to the platform's `task` table may point at.
    static let tasks = ["case", "incident", "problem", "change", "request"]

    /// A field-service entity (`wm_order`, `wm_task`): a task with the place, the asset and the
    /// schedule of physical work, then `extra`.
    static func fieldService(
        name: String, table: String, prefix: String, states: [(Int, String)], stateAliases: [Int: [String]] = [:],
        extra: [FieldDefinition], lookupFields: [String], doc: String
    ) -> EntityDefinition {
        let head: [FieldDefinition] = [
            FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
            FieldDefinition("number", .text, required: true, labels: ["Number"], pattern: .number(prefix: prefix)),
            FieldDefinition("short_description", .text, labels: ["Short description"]),
            FieldDefinition("state", .choice(ChoiceList(states, aliases: stateAliases)), labels: ["State"]),
            FieldDefinition("active", .boolean, labels: ["Active"]),
            FieldDefinition("priority", .choice(priority), labels: ["Priority"]),
            FieldDefinition("cmdb_ci", .reference("ci"), labels: ["Configuration item"]),
            FieldDefinition("asset", .text, labels: ["Asset"], external: "alm_asset"),
            FieldDefinition("location", .text, labels: ["Location"], external: "cmn_location"),
            FieldDefinition("assignment_group", .text, labels: ["Assignment group"], external: "sys_user_group"),
            FieldDefinition("assigned_to", .text, labels: ["Assigned to"], external: "sys_user"),
            FieldDefinition("opened_at", .datetime, labels: ["Opened"]),
            FieldDefinition("expected_start", .datetime, labels: ["Expected start"]),
            FieldDefinition("estimated_end", .datetime, labels: ["Estimated end"]),
            FieldDefinition("work_start", .datetime, labels: ["Actual work start", "Work start"]),
            FieldDefinition("work_end", .datetime, labels: ["Actual work end", "Work end"]),
            FieldDefinition("closed_at", .datetime, labels: ["Closed"]),
        ]
        let tail: [FieldDefinition] = [
            FieldDefinition("sys_created_on", .datetime, labels: ["Created"]),
            FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
            FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
        ]
        return EntityDefinition(
            name: name, table: table, fields: head + extra + tail,
            identifierRules: [["sys_id"], ["number"]], numberPrefix: prefix,
            temporalOrder: ["opened_at", "closed_at"],
            retireRule: .init(field: "active", value: "false"), lookupFields: lookupFields, doc: doc)
    }

    /// source: task.priority.
    static let priority = ChoiceList([(1, "Critical"), (2, "High"), (3, "Moderate"), (4, "Low"), (5, "Planning")])
    /// source: the `sys_db_object` labels of the base system's common CMDB classes. Open: an instance's
    /// own classes (and any this list lacks) are kept as they came.
    static let ciClasses = ChoiceList(text: [
        ("cmdb_ci", "Configuration Item"), ("cmdb_ci_hardware", "Hardware"), ("cmdb_ci_computer", "Computer"),
        ("cmdb_ci_server", "Server"), ("cmdb_ci_linux_server", "Linux Server"), ("cmdb_ci_win_server", "Windows Server"),
        ("cmdb_ci_unix_server", "Unix Server"), ("cmdb_ci_esx_server", "ESX Server"), ("cmdb_ci_aix_server", "AIX Server"),
        ("cmdb_ci_solaris_server", "Solaris Server"), ("cmdb_ci_mainframe", "Mainframe"),
        ("cmdb_ci_win_cluster", "Windows Cluster"), ("cmdb_ci_win_cluster_node", "Windows Cluster Node"),
        ("cmdb_ci_cluster", "Cluster"), ("cmdb_ci_cluster_node", "Cluster Node"),
        ("cmdb_ci_vm_instance", "Virtual Machine Instance"), ("cmdb_ci_printer", "Printer"),
        ("cmdb_ci_netgear", "Network Gear"), ("cmdb_ci_ip_switch", "IP Switch"), ("cmdb_ci_ip_router", "IP Router"),
        ("cmdb_ci_ip_firewall", "IP Firewall"), ("cmdb_ci_storage_device", "Storage Device"),
        ("cmdb_ci_spkg", "Software"), ("cmdb_ci_appl", "Application"), ("cmdb_ci_database", "Database"),
        ("cmdb_ci_db_instance", "Database Instance"), ("cmdb_ci_service", "Service"),
        ("cmdb_ci_service_business", "Business Service"), ("cmdb_ci_service_technical", "Technical Service"),
        ("cmdb_ci_rack", "Rack"), ("cmdb_ci_ups", "UPS"), ("cmdb_ci_comm", "Communication Device"),
        ("cmdb_ci_handheld_computing", "Handheld Computing Device"),
    ], open: true)

    /// The server classes CMDB completeness asks an IP address, FQDN and OS of.
    static let serverClasses = ["cmdb_ci_server", "cmdb_ci_linux_server", "cmdb_ci_win_server"]

    /// source: task.impact and task.urgency.
    static let impact = ChoiceList([(1, "High"), (2, "Medium"), (3, "Low")])

    /// A task entity: the fields every task has (with its own states), then `extra`.
    static func task(
        name: String, table: String, prefix: String, states: [(Int, String)], stateAliases: [Int: [String]] = [:],
        extra: [FieldDefinition], aliases: [String] = [], caseRules: CaseRules? = nil, doc: String
    ) -> EntityDefinition {
        let head: [FieldDefinition] = [
            FieldDefinition("sys_id", .text, labels: ["Sys ID"], pattern: .sysID),
            FieldDefinition("number", .text, required: true, labels: ["Number"], pattern: .number(prefix: prefix)),
            FieldDefinition("short_description", .text, labels: ["Short description"]),
            FieldDefinition("description", .text, labels: ["Description"]),
            FieldDefinition("state", .choice(ChoiceList(states, aliases: stateAliases)), labels: ["State"]),
            FieldDefinition("active", .boolean, labels: ["Active"]),
            FieldDefinition("priority", .choice(priority), labels: ["Priority"]),
            FieldDefinition("impact", .choice(impact), labels: ["Impact"]),
            FieldDefinition("urgency", .choice(impact), labels: ["Urgency"]),
            FieldDefinition("assignment_group", .text, labels: ["Assignment group"], external: "sys_user_group"),
            FieldDefinition("assigned_to", .text, labels: ["Assigned to"], external: "sys_user"),
            FieldDefinition("opened_at", .datetime, labels: ["Opened"]),
            FieldDefinition("opened_by", .text, labels: ["Opened by"], external: "sys_user"),
            FieldDefinition("resolved_at", .datetime, labels: ["Resolved"]),
            FieldDefinition("closed_at", .datetime, labels: ["Closed"]),
            FieldDefinition("closed_by", .text, labels: ["Closed by"], external: "sys_user"),
            FieldDefinition("cmdb_ci", .reference("ci"), labels: ["Configuration item"]),
            FieldDefinition("company", .text, labels: ["Company"], external: "core_company"),
            FieldDefinition("business_service", .text, labels: ["Service"], external: "cmdb_ci_service"),
            FieldDefinition("sys_domain", .text, labels: ["Domain"], external: "domain"),
        ]
        let tail: [FieldDefinition] = [
            FieldDefinition("sys_created_on", .datetime, labels: ["Created"]),
            FieldDefinition("sys_created_by", .text, labels: ["Created by"]),
            FieldDefinition("sys_updated_on", .datetime, required: true, labels: ["Updated"]),
            FieldDefinition("sys_updated_by", .text, labels: ["Updated by"]),
            FieldDefinition("sys_mod_count", .integer, labels: ["Updates"]),
        ]
        return EntityDefinition(
            name: name, table: table, aliases: aliases, fields: head + extra + tail,
            identifierRules: [["sys_id"], ["number"]], numberPrefix: prefix,
            temporalOrder: ["opened_at", "resolved_at", "closed_at"],
            retireRule: .init(field: "active", value: "false"), caseRules: caseRules, doc: doc)
    }
}
