import Foundation
import Testing
import TestSupport
@testable import TallyKit
import TallyStore

/// Issue 30: task SLAs, work orders, work tasks, knowledge and citations (the real-shapes fixtures),
/// imported with the incidents and the case they point at in any order — task SLAs and citations
/// before their tasks, work tasks before their work orders — give the same store, and every
/// reference to a record some file holds resolves.
@Suite("Task SLAs, work orders, knowledge and citations in any order")
struct PlatformEntityOrderTests {
    /// One import: a real-shapes fixture, or (`case`) the case CS0001042 the fixtures point at and hold nowhere.
    struct Input: CustomStringConvertible {
        var file: String
        var entity: String
        var description: String { file }
    }

    static let theCase = Input(file: "case", entity: "case")
    /// Every reference by sys_id (`{"link", "value"}`), to an incident or the case by the same field.
    static let tableAPI: [Input] = [
        Input(file: "incident-table-api.json", entity: "incident"), theCase,
        Input(file: "knowledge-table-api.json", entity: "knowledge"),
        Input(file: "work-order-table-api.json", entity: "work_order"),
        Input(file: "task-sla-table-api.json", entity: "task_sla"),
        Input(file: "work-task-table-api.json", entity: "work_task"),
        Input(file: "kb-citation-table-api.json", entity: "kb_citation"),
    ]
    /// Every reference by number (`INC0010003`, `CS0001042`, `WO0010001`, `KB0010001`).
    static let listViews: [Input] = [
        Input(file: "incident-table-api.json", entity: "incident"), theCase,
        Input(file: "knowledge-list-view.csv", entity: "knowledge"),
        Input(file: "work-order-list-view.csv", entity: "work_order"),
        Input(file: "work-task-list-view.csv", entity: "work_task"),
        Input(file: "kb-citation-list-view.csv", entity: "kb_citation"),
    ]
    static let entities = ["incident", "case", "knowledge", "task_sla", "work_order", "work_task", "kb_citation"]

    /// The orders tried: targets first, dependents first (the reverse), and seeded shuffles.
    static func orders(of inputs: [Input], seed: UInt64) -> [[Input]] {
        var random = SeededGenerator(seed: seed)
        return [inputs, inputs.reversed()] + (0..<3).map { _ in inputs.shuffled(using: &random) }
    }

    /// What must not depend on the order: every entity's rows, and the references still pending.
    /// Rows are compared without `_id` (the order the records arrived in), `_input_hash` (a hint
    /// that lets the same row skip mapping next time, cleared when a later run resolves one of the
    /// record's references) and, of each `*_run` column, anything but whether it is set.
    struct Outcome: Equatable {
        var rows: [String: [[String]]]
        var pending: [[String]]
        var columns: [String: [String]]

        /// The first row of `entity` that differs from `other`'s, column by column.
        func difference(from other: Outcome, in entity: String) -> String {
            let (mine, theirs) = (rows[entity] ?? [], other.rows[entity] ?? [])
            guard let index = mine.indices.first(where: { $0 >= theirs.count || mine[$0] != theirs[$0] }) else {
                return "\(theirs.count - mine.count) more rows"
            }
            guard index < theirs.count else { return "\(mine.count - theirs.count) more rows" }
            let names = columns[entity] ?? []
            return names.indices.filter { mine[index][$0] != theirs[index][$0] }
                .map { "\(names[$0]): \(mine[index][$0]) against \(theirs[index][$0])" }.joined(separator: "; ")
        }
    }

