import Foundation

/// "What to do next": the commands a steward copies, per run that needs a person and for the
/// store's own exceptions. Each block is a shell snippet whose `#` lines say what the next lines
/// do, so the whole block can be copied.
extension StewardReportPage {
    func nextStepsSection() -> HTML {
        var actions: [HTML] = []
        if let export = Self.storeExport(data.storePath) {
            actions.append("<p>The commands below use this store; set it once in your shell:</p>\(Self.commands([export]))")
        }
        let runs = data.runsNeedingAction
        for run in runs.prefix(StewardReportData.actionLimit) {
            var lines: [String] = []
            let outstanding = data.outstandingByRun[run.id] ?? 0
            if run.isFailed {
                lines += ["# see why it failed; fix the input, map or rules; run it again",
                          "tally show \(run.id)", "tally rerun \(run.id)"]
            } else {
                if outstanding > 0 {
                    let them = outstanding == 1 ? "it" : "them"
                    lines += ["# export the \(Self.count(outstanding, "outstanding rejected row")), fix \(them), import \(them) back (linked to run \(run.id))",
                              "tally rejects --run \(run.id) --format csv --out rejects-\(run.id).csv",
                              "tally import rejects-\(run.id).csv --entity \(run.entity)",
                              "# or, if the map was wrong: fix it and rerun the run with it (preview first)",
                              "tally rerun \(run.id) --map FIXED-MAP.json --dry-run"]
                }
                if run.conflicts > 0 {
                    lines += ["# the \(Self.count(run.conflicts, "conflict")), with stored and incoming values",
                              "tally conflicts --run \(run.id) --format csv"]
                }
                lines += ["# if the run should not have happened: preview undoing it (then drop --dry-run)",
                          "tally rollback \(run.id) --dry-run"]
            }
            let counts = [outstanding > 0 ? Self.count(outstanding, "outstanding reject") : nil,
                          run.conflicts > 0 ? Self.count(run.conflicts, "conflict") : nil,
                          run.isFailed ? run.status : nil].compactMap { $0 }.joined(separator: ", ")
            actions.append("""
                <div class="action" id="action-run-\(run.id)"><h3>\(runName(run)) <span class="hint">— \(counts)</span></h3>\(Self.commands(lines))</div>
                """)
        }
        if runs.count > StewardReportData.actionLimit {
            actions.append("<p class=\"hint\">\(Self.count(runs.count - StewardReportData.actionLimit, "older run")) also need a person: <code>tally runs</code> lists them.</p>")
        }
        var store: [String] = []
        if data.dangling.total > 0 {
            store += ["# \(Self.count(data.dangling.total, "reference")) wait for a target: import the missing records, or list them",
                      "tally extract dangling_references --format csv --out out"]
        }
        if data.violations.total > 0 {
            store += ["# \(Self.count(data.violations.total, "case")) with a resolution code its related record contradicts: correct them at the source",
                      "tally extract resolution_consistency --format csv --out out"]
        }
        let t = options.targets
        if let all = data.cmdbHealth.rows.first, all.integer("cis") > 0,
           (all.double("complete_pct") ?? 100) < t.completeAtLeast || (all.double("duplicate_pct") ?? 0) > t.duplicateAtMost
            || (all.double("orphan_pct") ?? 0) > t.orphanAtMost || (all.double("stale_pct") ?? 0) > t.staleAtMost {
            store += ["# the CMDB misses a health target: the CIs that are incomplete, duplicate, orphan or stale",
                      "tally extract cmdb_exceptions --format csv --out out --stale-days \(options.staleDays)"]
        }
        if !store.isEmpty {
            actions.append("<div class=\"action\" id=\"action-store\"><h3>In the store</h3>\(Self.commands(store))</div>")
        }
        let body: HTML = runs.isEmpty && store.isEmpty ? "<p>Nothing needs a person.</p>" : actions.joined(separator: "\n")
        return """
            <section id="next"><h2>What to do next</h2>
            <p class="hint">Commands to copy, newest run first. A run leaves this list when none of its rejected rows is outstanding \
            and a later run (a rerun, or its fixed reject export) has followed up its conflicts or failure.</p>
            \(body)
            </section>
            """
    }

    static func commands(_ lines: [String]) -> HTML {
        let marked: [HTML] = lines.map { line in
            line.hasPrefix("#") ? "<span class=\"comment\">\(line)</span>" : "\(line)"
        }
        return "<pre class=\"cmd\"><code>\(marked.joined(separator: "\n"))</code></pre>"
    }

    /// `export TALLY_DB='PATH'` unless the store is the default `./tally.db`; quoted for a POSIX shell.
    static func storeExport(_ path: String) -> String? {
        if path == "tally.db" || path == "./tally.db" { return nil }
        return "export TALLY_DB='" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
