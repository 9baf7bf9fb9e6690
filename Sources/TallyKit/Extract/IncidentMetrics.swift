import TallyStore

/// `incident_metrics`, computed in one pass over the incidents. In SQL each dimension ranked the
/// incidents by time to resolve with a window of its own — three sorts of the whole table, most of
/// the report's time; here the per-row values come from SQLite, and each group's times are sorted
/// once, where its percentiles are read.
enum IncidentMetrics {
    /// The dimensions, in the report's order: every incident, by priority, by assignment group.
    static let dimensions = ["all", "priority", "assignment_group"]

    /// One row an incident: its priority and assignment group as the report names them, whether it
    /// is done, resolved, made its SLA (known or not), was reopened, and its seconds to resolve.
    static func rowsSQL(_ sql: ReportSQL) -> String {
        let i = { sql.column("i", $0, of: "incident") }
        return """
            SELECT coalesce(CAST(\(i("priority")) AS TEXT), '(none)'),
                   coalesce(nullif(coalesce(nullif(\(i("assignment_group_display")), ''), \(i("assignment_group"))), ''), '(none)'),
                   coalesce(\(i("state")) IN (\(ReportCatalogue.incidentDoneStates)), 0), \(i("resolved_at")) IS NOT NULL,
                   coalesce(\(i("made_sla")) = 1, 0), \(i("made_sla")) IS NOT NULL, coalesce(\(i("reopen_count")), 0) > 0,
                   CASE WHEN \(i("resolved_at")) IS NOT NULL AND \(i("opened_at")) IS NOT NULL
                        THEN CAST(strftime('%s', \(i("resolved_at"))) AS INTEGER) - CAST(strftime('%s', \(i("opened_at"))) AS INTEGER) END
            FROM \(sql.table("incident")) i
            """
    }

    /// What a group counts.
    struct Group {
        var opened = 0, backlog = 0, resolved = 0, made = 0, known = 0, reopened = 0
        /// Seconds to resolve of the incidents that have both times.
        var seconds: [Int64] = []

        mutating func add(_ row: Statement) {
            opened += 1
            if row.int64(2) == 0 { backlog += 1 }
            resolved += Int(row.int64(3))
            made += Int(row.int64(4))
            known += Int(row.int64(5))
            reopened += Int(row.int64(6))
            if !row.isNull(7) { seconds.append(row.int64(7)) }
        }
    }

    /// Calls `body` with the report's rows, in its order (dimension, then value as SQLite orders text).
    static func rows(_ connection: Connection, sql: String, _ body: ([String?]) throws -> Void) throws {
        var groups = [[String: Group]](repeating: [:], count: dimensions.count)
        try connection.forEachRow(sql) { row in
            let values = ["all", row.text(0) ?? "(none)", row.text(1) ?? "(none)"]
            for (dimension, value) in values.enumerated() { groups[dimension][value, default: Group()].add(row) }
        }
        for (dimension, name) in dimensions.enumerated() {
            for (value, group) in groups[dimension].sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                let seconds = group.seconds.sorted()
                try body([name, value, String(group.opened), String(group.backlog), String(group.resolved),
                          percentileHours(50, of: seconds), percentileHours(90, of: seconds),
                          percent(group.made, of: group.known), percent(group.reopened, of: group.opened)])
            }
        }
    }

    /// The `percent`th percentile of `sorted` seconds in hours with two decimals: linear
    /// interpolation between closest ranks (position 1 + p·(n−1), the "R-7" / Excel PERCENTILE.INC
    /// definition), exact in integers; nil for no values.
    static func percentileHours(_ percent: Int64, of sorted: [Int64]) -> String? {
        guard !sorted.isEmpty else { return nil }
        let position = percent * Int64(sorted.count - 1)
        let lower = Int(position / 100), fraction = position % 100
        let low = sorted[lower], high = lower + 1 < sorted.count ? sorted[lower + 1] : low
        // hours = (low + fraction/100 · (high − low)) / 3600
        return fixed(100 * low + fraction * (high - low), over: 360_000, decimals: 2)
    }

    /// `numerator` as a percentage of `denominator` with one decimal; nil when it is zero.
    static func percent(_ numerator: Int, of denominator: Int) -> String? {
        denominator > 0 ? fixed(100 * Int64(numerator), over: Int64(denominator), decimals: 1) : nil
    }

    /// `numerator / denominator` with `decimals` decimals, as SQLite's `printf('%.Nf')` writes it:
    /// rounded half away from zero, and a negative value keeps its sign when it rounds to zero.
    static func fixed(_ numerator: Int64, over denominator: Int64, decimals: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let magnitude = numerator.magnitude * UInt64(scale)
        let rounded = (2 * magnitude + UInt64(denominator)) / (2 * UInt64(denominator))
        let fraction = String(rounded % UInt64(scale))
        return (numerator < 0 ? "-" : "") + String(rounded / UInt64(scale)) + "."
            + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
