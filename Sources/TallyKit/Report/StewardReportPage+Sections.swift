/// The steward report's sections: runs over time, rejects and conflicts, CMDB health, the
/// service picture.
extension StewardReportPage {
    static let runSeries: [SVGChart.Series] = [
        .init(name: "inserted", fill: "s-inserted"), .init(name: "updated", fill: "s-updated"),
        .init(name: "unchanged", fill: "s-unchanged"), .init(name: "skipped_stale", fill: "s-stale"),
        .init(name: "rejected", fill: "s-rejected"),
    ]

    /// Above this many runs in the window, runs over time shows one column per day.
    static let maxRunColumns = 60

    /// `1 reject`, `1,204 rejects`.
    static func count(_ number: Int, _ noun: String) -> String {
        SVGChart.grouped(number) + " " + noun + (number == 1 ? "" : "s")
    }

    /// `2026-11-23T19:08:32Z` → `2026-11-23 19:08`.
    static func minute(_ timestamp: String) -> String {
        guard timestamp.count >= 16 else { return timestamp }
        return String(timestamp.prefix(10)) + " " + String(timestamp.dropFirst(11).prefix(5))
    }

    // MARK: Runs over time

    func runsSection() -> HTML {
        let runs = data.windowRuns
        let skipped = data.skippedInWindow > 0
            ? " \(Self.count(data.skippedInWindow, "skipped run")) (inputs already imported, nothing done) are left out." : ""
        let window: String = data.windowStart.map { "runs that started from \($0) (\(options.days) days before the newest run in scope).\(skipped)" } ?? "no runs."
        guard !runs.isEmpty else {
            return "<section id=\"runs\"><h2>Runs over time</h2><p>No runs in scope.\(skipped)</p></section>"
        }
        let isNew = { (run: StewardReportData.Run) in data.job?.newRuns.contains(run.id) ?? false }
        let perDay = runs.count > Self.maxRunColumns
        var columns: [SVGChart.Column] = []
        var rows: [HTMLTable.Row] = []
        let tableColumns: [HTMLTable.Column]
        if perDay {
            var days: [(day: String, runs: [StewardReportData.Run])] = []
            for run in runs.sorted(by: { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }) {
                let day = String(run.startedAt.prefix(10))
                if days.last?.day == day { days[days.count - 1].runs.append(run) } else { days.append((day, [run])) }
            }
            for (day, dayRuns) in days {
                func sum(_ value: (StewardReportData.Run) -> Int) -> Int { dayRuns.reduce(0) { $0 + value($1) } }
                let values = [sum(\.inserted), sum(\.updated), sum(\.unchanged), sum(\.skippedStale), sum(\.rejected)]
                let failed = dayRuns.filter(\.isFailed).count, rolledBack = dayRuns.filter(\.isRolledBack).count
                let mark = failed > 0 ? "failed" : rolledBack > 0 ? "rolled back" : nil
                columns.append(.init(label: String(day.suffix(5)), values: values, mark: mark, title: "\(day), \(dayRuns.count) runs"))
                rows.append(.init(key: day, cells: [.text(day), .integer(dayRuns.count), .integer(failed), .integer(rolledBack)]
                                  + values.map(HTMLTable.Cell.integer) + [.integer(sum(\.conflicts))],
                                  flagged: failed > 0))
            }
            tableColumns = [.text("day"), .number("runs"), .number("failed"), .number("rolled back")]
                + Self.runSeries.map { .number($0.name) } + [.number("conflicts")]
        } else {
            for run in runs {
                let values = [run.inserted, run.updated, run.unchanged, run.skippedStale, run.rejected]
                let mark = run.isFailed ? "failed" : run.isRolledBack ? "rolled back" : nil
                columns.append(.init(label: String(run.id), values: values, mark: mark, title: runName(run) + ", " + run.status, highlighted: isNew(run)))
                let status: HTML = run.isFailed || run.isRolledBack ? "<strong>\(SVGChart.markSymbol(mark ?? "")) \(run.status)</strong>" : "\(run.status)"
                let what = "\(run.kind) \(run.entity)" + (run.source.isEmpty ? "" : " (\(run.source))")
                rows.append(.init(key: String(run.id), cells: [
                    .markup(isNew(run) ? "<strong>● \(run.id)</strong> <span class=\"hint\">new</span>" : "\(run.id)", value: String(run.id)), .markup("<time datetime=\"\(run.startedAt)\">\(Self.minute(run.startedAt))</time>", value: run.startedAt),
                    .text(what), .markup(status, value: run.status), .integer(run.read),
                ] + values.map(HTMLTable.Cell.integer) + [.integer(run.conflicts), .integer(run.retired)],
                flagged: run.isFailed))
            }
            tableColumns = [.number("run"), .text("started (UTC)"), .text("what"), .text("status"), .number("read"),
                            .number("inserted"), .number("updated"), .number("unchanged"), .number("stale"), .number("rejected"),
                            .number("conflicts"), .number("retired")]
        }
        let totals = Self.runSeries.indices.map { index in columns.reduce(0) { $0 + $1.values[index] } }
        let description = "\(runs.count) runs, " + zip(Self.runSeries, totals).map { "\($0.name) \(SVGChart.grouped($1))" }.joined(separator: ", ")
            + ". Failed: \(runs.filter(\.isFailed).count); rolled back: \(runs.filter(\.isRolledBack).count)."
        let chart = SVGChart.stackedColumns(
            id: "chart-runs", title: perDay ? "Rows per day, by outcome" : "Rows per run, by outcome",
            description: description, series: Self.runSeries, columns: columns)
        let newRuns = runs.filter(isNew).count
        let legend = SVGChart.legend(Self.runSeries, extra: ["<strong>✕ F</strong> failed", "<strong>↶ RB</strong> rolled back (dashed outline)"]
                                     + (newRuns > 0 && !perDay ? ["<strong>●</strong> new since the previous job run (its number in bold)"] : []))
        let table = HTMLTable(id: "runs-table", caption: perDay ? "Rows per day (from run_summary)" : "Runs (from run_summary)",
                              columns: tableColumns, rows: rows)
        return """
            <section id="runs"><h2>Runs over time</h2>
            <p class="hint">\(perDay ? "One column per day" : "One column per run"): \(window) Bars stack what each row became, the total above each column; the table below has the numbers.</p>
            \(legend)\(chart)\(table.render())
            </section>
            """
    }

