import TallyFormats
import TallyStore

/// "Rejects by rule": groups with their newest outstanding examples, and rejected rows per
/// status and per run (each row once, whatever its reasons).
struct StewardReportRejectsQuery {
    var groups: [StewardReportData.RejectGroup] = []
    var statuses: [RejectStatus: Int] = [:]
    var outstandingByRun: [Int64: Int] = [:]

    init(_ query: StewardReportQuery) throws {
        // The catalogue's report for every run; the same query over the scope's runs otherwise.
        var groups: [StewardReportData.RejectGroup] = []
        if query.scope.ids == nil {
            groups = try query.read("rejects_by_rule").table("rejects_by_rule").rows.map(StewardReportData.RejectGroup.init)
        } else {
            let columns = query.report("rejects_by_rule").columns.map(\.name)
            for row in try query.connection.rows(ReportCatalogue.rejectsByRuleSQL(runs: StewardReportScope.filter("f.run")),
                                                 [query.scope.parameter]) {
                let values = row.map { $0.integer.map(String.init) ?? $0.text }
                groups.append(StewardReportData.RejectGroup(ReportTable.Row(columns: columns, values: values)))
            }
        }
        let examples = try query.examples("""
            SELECT entity, rule, field, run, file, line, message, record FROM (
                SELECT r.entity, f.rule, coalesce(f.field, '') AS field, f.run, f.file, f.line, f.message, f.record, f.id,
                       row_number() OVER (PARTITION BY r.entity, f.rule, f.field ORDER BY f.run DESC, f.id) AS n
                FROM findings f JOIN runs r ON r.id = f.run
                WHERE f.rejected = 1 AND \(StewardReportScope.filter("f.run")) AND \(RejectStatus.sql("f")) = 'outstanding'
            )
            WHERE n <= ?2
            ORDER BY entity, rule, field, n
            """, keyColumns: 3)
        for index in groups.indices {
            let group = groups[index]
            groups[index].examples = (examples[[group.entity, group.rule, group.field]] ?? []).map {
                StewardReportData.Example(run: $0[3].integer ?? 0, place: Provenance.place(file: $0[4].text ?? "", line: $0[5].integer.map(Int.init),
                                                                                           record: $0[7].integer.map(Int.init)),
                                          message: $0[6].text ?? "")
            }
        }
        // Most outstanding first, then most rejected; ties in the catalogue's order.
        self.groups = groups.enumerated().sorted {
            ($0.element.outstanding, $0.element.rejects, $1.offset) > ($1.element.outstanding, $1.element.rejects, $0.offset)
        }.map(\.element)
        for row in try query.connection.rows("""
            SELECT run, status, count(DISTINCT key) FROM (
                SELECT f.run, \(RejectStatus.sql("f")) AS status, \(RejectStatus.rowKey("f")) AS key
                FROM findings f WHERE f.rejected = 1 AND \(StewardReportScope.filter("f.run"))
            )
            GROUP BY run, status ORDER BY run, status
            """, [query.scope.parameter]) {
            guard let run = row[0].integer, let status = row[1].text.flatMap(RejectStatus.init(rawValue:)) else { continue }
            let count = Int(row[2].integer ?? 0)
            statuses[status, default: 0] += count
            if status == .outstanding { outstandingByRun[run] = count }
        }
    }
}
