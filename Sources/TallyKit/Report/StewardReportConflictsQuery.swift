import Foundation
import TallyStore

/// "Conflicts by field": conflicts of the runs in scope by entity, field and rule, most first,
/// with their newest examples.
struct StewardReportConflictsQuery {
    var groups: [StewardReportData.ConflictGroup]
    var total: Int

    init(_ query: StewardReportQuery) throws {
        var groups = try query.connection.rows("""
            SELECT entity, field, rule, count(*), count(DISTINCT run), max(run)
            FROM conflicts WHERE \(StewardReportScope.filter("run"))
            GROUP BY entity, field, rule
            ORDER BY count(*) DESC, entity, field, rule
            """, [query.scope.parameter]).map {
            StewardReportData.ConflictGroup(entity: $0[0].text ?? "", field: $0[1].text ?? "", rule: $0[2].text ?? "",
                                            conflicts: Int($0[3].integer ?? 0), runs: Int($0[4].integer ?? 0), lastRun: $0[5].integer ?? 0)
        }
        let examples = try query.examples("""
            SELECT entity, field, rule, run, key, stored, incoming, source, message FROM (
                SELECT c.*, row_number() OVER (PARTITION BY entity, field, rule ORDER BY run DESC, id) AS n
                FROM conflicts c WHERE \(StewardReportScope.filter("run"))
            )
            WHERE n <= ?2
            ORDER BY entity, field, rule, n
            """, keyColumns: 3)
        for index in groups.indices {
            let group = groups[index]
            groups[index].examples = (examples[[group.entity, group.field, group.rule]] ?? []).map {
                StewardReportData.Example(run: $0[3].integer ?? 0, place: $0[4].text ?? "", message: $0[8].text ?? "",
                                          command: Self.explainCommand(entity: group.entity, key: $0[4].text, field: group.field))
            }
        }
        self.groups = groups
        total = groups.reduce(0) { $0 + $1.conflicts }
    }

    /// `tally explain ENTITY KEY FIELD`, the key quoted for a POSIX shell when it needs it; nil without a key.
    static func explainCommand(entity: String, key: String?, field: String) -> String? {
        guard let key, !key.isEmpty else { return nil }
        let plain = key.allSatisfy { $0.isLetter || $0.isNumber || "-_./:@".contains($0) }
        let quoted = plain ? key : "'" + key.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return "tally explain \(entity) \(quoted) \(field)"
    }
}