    // MARK: Rejects, conflicts, dangling references

    func rejectsSection() -> HTML {
        let rejectBars = data.rejectGroups.map { group in
            let settled = group.rejects - group.outstanding
            return SVGChart.Bar(
                label: group.label, segments: [(Double(group.outstanding), "s-rejected"), (Double(settled), "s-settled")],
                text: [group.outstanding > 0 ? "\(SVGChart.grouped(group.outstanding)) ✕" : nil, settled > 0 ? "\(SVGChart.grouped(settled)) settled" : nil]
                    .compactMap { $0 }.joined(separator: " · "),
                title: "\(group.label): \(Self.count(group.rejects, "rejected row")) in \(Self.count(group.runs, "run")), \(group.outstanding) outstanding, \(group.recovered) recovered",
                emphasis: group.outstanding > 0)
        }
        let rejectChart: HTML = data.rejectGroups.isEmpty ? "<p>No rejects in scope.</p>" : SVGChart.horizontalBars(
            id: "chart-rejects", title: "Rejected rows by rule: outstanding, then settled by later runs",
            description: data.rejectGroups.map { "\($0.label): \($0.outstanding) outstanding of \($0.rejects)" }.joined(separator: "; "),
            bars: rejectBars, labelsAbove: true)
        let rejectTable = HTMLTable(
            id: "rejects-table", caption: "Rejected rows by entity, rule and field (rejects_by_rule)",
            columns: [.text("entity"), .text("rule"), .text("field"), .number("rejects")]
                + RejectStatus.allCases.map { .number($0.label) } + [.number("runs"), .number("last run")],
            rows: data.rejectGroups.map { group in
                .init(key: "\(group.entity)|\(group.rule)|\(group.field)", cells: [
                    .text(group.entity), .text(group.rule), .text(group.field), .integer(group.rejects),
                ] + RejectStatus.allCases.map { .integer(group.statuses[$0] ?? 0) } + [
                    .integer(group.runs), .decimal(group.lastRun),
                ], flagged: group.outstanding > 0)
            }, empty: "No rejects.")
        let rejectExamples = examples(data.rejectGroups.map { ($0.label, Self.count($0.outstanding, "outstanding reject"), $0.examples) },
                                      heading: "Newest outstanding examples (file:line)")

        let conflictBars = data.conflictGroups.map { group in
            SVGChart.Bar(label: group.label, segments: [(Double(group.conflicts), "s-conflict")], text: SVGChart.grouped(group.conflicts),
                         title: "\(group.label): \(Self.count(group.conflicts, "conflict")) in \(Self.count(group.runs, "run"))")
        }
        let conflictChart: HTML = data.conflictGroups.isEmpty ? "<p>No conflicts in scope.</p>" : SVGChart.horizontalBars(
            id: "chart-conflicts", title: "Conflicts by field",
            description: data.conflictGroups.map { "\($0.label): \($0.conflicts)" }.joined(separator: "; "), bars: conflictBars, labelsAbove: true)
        let conflictTable = HTMLTable(
            id: "conflicts-table", caption: "Conflicts by entity, field and rule",
            columns: [.text("entity"), .text("field"), .text("rule"), .number("conflicts"), .number("runs"), .number("last run")],
            rows: data.conflictGroups.map { group in
                .init(key: "\(group.entity)|\(group.field)|\(group.rule)", cells: [
                    .text(group.entity), .text(group.field), .text(group.rule), .integer(group.conflicts), .integer(group.runs),
                    .integer(Int(group.lastRun)),
                ])
            }, empty: "No conflicts.")
        let conflictExamples = examples(data.conflictGroups.map { ($0.label, Self.count($0.conflicts, "conflict"), $0.examples) }, heading: "Newest examples (record)")

        let danglingTable = HTMLTable(
            id: "dangling-table", caption: "References still waiting for their target (dangling_references, grouped)",
            columns: [.text("entity"), .text("field"), .text("target"), .number("references")],
            rows: data.dangling.groups.map { group in
                .init(key: "\(group.entity)|\(group.field)|\(group.target)", cells: [
                    .text(group.entity), .text(group.field), .text(group.target), .integer(group.count),
                ])
            }, empty: "No dangling references.")
        let danglingExamples = examples(data.dangling.groups.map { ("\($0.entity).\($0.field) → \($0.target)", Self.count($0.count, "reference"), $0.examples) }, heading: "Examples (record)")
        let rejectsPart: HTML = data.rejectGroups.isEmpty ? "<p>No rejects.</p>" : """
            <p class="hint">Rows, not reasons. <strong>Outstanding</strong> (hatched, ✕): no later run has taken the row up; \
            <code>tally rejects</code> lists them. <strong>Settled</strong>: a later run (a rerun, or the fixed reject export imported) \
            recovered the row or rejected it again (then its own reject is the outstanding one), or the run was rolled back; \
            <code>tally rejects --all</code> lists every row with its status.</p>
            \(SVGChart.legend([.init(name: "outstanding ✕", fill: "s-rejected"), .init(name: "settled by a later run", fill: "s-settled")]))
            \(rejectChart)\(rejectTable.render())\(rejectExamples)
            """
        return """
            <section id="rejects"><h2>Rejects and conflicts</h2>
            <p class="hint">Rejected rows are stored with their run, file, line and reasons; conflicts are writes a precedence or read-only rule refused (each example names the <code>tally explain</code> line that says which value won and why). Covers \(data.scopeDescription).</p>
            <h3>Rejects by rule</h3>
            \(rejectsPart)
            <h3 id="conflicts">Conflicts by field</h3>
            \(data.conflictGroups.isEmpty ? "<p>No conflicts.</p>" : "<div class=\"pair\"><div>\(conflictChart)</div><div>\(conflictTable.render())</div></div>\(conflictExamples)" as HTML)
            <h3 id="dangling">Dangling references</h3>
            <p class="hint">The whole store: references whose target has not arrived in any run yet.</p>
            \(data.dangling.groups.isEmpty ? "<p>No dangling references.</p>" : danglingTable.render() + danglingExamples)
            </section>
            """
    }

