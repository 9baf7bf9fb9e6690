import Foundation
import TallyStore

/// Checks that a store holds: SQLite's integrity and foreign keys, the run ledger, conservation of
/// the counts, the audit against current values, pending references, kept inputs.
///
/// Its one write marks a run left `running` by a dead process `abandoned`, once none of its
/// data is found committed.
package struct StoreCheck {
    let database: TallyDatabase
    var connection: Connection { database.connection }
    /// Records per entity whose audit trail is replayed and compared.
    package var sampleSize: Int
    /// Whether a process id belongs to a live process (replaceable in tests).
    var isAlive: (Int64) -> Bool = StoreCheck.processExists
    /// Whether a writer holds the store's lock now (replaceable in tests): then its running run is
    /// live, whatever `isAlive` says of a process id from another PID namespace.
    var lockIsHeld: (String) -> Bool = StoreLock.isHeld(storePath:)

    package init(database: TallyDatabase, sampleSize: Int = 1_000) {
        self.database = database
        self.sampleSize = sampleSize
    }

    /// Runs every check in order; marks dead runs abandoned unless `repair` is false.
    package func run(repair: Bool = true) throws -> StoreCheckReport {
        var report = StoreCheckReport(store: database.path)
        report.entries.append(Self.attempt(.integrity) { try integrity() })
        report.entries.append(Self.attempt(.foreignKeys) { try foreignKeys() })
        report.entries.append(Self.attempt(.runs) { try runs(repair: repair, repairs: &report.repairs) })
        report.entries.append(Self.attempt(.conservation) { try conservation() })
        report.entries.append(Self.attempt(.audit) { try audit() })
        report.entries.append(Self.attempt(.references) { try references() })
        report.entries.append(Self.attempt(.keptInputs) { try keptInputs() })
        return report
    }

    /// A check's entry, or, when the check cannot be run (a corrupt page, an I/O error), an entry
    /// that says so: a damaged store gets a report, not a stop at the first unreadable page.
    static func attempt(_ check: StoreCheckReport.Check, _ body: () throws -> StoreCheckReport.Entry) -> StoreCheckReport.Entry {
        do {
            return try body()
        } catch {
            return .init(check: check, summary: "could not be run", problems: [
                .init(check: check, severity: .error, message: "the check could not read the store: \(error)")])
        }
    }

    // MARK: - SQLite

    func integrity() throws -> StoreCheckReport.Entry {
        let found: [String]
        do throws(StoreError) {
            found = try connection.integrityCheck()
        } catch {
            guard error.isCorrupt else { throw error }
            return try unreadableTables(integrityError: error)
        }
        let problems = found.map { StoreCheckReport.Problem(check: .integrity, severity: .error, message: $0) }
        return .init(check: .integrity, summary: "PRAGMA integrity_check" + (problems.isEmpty ? ": ok" : ": \(problems.count) problem(s)"), problems: problems)
    }

    /// When `integrity_check` stops at a page it cannot walk: which tables can no longer be read whole.
    func unreadableTables(integrityError: StoreError) throws -> StoreCheckReport.Entry {
        var problems = [StoreCheckReport.Problem(check: .integrity, severity: .error,
                                                 message: "PRAGMA integrity_check stopped: \(integrityError.message)")]
        for name in try connection.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap({ $0.first?.text }) {
            do throws(StoreError) {
                _ = try connection.scalar("SELECT count(*) FROM (SELECT * FROM \"\(name)\" NOT INDEXED)")
            } catch {
                problems.append(.init(check: .integrity, severity: .error, message: "table \(name) cannot be read whole: \(error.message)"))
            }
        }
        return .init(check: .integrity, summary: "PRAGMA integrity_check: the store is damaged; \(problems.count - 1) table(s) cannot be read", problems: problems)
    }

    func foreignKeys() throws -> StoreCheckReport.Entry {
        let violations = try connection.foreignKeyCheck()
        let problems = violations.map { violation in
            StoreCheckReport.Problem(check: .foreignKeys, severity: .error,
                                     message: "\(violation.table) row \(violation.rowID.map(String.init) ?? "?") refers to a missing \(violation.parent) row")
        }
        return .init(check: .foreignKeys, summary: "PRAGMA foreign_key_check: \(violations.count) violation(s)", problems: problems)
    }

    // MARK: - Runs

    /// Tables whose rows belong to a run and are written in the run's data transaction.
    static let runDataTables = ["findings", "conflicts", "run_inputs", "case_journal", "case_derived"]  // audit: see runs()

    /// Marks runs (and job runs) left `running` by dead processes abandoned; checks that runs
    /// which did not commit own no data, and that statuses are known.
    func runs(repair: Bool, repairs: inout [String]) throws -> StoreCheckReport.Entry {
        var problems: [StoreCheckReport.Problem] = []
        let running = try connection.rows("SELECT id, pid FROM runs WHERE status = 'running' ORDER BY id")
        var dead: [Int64] = [], live: [Int64] = []
        let locked = lockIsHeld(database.path)
        for row in running {
            guard let id = row[0].integer else { continue }
            if !locked, let pid = row[1].integer, !isAlive(pid) { dead.append(id) } else { live.append(id) }
        }
        let deadJobs = locked ? [] : try connection.rows("SELECT id, pid FROM job_runs WHERE status = 'running' ORDER BY id")
            .filter { row in row[1].integer.map { !isAlive($0) } ?? false }.compactMap { $0[0].integer }
        if !dead.isEmpty || !deadJobs.isEmpty {
            if repair {
                do {
                    try connection.transaction {
                        for id in dead {
                            try connection.run("UPDATE runs SET status = 'abandoned', finished_at = coalesce(finished_at, ?), message = coalesce(message, ?) WHERE id = ? AND status = 'running'",
                                               [.text(Timestamp.now()), .text("its process died before the run finished; nothing of it was committed (marked by tally check)"), .integer(id)])
                        }
                        for id in deadJobs {
                            try connection.run("UPDATE job_runs SET status = 'abandoned', finished_at = coalesce(finished_at, ?) WHERE id = ? AND status = 'running'",
                                               [.text(Timestamp.now()), .integer(id)])
                        }
                    }
                    if !dead.isEmpty { repairs.append("marked run(s) \(dead.map(String.init).joined(separator: ", ")) abandoned: left running by a process that no longer exists") }
                    if !deadJobs.isEmpty { repairs.append("marked job run(s) \(deadJobs.map(String.init).joined(separator: ", ")) abandoned") }
                } catch {
                    problems.append(.init(check: .runs, severity: .error, message: "run(s) \(dead.map(String.init).joined(separator: ", ")) were left running by a dead process, and could not be marked abandoned: \(error)"))
                }
            } else {
                problems.append(.init(check: .runs, severity: .warning, message: "run(s) \(dead.map(String.init).joined(separator: ", ")) were left running by a dead process (not marked: read-only check)"))
            }
        }
        // A run that did not commit owns no data: its transaction was rolled back, or never committed.
        let uncommitted = "SELECT id, status FROM runs WHERE status IN ('failed', 'abandoned', 'skipped') OR (status = 'running' AND id IN (\(dead.map(String.init).joined(separator: ","))))"
        for row in try connection.rows(uncommitted) {
            guard let id = row[0].integer else { continue }
            for table in Self.runDataTables {
                let count = try connection.scalar("SELECT count(*) FROM \(table) WHERE run = ?", [.integer(id)]).integer ?? 0
                if count > 0 {
                    problems.append(.init(check: .runs, severity: .error, message: "run \(id) is \(row[1].text ?? "?") but \(count) \(table) row(s) of it were committed"))
                }
            }
        }
        // Audit rows: one scan finds those of runs that did not commit, and those outside the id
        // range their run row records (AuditSpan), where rollback and change reports cannot see them.
        let uncommittedStatuses: [RunStatus] = [.failed, .abandoned, .skipped, .running]
        let misplaced = try connection.rows("""
            SELECT a.run, r.status, count(*), r.audit_first, r.audit_last FROM audit a JOIN runs r ON r.id = a.run
            WHERE r.status IN (\(uncommittedStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")))
               OR r.audit_first IS NULL OR a.id < r.audit_first OR a.id > r.audit_last
            GROUP BY a.run ORDER BY a.run
            """)
        for row in misplaced {
            let run = row[0].integer ?? 0, status = row[1].text ?? "?", count = row[2].integer ?? 0
            if let known = RunStatus(rawValue: status), uncommittedStatuses.contains(known) {
                problems.append(.init(check: .runs, severity: .error, message: "run \(run) is \(status) but \(count) audit row(s) of it were committed"))
            } else {
                let range = row[3].integer.map { "\($0)…\(row[4].integer ?? 0)" } ?? "none"
                problems.append(.init(check: .runs, severity: .error, message: "\(count) audit row(s) of run \(run) lie outside the audit ids its run row records (\(range)), so rollback and the run's change reports cannot see them"))
            }
        }
        let known = RunStatus.allCases.filter { $0 != .dryRun }.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        for row in try connection.rows("SELECT id, status FROM runs WHERE status NOT IN (\(known)) ORDER BY id") {
            problems.append(.init(check: .runs, severity: .error, message: "run \(row[0].integer ?? 0) has an unknown status '\(row[1].text ?? "")'"))
        }
        for row in try connection.rows("SELECT id FROM runs WHERE status IN ('committed', 'rolled_back') AND finished_at IS NULL ORDER BY id") {
            problems.append(.init(check: .runs, severity: .error, message: "run \(row[0].integer ?? 0) is committed but has no finish time"))
        }
        let total = try connection.scalar("SELECT count(*) FROM runs").integer ?? 0
        var summary = "\(total) run(s)"
        if !live.isEmpty { summary += "; run(s) \(live.map(String.init).joined(separator: ", ")) in progress" + (locked ? " (the store's lock is held)" : "") }
        if !dead.isEmpty { summary += "; \(dead.count) abandoned by a dead process" }
        return .init(check: .runs, summary: summary, problems: problems)
    }

    // MARK: - Conservation

    static let countColumns = RunCounts.Field.rows.map(\.name)

    /// read = inserted + updated + unchanged + skipped_stale + rejected, for every run and every
    /// input; a run's counts are the sum of its inputs', and agree with its audit (``countsAgainstAudit()``).
    func conservation() throws -> StoreCheckReport.Entry {
        var problems: [StoreCheckReport.Problem] = []
        let sum = Self.countColumns.dropFirst().joined(separator: " + ")
        for row in try connection.rows("SELECT id, read, \(sum) FROM runs WHERE read <> \(sum) ORDER BY id") {
            problems.append(.init(check: .conservation, severity: .error,
                                  message: "run \(row[0].integer ?? 0) read \(row[1].integer ?? 0) rows but accounts for \(row[2].integer ?? 0) (\(sum))"))
        }
        for row in try connection.rows("SELECT run, position, path, read, \(sum) FROM run_inputs WHERE read <> \(sum) ORDER BY run, position") {
            problems.append(.init(check: .conservation, severity: .error,
                                  message: "run \(row[0].integer ?? 0) input \(row[1].integer ?? 0) (\(row[2].text ?? "")) read \(row[3].integer ?? 0) rows but accounts for \(row[4].integer ?? 0)"))
        }
        let sums = Self.countColumns.map { "sum(i.\($0)) AS \($0)" }.joined(separator: ", ")
        let differs = Self.countColumns.map { "r.\($0) <> s.\($0)" }.joined(separator: " OR ")
        for row in try connection.rows("""
            SELECT r.id FROM runs r JOIN (SELECT run, \(sums.replacingOccurrences(of: "i.", with: "")) FROM run_inputs GROUP BY run) s ON s.run = r.id
            WHERE \(differs) ORDER BY r.id
            """) {
            problems.append(.init(check: .conservation, severity: .error,
                                  message: "run \(row[0].integer ?? 0)'s counts are not the sum of its inputs' counts"))
        }
        let (mismatches, checked) = try countsAgainstAudit()
        problems += mismatches
        let runs = try connection.scalar("SELECT count(*) FROM runs").integer ?? 0
        let inputs = try connection.scalar("SELECT count(*) FROM run_inputs").integer ?? 0
        return .init(check: .conservation, summary: "\(runs) run(s), \(inputs) input(s); \(checked) import(s) held to their audit", problems: problems)
    }

    /// Each committed import's counts against its audit: `inserted` = its insert rows, `updated` =
    /// the input rows with field changes (audit rows carry the row that made them, `input_row`;
    /// writes no row made — case links, references resolved, retirement — carry none). Runs from
    /// before `input_row` (their audit rows have none) and runs whose audit was pruned are skipped.
    /// Returns the problems found and how many runs were checked.
    func countsAgainstAudit() throws -> (problems: [StoreCheckReport.Problem], checked: Int) {
        let pruned = try prunedBoundary()
        let rows = try connection.rows("""
            SELECT r.id, r.inserted, r.updated,
                   (SELECT count(*) FROM audit a WHERE \(AuditSpan.rows(in: "a", ofRun: "r")) AND a.field = '\(AuditTrail.insertField)' AND a.input_row IS NOT NULL),
                   (SELECT count(DISTINCT a.input_row) FROM audit a WHERE \(AuditSpan.rows(in: "a", ofRun: "r"))
                      AND a.field NOT IN ('\(AuditTrail.insertField)', '\(AuditTrail.removeField)') AND a.input_row IS NOT NULL),
                   r.audit_first IS NULL,
                   EXISTS (SELECT 1 FROM audit a WHERE \(AuditSpan.rows(in: "a", ofRun: "r")) AND a.input_row IS NOT NULL)
            FROM runs r
            WHERE r.status IN ('committed', 'rolled_back') AND r.kind IN ('import', 'rerun') AND r.id > ?
            ORDER BY r.id
            """, [.integer(pruned)])
        var problems: [StoreCheckReport.Problem] = []
        var checked = 0
        for row in rows {
            let (run, inserted, updated) = (row[0].integer ?? 0, row[1].integer ?? 0, row[2].integer ?? 0)
            let (auditInserted, auditUpdated) = (row[3].integer ?? 0, row[4].integer ?? 0)
            let noAudit = row[5].integer == 1, marked = row[6].integer == 1
            guard marked || noAudit else { continue }  // written before audit rows named their input row
            checked += 1
            if inserted != auditInserted {
                problems.append(.init(check: .conservation, severity: .error,
                                      message: "run \(run) counts \(inserted) inserted, but its audit records \(auditInserted) insert(s)"))
            }
            if updated != auditUpdated {
                problems.append(.init(check: .conservation, severity: .error,
                                      message: "run \(run) counts \(updated) updated, but its audit records field changes by \(auditUpdated) row(s)"))
            }
        }
        return (problems, checked)
    }

    // MARK: - References

    /// Counts open pending references; one whose record is gone is an error, one whose target
    /// now exists (it should have been resolved) a warning.
    func references() throws -> StoreCheckReport.Entry {
        var problems: [StoreCheckReport.Problem] = []
        let open = try connection.scalar("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NULL").integer ?? 0
        let resolved = try connection.scalar("SELECT count(*) FROM pending_references WHERE resolved_in_run IS NOT NULL").integer ?? 0
        var resolvable = 0
        for entity in database.registry.entities {
            let table = EntityTable(entity).name
            let orphans = try connection.scalar("""
                SELECT count(*) FROM pending_references p WHERE p.entity = ? AND NOT EXISTS (SELECT 1 FROM \(table) t WHERE t._id = p.record)
                """, [.text(entity.name)]).integer ?? 0
            if orphans > 0 {
                problems.append(.init(check: .references, severity: .error, message: "\(orphans) pending reference(s) of \(entity.name) belong to records that do not exist"))
            }
            let resolver = ReferenceResolver(connection: connection, entity: entity, registry: database.registry)
            for slot in resolver.slots {
                var examples: [String] = []
                var count = 0
                // `+`: page along the table's own key, not the (entity, record, field) index.
                try connection.forEachPage("""
                    SELECT id, raw_value FROM pending_references
                    WHERE +entity = ? AND +field = ? AND resolved_in_run IS NULL AND id > ? ORDER BY id LIMIT ?
                    """, [.text(entity.name), .text(slot.field)]) { row in
                    guard let raw = row[1].text, case .found = try resolver.lookUp(raw, in: slot) else { return }
                    count += 1
                    if examples.count < 3 { examples.append(raw) }
                }
                if count > 0 {
                    resolvable += count
                    problems.append(.init(check: .references, severity: .warning,
                                          message: "\(count) pending \(entity.name).\(slot.field) reference(s) to \(slot.target) now have a target (e.g. \(examples.joined(separator: ", "))); the next import of \(slot.target) resolves them"))
                }
            }
        }
        problems += try recordsSharingAnIdentity()
        return .init(check: .references, summary: "\(open) pending, \(resolved) resolved" + (resolvable > 0 ? ", \(resolvable) resolvable now" : ""), problems: problems)
    }

    /// Records that share an identifier rule made of references once those resolved, one of them
    /// without a sys_id: the same platform record given by number in one input (a list view) and by
    /// sys_id in another, both before their targets, could match neither way and was stored twice. Undone by rolling the later run back
    /// and importing its input again, now that the references resolve.
    func recordsSharingAnIdentity() throws -> [StoreCheckReport.Problem] {
        var problems: [StoreCheckReport.Problem] = []
        for entity in database.registry.entities {
            for rule in entity.identifierRules where rule.contains(where: { !(entity.field(named: $0)?.type.referenceTargets.isEmpty ?? true) }) {
                let columns = rule.map(EntityTable.quoted)
                let table = EntityTable(entity).name
                try connection.forEachRow("""
                    SELECT count(*), min(_id), max(_id), max(\(BookkeepingColumn.createdRun.name)) FROM \(table)
                    WHERE \(columns.map { "\($0) IS NOT NULL" }.joined(separator: " AND ")) AND \(BookkeepingColumn.deletedAt.name) IS NULL
                    GROUP BY \(columns.joined(separator: ", ")) HAVING count(*) > 1 AND sum("sys_id" IS NULL) > 0 ORDER BY min(_id) LIMIT 20
                    """, []) { row in
                    let run = row.isNull(3) ? "the later run" : "run \(row.int64(3))"
                    let command = row.isNull(3) ? "" : " (`tally rollback \(row.int64(3)) --force`: the changes since are its references resolving)"
                    problems.append(.init(check: .references, severity: .warning, message: """
                        \(row.int64(0)) \(entity.name) records (#\(row.int64(1)) and #\(row.int64(2))) share \(rule.joined(separator: " + ")): \
                        one record of the platform given by number and by sys_id before its targets were loaded; \
                        roll back \(run) and import its input again\(command) — its references resolve now, and its rows match
                        """))
                }
            }
        }
        return problems
    }

    // MARK: - Processes

    /// Whether `pid` is a live process on this host (`kill(pid, 0)`; EPERM means it exists).
    static func processExists(_ pid: Int64) -> Bool {
        guard pid > 0, pid <= Int64(Int32.max) else { return false }
        if pid == Int64(getpid()) { return true }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }
}