    static func importing(_ inputs: [Input]) throws -> (StoreHarness, Outcome) {
        let store = try StoreHarness()
        for input in inputs {
            var path = Paths.fixture("real-shapes/" + input.file)
            if input.file == theCase.file {
                // md5("tally-real-shapes/sn_customerservice_case/CS0001042"), as the fixtures point at it.
                path = try Paths.write("sys_id,number,short_description,sys_updated_on\n"
                                       + "15a85232351d7085774dc9b7672324d2,CS0001042,Router replacement,2026-04-20 08:15:00\n",
                                       "case.csv", in: store.folder)
            }
            var request = ImportRequest(paths: [path], entity: input.entity, command: "test")
            request.settings.asOf = "2026-12-01 08:00:00"  // for the lists without an Updated column
            let result = try Importer(database: store.database).run(request)
            #expect(result.status == .committed && result.counts.rejected == 0 && result.counts.isConserved, "\(input): \(result.counts)")
        }
        var rows: [String: [[String]]] = [:]
        var names: [String: [String]] = [:]
        for entity in entities {
            let table = EntityTable(try #require(store.database.registry.entity(named: entity))).name
            let columns = try store.connection.rows("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(table)])
                .compactMap { $0.first?.text }.filter { $0 != "_id" && $0 != BookkeepingColumn.inputHash.name }
            names[entity] = columns
            let selected = columns.map { $0.hasSuffix("_run") ? "\"\($0)\" IS NOT NULL" : "quote(\"\($0)\")" }
            rows[entity] = try store.connection.rows("SELECT \(selected.joined(separator: ", ")) FROM \(table)")
                .map { row in row.map { $0.text ?? $0.integer.map(String.init) ?? "NULL" } }
                .sorted { $0.lexicographicallyPrecedes($1) }
        }
        let pending = try store.connection.rows("""
            SELECT entity, field, target_entity, raw_value FROM pending_references WHERE resolved_in_run IS NULL ORDER BY 1, 2, 3, 4
            """).map { $0.map { $0.text ?? "" } }
        return (store, Outcome(rows: rows, pending: pending, columns: names))
    }

    @Test(arguments: [("Table API exports", UInt64(30)), ("list views", UInt64(31))])
    func theSameStoreInEveryOrder(shape: String, seed: UInt64) throws {
        let inputs = shape == "list views" ? Self.listViews : Self.tableAPI
        let orders = Self.orders(of: inputs, seed: seed)
        let (store, baseline) = try Self.importing(orders[0])
        // Every reference to a record a file holds resolved: to an incident's or the case's sys_id,
        // to a work order's or an article's sys_id, or its number when the list gave no sys_id.
        let tasks = "(SELECT sys_id FROM entity_incident UNION SELECT sys_id FROM entity_case)"
        #expect(try store.count("SELECT count(*) FROM entity_work_order WHERE initiated_from NOT IN \(tasks)") == 0)
        #expect(try store.count("SELECT count(*) FROM entity_kb_citation WHERE task NOT IN \(tasks)") == 0)
        #expect(try store.count("SELECT count(*) FROM entity_task_sla WHERE task NOT IN \(tasks)") == 0)
        #expect(try store.count("SELECT count(*) FROM entity_kb_citation WHERE kb_knowledge NOT IN (SELECT coalesce(sys_id, number) FROM entity_knowledge)") == 0)
        #expect(try store.count("SELECT count(*) FROM entity_work_task WHERE parent NOT IN (SELECT coalesce(sys_id, number) FROM entity_work_order)") == 1)
        // The one reference to a record no file holds: WO0010099.
        let orphan = shape == "list views" ? "WO0010099" : "47b6ab7e4e223dfd65811266fd5fef3f"
        #expect(baseline.pending.filter { $0[0] != "incident" } == [["work_task", "parent", "work_order", orphan]])
        #expect(baseline.rows.mapValues(\.count) == ["incident": 20, "case": 1, "knowledge": 9, "work_order": 6, "work_task": 9,
                                                     "task_sla": shape == "list views" ? 0 : 11, "kb_citation": 9])
        for order in orders.dropFirst() {
            let other = try Self.importing(order).1
            for entity in Self.entities {
                #expect(other.rows[entity] == baseline.rows[entity], "\(entity) after \(order): \(other.difference(from: baseline, in: entity))")
            }
            #expect(other.pending == baseline.pending, "after \(order)")
        }
    }

    /// The same citations as a list (numbers) and as an export (sys_ids), both before their
    /// targets: the list's rows are identified by `kb_knowledge + task` against the export's
    /// unresolved sys_ids, match none, and are inserted as second records that the targets then
    /// resolve to the same values. After the targets, the same rows match. Nothing can tell a
    /// number from a sys_id of one record before the record is loaded, so `tally check` says so,
    /// and rolling the list's run back and importing it again settles it.
    @Test func citationsGivenByNumberAndBySysIDBeforeTheirTargets() throws {
        let targets = [Input(file: "knowledge-table-api.json", entity: "knowledge"),
                       Input(file: "incident-table-api.json", entity: "incident"), Self.theCase]
        let citations = [Input(file: "kb-citation-table-api.json", entity: "kb_citation"),
                         Input(file: "kb-citation-list-view.csv", entity: "kb_citation")]
        let after = try Self.importing(targets + citations).1
        #expect(after.rows["kb_citation"]?.count == 9)
        let (store, before) = try Self.importing(citations + targets)
        withKnownIssue("a record identified by references is not matched across a number and a sys_id before the target arrives") {
            #expect(before.rows["kb_citation"]?.count == 9)
        }
        // `tally check` names the nine pairs and what to do.
        var check = StoreCheck(database: store.database)
        check.isAlive = { _ in true }
        let warnings = try check.run().problems.filter { $0.check == .references }.map(\.message)
        #expect(warnings.count == 9 && warnings.allSatisfy { $0.contains("share kb_knowledge + task") && $0.contains("roll back run 2 and import its input again (`tally rollback 2 --force`") }, "\(warnings)")
        // The remedy: run 2 (the list) rolled back and imported again matches the export's records.
        _ = try Rollback(database: store.database).run(2, force: true, command: "test")
        var again = ImportRequest(paths: [Paths.fixture("real-shapes/kb-citation-list-view.csv")], entity: "kb_citation", command: "test")
        again.settings.asOf = "2026-12-01 08:00:00"
        let result = try Importer(database: store.database).run(again)
        #expect(result.counts.inserted == 0)
        #expect(try store.count("SELECT count(*) FROM entity_kb_citation") == 9)
        #expect(try check.run().problems.filter { $0.check == .references }.isEmpty)
    }

    /// A list view (display names beside empty references) and a Table API export (sys_ids, no
    /// display names) of the same articles at the same version end alike in either order: the same
    /// version names the same record, so the export's sys_id keeps the list's name beside it.
    @Test func aListViewAndATableAPIExportOfTheSameVersionInEitherOrder() throws {
        let api = Input(file: "knowledge-table-api.json", entity: "knowledge")
        let list = Input(file: "knowledge-list-view.csv", entity: "knowledge")
        let listLast = try Self.importing([api, list]).1
        #expect(listLast.rows["knowledge"]?.count == 9)
        #expect(listLast.rows["knowledge"]?.first.map { row in row.contains("'Finance'") } == true)
        let apiLast = try Self.importing([list, api]).1
        #expect(apiLast.rows["knowledge"] == listLast.rows["knowledge"])
    }
}