    /// Example lists under a heading per group (file:line or record, run, message).
    func examples(_ groups: [(label: String, count: String, examples: [StewardReportData.Example])], heading: String) -> HTML {
        let blocks: [HTML] = groups.filter { !$0.examples.isEmpty }.map { group in
            let items: [HTML] = group.examples.map { example in
                let command: HTML = example.command.map { " <span class=\"hint\">why:</span> <code>\($0)</code>" } ?? .empty
                return "<li><code>\(example.place)</code> <span class=\"hint\">run \(example.run)</span> — \(example.message)\(command)</li>"
            }
            return "<h4>\(group.label) <span class=\"hint\">(\(group.count))</span></h4><ol>\(items)</ol>"
        }
        guard !blocks.isEmpty else { return .empty }
        return "<details class=\"examples\" open><summary>\(heading)</summary>\(blocks)</details>"
    }

    // MARK: CMDB health

    func cmdbSection() -> HTML {
        let rows = data.cmdbHealth.rows
        guard let all = rows.first, all.integer("cis") > 0 else {
            return "<section id=\"cmdb\"><h2>CMDB health per CI class</h2><p>No live configuration items.</p></section>"
        }
        let t = options.targets
        let measures: [(name: String, title: String, target: Double, atLeast: Bool)] = [
            ("complete", "Complete", t.completeAtLeast, true), ("duplicate", "Duplicate", t.duplicateAtMost, false),
            ("orphan", "Orphan", t.orphanAtMost, false), ("stale", "Stale", t.staleAtMost, false),
        ]
        var charts: [HTML] = []
        for measure in measures {
            let bars = rows.map { row -> SVGChart.Bar in
                let pct = row.double(measure.name + "_pct") ?? 0
                let meets = measure.atLeast ? pct >= measure.target : pct <= measure.target
                let text = (row[measure.name + "_pct"] ?? "–") + "% " + (meets ? "✓" : "✕")
                let cls = row["sys_class_name"] ?? ""
                // `cmdb_ci_linux_server` → `linux_server` on the bar (the tooltip and table keep the full name).
                let short = cls.hasPrefix("cmdb_ci_") ? String(cls.dropFirst(8)) : cls
                let why = measure.name == "complete" && !meets
                    ? " — missing: " + (data.missingByClass[cls] ?? []).prefix(4).map { "\($0.field) (\($0.cis))" }.joined(separator: ", ") : ""
                return SVGChart.Bar(
                    label: short, segments: [(pct, meets ? "s-ok" : "s-miss")], text: text,
                    title: "\(cls): \(row.integer(measure.name)) of \(row.integer("cis")) \(measure.name) (\(row[measure.name + "_pct"] ?? "")%), target \(measure.atLeast ? "≥" : "≤") \(HTML.number(measure.target))% — \(meets ? "meets" : "misses") it\(why)",
                    emphasis: !meets)
            }
            let misses = zip(rows, bars).filter { $0.1.emphasis }.map { $0.0["sys_class_name"] ?? "" }
            let targetText = "\(measure.atLeast ? "≥" : "≤") \(HTML.number(measure.target))%"
            charts.append("""
                <div><h3>\(measure.title) <span class="hint">(target \(targetText))</span></h3>\(SVGChart.horizontalBars(
                    id: "chart-cmdb-\(measure.name)", title: "\(measure.title) share of live CIs per class, target \(targetText)",
                    description: rows.map { "\($0["sys_class_name"] ?? ""): \($0[measure.name + "_pct"] ?? "")%" }.joined(separator: "; ")
                        + (misses.isEmpty ? ". Every class meets the target." : ". Missing the target: " + misses.joined(separator: ", ") + "."),
                    bars: bars, maximum: 100, target: .init(value: measure.target, label: "target " + targetText), labelWidth: 125))</div>
                """)
        }
        let table = HTMLTable(
            id: "cmdb-table", caption: "CMDB health per CI class (cmdb_health): counts and % of live CIs",
            columns: [.text("class"), .number("CIs"), .number("complete"), .number("%"), .number("duplicate"), .number("%"),
                      .number("orphan"), .number("%"), .number("stale"), .number("%")],
            rows: rows.map { row in
                var cells: [HTMLTable.Cell] = [.text(row["sys_class_name"]), .integer(row.integer("cis"))]
                for measure in measures {
                    cells += [.integer(row.integer(measure.name)), .decimal(row[measure.name + "_pct"])]
                }
                return .init(key: row["sys_class_name"] ?? "", cells: cells)
            })
        // Why a class misses the completeness target: the fields its incomplete CIs lack, most missed first.
        let incomplete = rows.dropFirst().filter { ($0.double("complete_pct") ?? 100) < t.completeAtLeast }
        let whyTable = HTMLTable(
            id: "cmdb-missing-table", caption: "Why classes miss the completeness target: the required or recommended fields their CIs lack",
            columns: [.text("class"), .number("incomplete CIs"), .number("complete %"), .text("missing fields (CIs without it)")],
            rows: incomplete.map { row in
                let cls = row["sys_class_name"] ?? ""
                let fields = (data.missingByClass[cls] ?? []).map { "\($0.field) (\($0.cis))" }.joined(separator: ", ")
                return .init(key: cls, cells: [.text(cls), .integer(row.integer("cis") - row.integer("complete")), .decimal(row["complete_pct"]),
                                               .text(fields.isEmpty ? "–" : fields)], flagged: true)
            }, empty: "")
        return """
            <section id="cmdb"><h2>CMDB health per CI class</h2>
            <p class="hint">Live CIs only; bars name classes without their <code>cmdb_ci_</code> prefix. Bars show each class's share against its target (dashed line); \
            <strong>✕</strong> and a hatched bar mark a class that misses it, <strong>✓</strong> one that meets it. \
            <strong>Complete</strong>: the CI has its required fields and the ones recommended for its class (ownership, support group, location, \
            statuses; serial, maker, model and asset tag for hardware; IP address, FQDN and OS for servers). \
            <strong>Duplicate</strong>: another live CI has its name and class, or its serial number, or the two are a \
            <code>ci_duplicates</code> candidate pair (the same serial, MAC, FQDN, host name or IP once normalised, across classes too). \
            <strong>Orphan</strong>: nothing points at it: no relationship has it as parent or child and no task names it as its configuration item. \
            <strong>Stale</strong>: no update or discovery in \(all["stale_days"] ?? "") days before \(all["as_of"] ?? "") (the CMDB's newest time).</p>
            <p id="cmdb-collisions">Identity collisions: <strong>\(all.integer("identity_collisions"))</strong> \
            <span class="hint">(rows of one input naming one CI under different names, classes or serials, or sharing a MAC address across classes, \
            in each CI source's newest import or job run; <code>identity.collision</code> warnings)</span></p>
            \(SVGChart.legend([.init(name: "meets the target", fill: "s-ok"), .init(name: "misses the target", fill: "s-miss")]))
            <div class="grid2">\(charts)</div>
            \(incomplete.isEmpty ? .empty : whyTable.render())
            \(table.render())
            <p class="hint">Which CIs: <code>tally extract cmdb_exceptions --format csv --out DIR</code>.</p>
            <p id="cmdb-duplicates">Duplicate candidates waiting for a steward: <strong>\(data.duplicatePairs)</strong> pair(s) \
            <span class="hint">(<code>tally extract ci_duplicates --out DIR</code>, fill its <code>decision</code> column, then \
            <code>tally dedupe --file DIR/ci_duplicates.csv</code>; or <code>tally dedupe merge KEEP DROP</code>, <code>tally dedupe distinct A B</code>)</span></p>
            \(relationshipsPart())
            \(trendPart())
            </section>
            """
    }

