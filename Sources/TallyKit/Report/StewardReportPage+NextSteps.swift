import Foundation

/// "What to do next": the commands a steward copies, per run that needs a person and for the
/// store's own exceptions.
extension StewardReportPage {
    func nextStepsSection() -> HTML {
        let db = Self.databaseArgument(data.storePath)
        var actions: [HTML] = []
        let runs = data.runsNeedingAction
        for run in runs.prefix(StewardReportData.actionLimit) {
            var steps: [HTML] = []
            if run.isFailed {
                steps.append(step("See why it failed, fix the input, map or rules, then run it again:",
                                  ["tally show \(run.id)\(db)", "tally rerun \(run.id)\(db)"]))
            } else {
                if run.rejected > 0 {
                    steps.append(step("Export its \(SVGChart.grouped(run.rejected)) rejected rows, fix them, and import the fixed file (it is linked to run \(run.id)):",
                                      ["tally rejects --run \(run.id) --format csv --out rejects-\(run.id).csv\(db)",
                                       "tally import rejects-\(run.id).csv --entity \(run.entity)\(db)"]))
                    steps.append(step("Or, when the map was wrong, fix it and rerun the run with it (try it first with --dry-run):",
                                      ["tally rerun \(run.id) --map FIXED-MAP.json --dry-run\(db)", "tally rerun \(run.id) --map FIXED-MAP.json\(db)"]))
                }
                if run.conflicts > 0 {
                    steps.append(step("See its \(SVGChart.grouped(run.conflicts)) conflicts:",
                                      ["tally conflicts --run \(run.id) --format csv\(db)"]))
                }
                steps.append(step("If the run should not have happened, see what undoing it would change, then undo it:",
                                  ["tally rollback \(run.id) --dry-run\(db)", "tally rollback \(run.id)\(db)"]))
            }
            let counts = [run.rejected > 0 ? "\(SVGChart.grouped(run.rejected)) rejected" : nil,
                          run.conflicts > 0 ? "\(SVGChart.grouped(run.conflicts)) conflicts" : nil,
                          run.isFailed ? run.status : nil].compactMap { $0 }.joined(separator: ", ")
            actions.append("""
                <div class="action" id="action-run-\(run.id)"><h3>\(runName(run)) <span class="hint">— \(counts)</span></h3>\(steps)</div>
                """)
        }
        if runs.count > StewardReportData.actionLimit {
            actions.append("<p class=\"hint\">\(runs.count - StewardReportData.actionLimit) older runs also need a person: <code>tally runs\(db)</code> lists them.</p>")
        }
        var store: [HTML] = []
        if data.dangling.total > 0 {
            store.append(step("\(SVGChart.grouped(data.dangling.total)) references wait for their target: import the missing records, or list them:",
                              ["tally extract dangling_references --format csv --out out\(db)"]))
        }
        if data.violations.total > 0 {
            store.append(step("\(SVGChart.grouped(data.violations.total)) cases have a resolution code their related record contradicts: correct them at the source, then list them again:",
                              ["tally extract resolution_consistency --format csv --out out\(db)"]))
        }
        if let all = data.cmdbHealth.rows.first, all.integer("cis") > 0,
           (all.double("complete_pct") ?? 100) < options.targets.completeAtLeast || (all.double("duplicate_pct") ?? 0) > options.targets.duplicateAtMost
            || (all.double("orphan_pct") ?? 0) > options.targets.orphanAtMost || (all.double("stale_pct") ?? 0) > options.targets.staleAtMost {
            store.append(step("The CMDB misses a health target: list the CIs that are incomplete, duplicate, orphan or stale:",
                              ["tally extract cmdb_exceptions --format csv --out out --stale-days \(options.staleDays)\(db)"]))
        }
        if !store.isEmpty {
            actions.append("<div class=\"action\" id=\"action-store\"><h3>In the store</h3>\(store)</div>")
        }
        let body: HTML = actions.isEmpty ? "<p>Nothing needs a person.</p>" : actions.joined(separator: "\n")
        return """
            <section id="next"><h2>What to do next</h2>
            <p class="hint">Commands to copy, newest run first. A run drops off this list once a later run names it as its parent \
            (a rerun, or its fixed reject export imported).</p>
            \(body)
            </section>
            """
    }

    private func step(_ text: String, _ commands: [String]) -> HTML {
        "<p>\(text)</p><pre class=\"cmd\"><code>\(commands.joined(separator: "\n"))</code></pre>"
    }

    /// ` --db 'PATH'` unless the store is the default `./tally.db`; quoted for a POSIX shell.
    static func databaseArgument(_ path: String) -> String {
        if path == "tally.db" || path == "./tally.db" { return "" }
        return " --db '" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
