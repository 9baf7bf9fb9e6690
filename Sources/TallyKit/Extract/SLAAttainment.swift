import TallyStore

/// `sla_attainment`, computed in one pass over the task SLAs. In SQL, each SLA's task was looked up
/// in every task table by sys_id or number (ten index probes a row), and the windows were grouped
/// and sorted by window functions; here SQLite looks each task up by sys_id (by number only when
/// that fails, as a pending reference holds it) and Swift groups, counts and ranks. SQLite still
/// does the arithmetic it printed before (`datetime`, `printf`), so the bytes stay the same.
struct SLAAttainment {
    /// The task entities, in the order the task type is decided (the registry's for `task`).
    let targets: [String]
    let rowsSQL: String
    let asOfSQL: String
    /// Per target: the SQL that finds a task by its business key (a pending reference's number).
    let byNumberSQL: [String]
    /// Per target: its number prefix; a number is looked up only in the entity whose prefix it
    /// carries, as `ReferenceResolver` does (a pending sys_id costs no lookup at all).
    let prefixes: [String?]

    init(_ sql: ReportSQL) {
        let s = { sql.column("s", $0, of: "task_sla") }
        targets = sql.entity("task_sla").field(named: "task")?.type.referenceTargets ?? []
        let aliases = targets.indices.map { "t\($0)" }
        let joins = zip(targets, aliases).map { target, alias in
            "LEFT JOIN \(sql.table(target)) \(alias) ON \(sql.column(alias, "sys_id", of: target)) = \(s("task"))"
        }
        let type = "CASE " + aliases.enumerated().map { "WHEN \($1)._id IS NOT NULL THEN \($0)" }.joined(separator: " ") + " ELSE -1 END"
        let id = "coalesce(" + aliases.map { "\($0)._id" }.joined(separator: ", ") + ")"
        let priority = "coalesce(" + zip(targets, aliases).map { sql.column($1, "priority", of: $0) }.joined(separator: ", ") + ")"
        let breached = "coalesce(\(s("has_breached")), 0)"
        rowsSQL = """
            SELECT \(s("task")), coalesce(nullif(\(s("sla_display")), ''), \(s("sla"))), \(s("start_time")),
                   \(s("stage")) = 'completed' AND \(breached) = 0, \(breached) = 1, \(s("stage")) IN ('in_progress', 'paused'),
                   \(s("stage")) = 'cancelled', \(s("business_percentage")), coalesce(\(s("stage")), '') <> 'cancelled',
                   \(type), \(id), \(priority)
            FROM \(sql.table("task_sla")) s
            \(joins.joined(separator: "\n"))
            """
        asOfSQL = "SELECT max(\(s("start_time"))) FROM \(sql.table("task_sla")) s"
        prefixes = targets.map { sql.entity($0).numberPrefix }
        byNumberSQL = targets.map { target in
            "SELECT _id, \(sql.column("t", "priority", of: target)) FROM \(sql.table(target)) t "
                + "WHERE \(sql.column("t", sql.businessKey(of: target), of: target)) = ? ORDER BY _id LIMIT 1"
        }
    }

    /// A group of the report: window, task type, the task's priority, the SLA definition.
    struct Key: Hashable {
        var window: String
        var taskType: String
        var priority: SQLValue
        var definition: String?
    }

    /// A task as `count(DISTINCT task)` tells them apart: a stored task by its table and id, a
    /// pending one by the reference it holds.
    enum TaskKey: Hashable {
        case resolved(Int64)
        case unresolved(String)
    }

    /// What a group counts. A flag that is NULL for every SLA of the group sums to NULL, as in SQL.
    struct Group {
        var slas = 0
        var tasks = Set<TaskKey>()
        var met: Int?, breached: Int?, open: Int?, cancelled: Int?
        var businessPercentages: [Double] = []

        mutating func add(task: TaskKey?, met: Int?, breached: Int?, open: Int?, cancelled: Int?, percentage: Double?) {
            slas += 1
            if let task { tasks.insert(task) }
            self.met = SLAAttainment.add(met, to: self.met)
            self.breached = SLAAttainment.add(breached, to: self.breached)
            self.open = SLAAttainment.add(open, to: self.open)
            self.cancelled = SLAAttainment.add(cancelled, to: self.cancelled)
            if let percentage { businessPercentages.append(percentage) }
        }
    }