    /// CI relationships per type: duplicate, orphan (an end that names no live CI), stale.
    private func relationshipsPart() -> HTML {
        let rows = data.relationshipHealth.rows
        guard let all = rows.first, all.integer("relationships") > 0 else { return "<h3>Relationships</h3><p>No relationships.</p>" }
        let table = HTMLTable(
            id: "cmdb-relationships-table", caption: "Relationships per type (ci_relationship_health): counts and % of relationships",
            columns: [.text("type"), .number("relationships"), .number("duplicate"), .number("%"), .number("orphan"), .number("%"),
                      .number("stale"), .number("%")],
            rows: rows.map { row in
                var cells: [HTMLTable.Cell] = [.text(row["type"]), .integer(row.integer("relationships"))]
                for measure in ["duplicate", "orphan", "stale"] { cells += [.integer(row.integer(measure)), .decimal(row[measure + "_pct"])] }
                return .init(key: row["type"] ?? "", cells: cells,
                             flagged: row.integer("duplicate") + row.integer("orphan") > 0)
            })
        return """
            <h3>Relationships</h3>
            <p class="hint"><strong>Duplicate</strong>: another relationship has the same parent, child and type. \
            <strong>Orphan</strong>: its parent or child names no live CI. <strong>Stale</strong>: not updated in \(all["stale_days"] ?? "") days \
            before \(all["as_of"] ?? "").</p>
            \(table.render())
            """
    }

