import Foundation

/// The SLA and fulfilment panels: breaches by priority and their weekly trend (`sla_attainment`),
/// and the case chains still open, the oldest first (`case_fulfilment`).
extension StewardReportPage {
    func slaSection() -> HTML {
        """
        <section id="sla"><h2>SLAs and fulfilment</h2>
        \(slaPart())
        \(fulfilmentPart())
        </section>
        """
    }

    /// The widest window of `sla_attainment`, summed per task priority, and the weekly breach rate.
    func slaPart() -> HTML {
        let days = ReportCatalogue.slaWindows.last ?? 0
        let window = "\(days)d"
        let rows = data.slaAttainment.rows.filter { $0["window"] == window }
        guard !rows.isEmpty else { return "<h3 id=\"sla-panel\">SLA attainment</h3><p>No task SLAs.</p>" }
        let labels = StewardReportData.choiceLabels(entity: "incident", field: "priority", registry: data.registry)
        var byPriority: [String: (slas: Int, met: Int, breached: Int)] = [:]
        for row in rows {
            let key = row["priority"] ?? ""
            let sums = byPriority[key] ?? (0, 0, 0)
            byPriority[key] = (sums.slas + row.integer("task_slas"), sums.met + row.integer("met"), sums.breached + row.integer("breached"))
        }
        let priorities = byPriority.keys.sorted { ($0.isEmpty ? "~" : $0) < ($1.isEmpty ? "~" : $1) }
        func name(_ priority: String) -> String {
            priority.isEmpty ? "(no task)" : labels[priority].map { "\(priority) – \($0)" } ?? priority
        }
        func rate(_ met: Int, _ breached: Int) -> String? {
            met + breached > 0 ? String(format: "%.1f", 100 * Double(breached) / Double(met + breached)) : nil
        }
        let bars = priorities.filter { byPriority[$0]!.met + byPriority[$0]!.breached > 0 }.map { priority in
            let sums = byPriority[priority]!
            return SVGChart.Bar(label: name(priority), segments: [(Double(sums.met), "s-ok"), (Double(sums.breached), "s-bad")],
                                text: "\(SVGChart.grouped(sums.breached)) of \(SVGChart.grouped(sums.met + sums.breached))" + (sums.breached > 0 ? " ✕" : ""),
                                title: "priority \(name(priority)): \(sums.breached) breached, \(sums.met) met, of \(sums.slas) SLAs",
                                emphasis: sums.breached > 0)
        }
        let priorityTable = HTMLTable(
            id: "sla-priority-table", caption: "Task SLAs started in the last \(days) days by task priority (sla_attainment, summed)",
            columns: [.text("priority"), .number("SLAs"), .number("met"), .number("breached"), .number("breach rate %")],
            rows: priorities.map { priority in
                let sums = byPriority[priority]!
                return .init(key: priority, cells: [.text(name(priority)), .integer(sums.slas), .integer(sums.met), .integer(sums.breached),
                                                    .decimal(rate(sums.met, sums.breached))],
                             flagged: sums.breached > 0)
            })
        let weeks = data.slaWeeks
        let trend: HTML = weeks.isEmpty ? .empty : SVGChart.lines(
            id: "chart-sla-trend", title: "SLA breach rate per week of start time",
            description: weeks.map { "week of \($0.week): \($0.breached) breached of \($0.met + $0.breached) decided" }.joined(separator: "; "),
            points: weeks.map { (label: String($0.week.dropFirst(5)), title: "week of \($0.week), \($0.slas) SLAs") },
            lines: [SVGChart.Line(name: "breached", color: "#D55E00", dash: "none", values: weeks.map(\.breachRate))])
        let detail = HTMLTable(
            id: "sla-table", caption: "Task SLAs of the last \(days) days per task type, priority and definition (sla_attainment)",
            columns: [.text("task type"), .number("priority"), .text("SLA definition"), .number("SLAs"), .number("met"), .number("breached"),
                      .number("in progress"), .number("breach rate %"), .number("median business %"), .number("p90 business %")],
            rows: rows.map { row in
                .init(key: "\(row["task_type"] ?? ""):\(row["priority"] ?? ""):\(row["sla_definition"] ?? "")", cells: [
                    .text(row["task_type"]), .decimal(row["priority"]), .text(row["sla_definition"]), .integer(row.integer("task_slas")),
                    .integer(row.integer("met")), .integer(row.integer("breached")), .integer(row.integer("in_progress")),
                    .decimal(row["breach_rate_pct"]), .decimal(row["median_business_pct"]), .decimal(row["p90_business_pct"]),
                ], flagged: row.integer("breached") > 0)
            })
        return """
            <h3 id="sla-panel">SLA attainment</h3>
            <p class="hint">Task SLAs started in the \(days) days up to \(rows.first?["as_of"] ?? "") (the newest start time). \
            <strong>Breached</strong>: the SLA's breach flag, whatever its stage; <strong>breach rate</strong>: breached of those met or breached \
            (cancelled and still running ones are neither).</p>
            \(SVGChart.legend([.init(name: "met", fill: "s-ok"), .init(name: "breached ✕", fill: "s-bad")]))
            <div class="grid2"><div><h4>Breaches by priority</h4>\(SVGChart.horizontalBars(
                id: "chart-sla-priority", title: "SLAs met and breached by task priority",
                description: priorities.map { "\(name($0)): \(byPriority[$0]!.breached) breached, \(byPriority[$0]!.met) met" }.joined(separator: "; "),
                bars: bars, labelWidth: 120))\(priorityTable.render())</div>\
            <div><h4>Breach rate per week</h4><p class="hint">SLAs started in each of the last \(StewardReportFulfilmentQuery.trendWeeks) weeks \
            (Monday first) up to the newest start time; a week with none decided has no point.</p>\(trend)</div></div>
            \(detail.render())
            """
    }

    /// The cases whose chain (the case, its incident, problem or change, work orders, work tasks) is still open.
    func fulfilmentPart() -> HTML {
        let chains = data.openChains
        let shown = chains.rows.count < chains.total ? " (the oldest \(chains.rows.count) of \(chains.total))" : ""
        let table = HTMLTable(
            id: "fulfilment-table", caption: "Case chains still open, the oldest case first (case_fulfilment)\(shown)",
            columns: [.text("case"), .text("state"), .text("opened"), .text("incident / problem / change"), .text("work orders"),
                      .text("work tasks"), .text("CIs and assets")],
            rows: chains.rows.map { row in
                .init(key: row["case_number"] ?? "", cells: [
                    .text(row["case_number"]), .text(row["case_state"]), .text(row["opened_at"]),
                    .text([row["incident"], row["problem"], row["change"]].compactMap { $0 }.joined(separator: "; ")),
                    .text(row["work_order_chain"]), .text(row["work_task_chain"]),
                    .text([row["cis_touched"], row["assets_touched"]].compactMap { $0 }.joined(separator: "; ")),
                ])
            }, empty: "Every case's chain is closed.")
        return """
            <h3 id="fulfilment">Fulfilment</h3>
            <p id="fulfilment-summary"><strong>\(chains.total)</strong> of \(data.fulfilmentCases) cases have a chain still open: \
            the case, its incident, problem or change, or a work order or task raised from it or its incident is neither resolved nor closed.</p>
            \(table.render())
            """
    }
}
