import Foundation
import TallyStore

/// "SLAs and fulfilment" (the whole store): `sla_attainment`, the breach rate per week of
/// start_time (the one thing here no report gives, queried directly), and the cases whose
/// `case_fulfilment` chain is still open, the oldest first.
struct StewardReportFulfilmentQuery {
    var slaAttainment: ReportTable
    var slaWeeks: [StewardReportData.SLAWeek] = []
    /// `case_fulfilment` rows with an open chain, the oldest ``StewardReportData/chainLimit`` kept, every one counted.
    var openChains: ReportTable
    var cases: Int

    /// Weeks of the trend, up to the newest start_time.
    static let trendWeeks = 13

    init(_ query: StewardReportQuery) throws {
        let readings = try query.read("sla_attainment", "case_fulfilment")
        slaAttainment = readings.table("sla_attainment")
        openChains = readings.openChains
        cases = readings.table("case_fulfilment").total
        let sql = ReportSQL(registry: query.catalogue.registry)
        let start = sql.column("s", "start_time", of: "task_sla")
        // A week starts on Monday: the Sunday on or after a day, less six days.
        for row in try query.connection.rows("""
            SELECT date(\(start), 'weekday 0', '-6 days') AS week, count(*),
                   sum(\(sql.column("s", "stage", of: "task_sla")) = 'completed' AND coalesce(\(sql.column("s", "has_breached", of: "task_sla")), 0) = 0),
                   sum(\(sql.column("s", "has_breached", of: "task_sla")) = 1)
            FROM \(sql.table("task_sla")) s
            WHERE \(start) > datetime((SELECT max(\(sql.column("m", "start_time", of: "task_sla"))) FROM \(sql.table("task_sla")) m), '-\(Self.trendWeeks * 7) days')
            GROUP BY week ORDER BY week
            """) {
            slaWeeks.append(.init(week: row[0].text ?? "", slas: Int(row[1].integer ?? 0), met: Int(row[2].integer ?? 0),
                                  breached: Int(row[3].integer ?? 0)))
        }
        slaWeeks = Self.everyWeek(slaWeeks)
    }

    /// `weeks` with the weeks between them that started no SLA, so the trend's axis is even.
    static func everyWeek(_ weeks: [StewardReportData.SLAWeek]) -> [StewardReportData.SLAWeek] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        guard let first = weeks.first.flatMap({ formatter.date(from: $0.week) }),
              let last = weeks.last.flatMap({ formatter.date(from: $0.week) }) else { return weeks }
        let known = Dictionary(weeks.map { ($0.week, $0) }, uniquingKeysWith: { first, _ in first })
        return stride(from: first.timeIntervalSince1970, through: last.timeIntervalSince1970, by: 7 * 86_400).map { seconds in
            let week = formatter.string(from: Date(timeIntervalSince1970: seconds))
            return known[week] ?? .init(week: week, slas: 0, met: 0, breached: 0)
        }
    }
}