    /// The CMDB's overall shares after each of the last runs that changed it.
    private func trendPart() -> HTML {
        let rows = data.cmdbTrend.rows
        guard !rows.isEmpty else { return "<h3>Trend</h3><p>No run has changed the CMDB since this store began keeping its health.</p>" }
        let measures: [(column: String, name: String, color: String, dash: String)] = [
            ("complete_pct", "complete", "#0072B2", "none"), ("duplicate_pct", "duplicate", "#D55E00", "6 3"),
            ("orphan_pct", "orphan", "#E69F00", "2 3"), ("stale_pct", "stale", "#CC79A7", "8 3 2 3"),
            ("relationship_orphan_pct", "orphan relationships", "#009E73", "1 4"),
        ]
        let points = rows.map { row in (label: row["run"] ?? "", title: "run \(row["run"] ?? "") · \(row["kind"] ?? "") \(row["entity"] ?? "")") }
        let lines = measures.map { measure in
            SVGChart.Line(name: measure.name, color: measure.color, dash: measure.dash, values: rows.map { $0.double(measure.column) })
        }
        let description = rows.map { row in
            "run \(row["run"] ?? ""): " + measures.map { "\($0.name) \(row[$0.column] ?? "–")%" }.joined(separator: ", ")
        }.joined(separator: "; ")
        let table = HTMLTable(
            id: "cmdb-trend-table", caption: "CMDB health after each run that changed it (cmdb_health_trend), oldest first",
            columns: [.text("run"), .text("what"), .number("CIs")] + measures.map { .number($0.name + " %") },
            rows: rows.map { row in
                .init(key: row["run"] ?? "", cells: [.text(row["run"]), .text("\(row["kind"] ?? "") \(row["entity"] ?? "")"), .integer(row.integer("cis"))]
                        + measures.map { .decimal(row[$0.column]) })
            })
        return """
            <h3>Trend</h3>
            <p class="hint">The whole CMDB after each of the last \(rows.count) runs that changed CIs or relationships \
            (at the default 60 stale days); a run rolled back since drops out.</p>
            \(SVGChart.lines(id: "chart-cmdb-trend", title: "CMDB health over the last runs that changed it", description: description,
                             points: points, lines: lines))
            \(table.render())
            """
    }