    func rows(_ connection: Connection, _ body: ([String?]) throws -> Void) throws {
        let asOf = try connection.scalar(asOfSQL)
        let windows = try ReportCatalogue.slaWindows.map { days -> (name: String, after: String?) in
            ("\(days)d", try connection.scalar("SELECT datetime(?, ?)", [asOf, .text("-\(days) days")]).text)
        }
        var groups: [Key: Group] = [:]
        try connection.forEachRow(rowsSQL) { (row: Statement) throws(StoreError) in
            guard let start = row.text(2) else { return }
            let inWindows = windows.filter { $0.after.map { $0.utf8.lexicographicallyPrecedes(start.utf8) } ?? false }
            guard !inWindows.isEmpty else { return }
            var type = Int(row.int64(9)), id = row.isNull(10) ? nil : Optional(row.int64(10)), priority = row.value(11)
            let task = row.text(0)
            if type < 0, let task, !task.isEmpty, let found = try lookUpByNumber(task, in: connection) {
                (type, id, priority) = (found.type, found.id, found.priority)
            }
            let taskType = type >= 0 ? targets[type] : "(unresolved)"
            let definition = row.text(1)
            func flag(_ column: Int32) -> Int? { row.isNull(column) ? nil : Int(row.int64(column)) }
            let (met, breached, open, cancelled) = (flag(3), flag(4), flag(5), flag(6))
            let percentage: Double? = !row.isNull(7) && row.int64(8) == 1 ? row.double(7) : nil
            let taskKey: TaskKey? = id.map { .resolved(Int64(type) << 48 | $0) } ?? task.map(TaskKey.unresolved)
            for window in inWindows {
                // Modified in place: a copy of the group would copy its sets for every row.
                groups[Key(window: window.name, taskType: taskType, priority: priority, definition: definition), default: Group()]
                    .add(task: taskKey, met: met, breached: breached, open: open, cancelled: cancelled, percentage: percentage)
            }
        }
        let format = try connection.prepare("SELECT printf('%.2f', ?)")
        let rate = try connection.prepare("SELECT CASE WHEN (?2) > 0 THEN printf('%.1f', 100.0 * (?1) / (?2)) END")
        func text(_ statement: Statement, _ values: [SQLValue]) throws -> String? {
            defer { statement.reset() }
            try statement.bind(values)
            return try statement.step() ? statement.text(0) : nil
        }
        for (key, group) in groups.sorted(by: { Self.precedes($0.key, $1.key) }) {
            let sorted = group.businessPercentages.sorted()
            let percentiles = try [50, 90].map { percent -> String? in
                guard let value = Self.percentile(percent, of: sorted) else { return nil }
                return try text(format, [.real(value)])
            }
            let decided: SQLValue = group.met.map { met in .integer(Int64(met + (group.breached ?? 0))) } ?? .null
            let breachRate = group.breached == nil ? nil : try text(rate, [.integer(Int64(group.breached ?? 0)), decided])
            let priority: String? = switch key.priority {
            case .null: nil
            case .integer(let number): String(number)
            case .real(let number): String(number)
            case .text(let text): text
            case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
            }
            try body([key.window, key.taskType, priority, key.definition, String(group.slas),
                      String(group.tasks.count),
                      group.met.map(String.init), group.breached.map(String.init), group.open.map(String.init),
                      group.cancelled.map(String.init), breachRate, percentiles[0], percentiles[1], asOf.text])
        }
    }

    /// A pending task reference (a number): the first task entity holding that number.
    private func lookUpByNumber(_ number: String, in connection: Connection) throws(StoreError) -> (type: Int, id: Int64, priority: SQLValue)? {
        for (type, sql) in byNumberSQL.enumerated() where prefixes[type].map(number.hasPrefix) ?? true {
            let rows = try connection.rows(sql, [.text(number)])
            if let row = rows.first, let id = row[0].integer { return (type, id, row[1]) }
        }
        return nil
    }

    /// SQL's `sum` of a flag: NULL until a row gives a value.
    private static func add(_ value: Int?, to sum: Int?) -> Int? {
        guard let value else { return sum }
        return (sum ?? 0) + value
    }

    /// The `percent`th percentile of `sorted`: linear interpolation between closest ranks (the
    /// "R-7" / Excel PERCENTILE.INC definition, position 1 + p·(n−1)), in the floating-point steps
    /// the report's SQL took, so SQLite's `printf` writes the same digits.
    static func percentile(_ percent: Int, of sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = percent * (sorted.count - 1)
        let low = sorted[position / 100], high = position / 100 + 1 < sorted.count ? sorted[position / 100 + 1] : low
        return low + (Double(position % 100) / 100.0) * (high - low)
    }

    /// The report's order, as SQLite sorts the columns: window, task type, priority (NULL, then
    /// numbers, then text), definition (NULL first), text by bytes.
    static func precedes(_ a: Key, _ b: Key) -> Bool {
        if a.window != b.window { return a.window.utf8.lexicographicallyPrecedes(b.window.utf8) }
        if a.taskType != b.taskType { return a.taskType.utf8.lexicographicallyPrecedes(b.taskType.utf8) }
        if a.priority != b.priority {
            let (x, y) = (rank(a.priority), rank(b.priority))
            if x.kind != y.kind { return x.kind < y.kind }
            return x.kind == 1 ? x.number < y.number : x.bytes.lexicographicallyPrecedes(y.bytes)
        }
        switch (a.definition, b.definition) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let x?, let y?): return x.utf8.lexicographicallyPrecedes(y.utf8)
        }
    }

    private static func rank(_ value: SQLValue) -> (kind: Int, number: Double, bytes: [UInt8]) {
        switch value {
        case .null: (0, 0, [])
        case .integer(let number): (1, Double(number), [])
        case .real(let number): (1, number, [])
        case .text(let text): (2, 0, Array(text.utf8))
        case .blob(let bytes): (3, 0, bytes)
        }
    }
}
