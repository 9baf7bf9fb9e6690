/// Every report `tally extract` knows, as data. To add one, write a ``ReportDefinition`` (a
/// query plus its column metadata) in one of the `ReportCatalogue+…` files, append it to
/// ``init(registry:)``'s list, and add a golden file for it.
package struct ReportCatalogue: Sendable {
    package let reports: [ReportDefinition]
    package let registry: EntityRegistry

    package init(registry: EntityRegistry = .standard) {
        let sql = ReportSQL(registry: registry)
        self.registry = registry
        reports = [
            Self.caseLinks(sql),
            Self.resolutionConsistency(sql),
            Self.cmdbHealth(sql),
            Self.cmdbExceptions(sql),
            Self.ciDuplicates(sql),
            Self.relationshipHealth(sql),
            Self.cmdbHealthTrend(sql),
            Self.incidentMetrics(sql),
            Self.changeImpact(sql),
            Self.slaAttainment(sql),
            Self.caseFulfilment(sql),
            Self.knowledgeUse(sql),
            Self.runSummary(sql),
            Self.rejectsByRule(sql),
            Self.danglingReferences(sql),
            Self.caseJournal(sql),
        ]
        var seen = Set<String>()
        for report in reports {
            precondition(seen.insert(report.name).inserted, "report \(report.name) is defined twice")
            precondition(registry.entity(named: report.name) == nil, "report \(report.name) shadows an entity feed")
        }
    }

    package static let standard = ReportCatalogue()

    package func report(named name: String) -> ReportDefinition? {
        reports.first { $0.name == name }
    }

    /// The report or entity feed called `name` (an entity answers to its name, table or alias).
    package func extract(named name: String) -> ExtractSource? {
        if let report = report(named: name) { return .report(report) }
        if let entity = registry.entity(named: name) { return .entity(EntityExtract(entity)) }
        return nil
    }

    /// Every extract: the reports, then one feed per entity.
    package var allExtracts: [ExtractSource] {
        reports.map(ExtractSource.report) + registry.entities.map { .entity(EntityExtract($0)) }
    }
}