    // MARK: Service picture

    func serviceSection() -> HTML {
        """
        <section id="service"><h2>Service picture</h2>
        \(incidentsPart())
        \(resolutionPart())
        \(changesPart())
        </section>
        """
    }

    func incidentsPart() -> HTML {
        let metrics = data.incidentMetrics.rows
        let all = metrics.first { $0["dimension"] == "all" }
        let priorities = metrics.filter { $0["dimension"] == "priority" }
        let labels = StewardReportData.choiceLabels(entity: "incident", field: "priority", registry: data.registry)
        func name(_ row: ReportTable.Row) -> String {
            let value = row["value"] ?? ""
            return labels[value].map { "\(value) – \($0)" } ?? value
        }
        let backlogBars = priorities.map { row in
            SVGChart.Bar(label: name(row), segments: [(Double(row.integer("open_backlog")), "s-backlog")],
                         text: SVGChart.grouped(row.integer("open_backlog")),
                         title: "priority \(name(row)): \(row.integer("open_backlog")) open of \(row.integer("opened"))")
        }
        let resolveBars = priorities.compactMap { row -> SVGChart.Bar? in
            guard let median = row.double("median_hours_to_resolve"), let p90 = row.double("p90_hours_to_resolve") else { return nil }
            return SVGChart.Bar(label: name(row), segments: [(median, "s-median"), (max(0, p90 - median), "s-p90")],
                                text: "\(row["median_hours_to_resolve"] ?? "") / \(row["p90_hours_to_resolve"] ?? "") h",
                                title: "priority \(name(row)): median \(row["median_hours_to_resolve"] ?? "") h, p90 \(row["p90_hours_to_resolve"] ?? "") h")
        }
        let stats: HTML = all.map { row in
            """
            <div class="stats" id="incident-stats">\
            <div><strong data-value="\(row.integer("open_backlog"))">\(SVGChart.grouped(row.integer("open_backlog")))</strong>open backlog of \(SVGChart.grouped(row.integer("opened"))) incidents</div>\
            <div><strong data-value="\(row["median_hours_to_resolve"])">\(row["median_hours_to_resolve"] ?? "–") h</strong>median time to resolve</div>\
            <div><strong data-value="\(row["p90_hours_to_resolve"])">\(row["p90_hours_to_resolve"] ?? "–") h</strong>p90 time to resolve</div>\
            <div><strong data-value="\(row["sla_made_pct"])">\(row["sla_made_pct"].map { $0 + "%" } ?? "–")</strong>SLA made</div></div>
            """
        } ?? "<p>No incidents.</p>"
        let table = HTMLTable(
            id: "incidents-table", caption: "Incidents overall and per priority (incident_metrics)",
            columns: [.text("priority"), .number("opened"), .number("open backlog"), .number("resolved"),
                      .number("median h to resolve"), .number("p90 h to resolve"), .number("SLA made %"), .number("reopen %")],
            rows: ([all].compactMap { $0 } + priorities).map { row in
                .init(key: "\(row["dimension"] ?? ""):\(row["value"] ?? "")", cells: [
                    .text(row["dimension"] == "all" ? "all" : name(row)), .integer(row.integer("opened")), .integer(row.integer("open_backlog")),
                    .integer(row.integer("resolved")), .decimal(row["median_hours_to_resolve"]), .decimal(row["p90_hours_to_resolve"]),
                    .decimal(row["sla_made_pct"]), .decimal(row["reopen_rate_pct"]),
                ])
            }, empty: "No incidents.")
        let backlogChart: HTML = backlogBars.isEmpty ? .empty : SVGChart.horizontalBars(
            id: "chart-backlog", title: "Open incident backlog by priority",
            description: priorities.map { "\(name($0)): \($0.integer("open_backlog"))" }.joined(separator: "; "), bars: backlogBars, labelWidth: 120)
        let resolveChart: HTML = resolveBars.isEmpty ? .empty : SVGChart.horizontalBars(
            id: "chart-resolve", title: "Hours to resolve by priority: median and p90",
            description: priorities.map { "\(name($0)): median \($0["median_hours_to_resolve"] ?? "none") h, p90 \($0["p90_hours_to_resolve"] ?? "none") h" }.joined(separator: "; "),
            bars: resolveBars, labelWidth: 120)
        return """
            <h3>Incidents</h3>
            \(stats)
            <div class="grid2"><div><h4>Open backlog by priority</h4>\(backlogChart)</div>\
            <div><h4>Hours to resolve by priority</h4>\(SVGChart.legend([.init(name: "median", fill: "s-median"), .init(name: "up to p90", fill: "s-p90")]))\(resolveChart)</div></div>
            \(table.render())
            """
    }

    func resolutionPart() -> HTML {
        let codes = data.resolutionCodes
        let bars = codes.map { code in
            SVGChart.Bar(label: code.code, segments: [(Double(code.cases - code.inconsistent), "s-ok"), (Double(code.inconsistent), "s-bad")],
                         text: SVGChart.grouped(code.cases) + (code.inconsistent > 0 ? " (\(code.inconsistent) ✕)" : ""),
                         title: "\(code.label): \(code.cases) cases, \(code.inconsistent) inconsistent", emphasis: code.inconsistent > 0)
        }
        let chart: HTML = codes.isEmpty ? "<p>No case has a resolution code.</p>" : SVGChart.horizontalBars(
            id: "chart-resolution", title: "Cases by resolution code",
            description: codes.map { "\($0.code): \($0.cases) cases, \($0.inconsistent) inconsistent" }.joined(separator: "; "),
            bars: bars, labelsAbove: true)
        let codeTable = HTMLTable(
            id: "resolution-codes-table", caption: "Cases by resolution code; inconsistent = listed by resolution_consistency",
            columns: [.text("code"), .text("label"), .number("cases"), .number("inconsistent")],
            rows: codes.map { code in
                .init(key: code.code, cells: [.text(code.code), .text(code.label), .integer(code.cases),
                                              code.inconsistent > 0
                                                ? HTMLTable.Cell(display: "✕ \(SVGChart.grouped(code.inconsistent))", value: String(code.inconsistent), numeric: true)
                                                : .integer(0)],
                      flagged: code.inconsistent > 0)
            }, empty: "No resolution codes.")
        let violations = data.violations
        let shown = violations.rows.count < violations.total ? " (first \(violations.rows.count) of \(violations.total))" : ""
        let violationTable = HTMLTable(
            id: "violations-table", caption: "Resolution-code violations (resolution_consistency)\(shown)",
            columns: [.text("case"), .text("resolution code"), .text("requirement"), .text("related"), .text("state"), .text("why")],
            rows: violations.rows.map { row in
                .init(key: row["case_number"] ?? "", cells: [
                    .markup("<span aria-hidden=\"true\">✕ </span>\(row["case_number"])", value: row["case_number"]),
                    .text(row["resolution_code"]), .text(row["requirement"]),
                    .text([row["related_entity"], row["related_number"]].compactMap { $0 }.joined(separator: " ")),
                    .text(row["related_state"]), .markup("\(row["failure"])"),
                ], flagged: true)
            }, empty: "Every resolution code is consistent with its related record.")
        return """
            <h3 id="resolution">Cases by resolution code</h3>
            <p class="hint">Hatched and marked ✕: cases whose resolution code does not match their related record's state. \
            \(data.casesWithoutCode) cases have no resolution code yet.</p>
            \(SVGChart.legend([.init(name: "consistent", fill: "s-ok"), .init(name: "inconsistent ✕", fill: "s-bad")]))
            <div class="pair"><div>\(chart)</div><div>\(codeTable.render())</div></div>
            \(violationTable.render())
            """
    }

    func changesPart() -> HTML {
        let changes = data.changeImpact
        let shown = changes.rows.count < changes.total ? " (first \(changes.rows.count) of \(changes.total))" : ""
        func list(_ numbers: String?) -> String {
            let parts = (numbers ?? "").split(separator: " ")
            return parts.count > 10 ? parts.prefix(10).joined(separator: " ") + " … (\(parts.count - 10) more)" : parts.joined(separator: " ")
        }
        let table = HTMLTable(
            id: "changes-table", caption: "Changes that caused incidents or cases (change_impact)\(shown)",
            columns: [.text("change"), .text("type"), .number("state"), .number("risk"), .number("incidents"), .text("incident numbers"),
                      .number("cases"), .text("case numbers")],
            rows: changes.rows.map { row in
                .init(key: row["change_number"] ?? "", cells: [
                    .text(row["change_number"]), .text(row["type"]), .decimal(row["state"]), .decimal(row["risk"]),
                    .integer(row.integer("incidents_caused")), .text(list(row["incident_numbers"])),
                    .integer(row.integer("cases_caused")), .text(list(row["case_numbers"])),
                ])
            }, empty: "No change is recorded as the cause of an incident or case.")
        return """
            <h3>Changes that caused incidents or cases</h3>
            \(table.render())
            """
    }
}
