/// The steward report's HTML: page skeleton, header, style and the table-sorting script. The
/// sections are in `StewardReportPage+Sections.swift`, the commands in `+NextSteps.swift`.
struct StewardReportPage {
    let data: StewardReportData
    let options: StewardReportOptions
    let generatedAt: String

    func render() -> HTML {
        let sections: [HTML] = [runsSection(), rejectsSection(), cmdbSection(), serviceSection(), slaSection(), nextStepsSection()]
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="Tally \(TallyVersion.current)">
            <title>Tally steward report: \(data.storePath)</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            \(SVGChart.patternDefinitions)
            <div class="page">
            \(header())
            <nav aria-label="Sections"><ol>\
            <li><a href="#runs">Runs over time</a></li><li><a href="#rejects">Rejects and conflicts</a></li>\
            <li><a href="#cmdb">CMDB health</a></li><li><a href="#service">Service picture</a></li>\
            <li><a href="#sla">SLAs and fulfilment</a></li>\
            <li><a href="#next">What to do next</a></li></ol></nav>
            <main>
            \(sections.joined(separator: "\n"))
            </main>
            <footer><p>Numbers come from the report catalogue, read in one snapshot of the store: \
            <code>run_summary</code>, <code>rejects_by_rule</code>, <code>dangling_references</code>, <code>cmdb_health</code>, <code>cmdb_exceptions</code>, \
            <code>incident_metrics</code>, <code>resolution_consistency</code>, <code>change_impact</code>, <code>sla_attainment</code>, <code>case_fulfilment</code>. \
            <code>tally extract NAME --format csv --out DIR</code> gives their rows. Lists of examples are capped; every count is whole.</p></footer>
            </div>
            <script>\(Self.script)</script>
            </body>
            </html>

            """
    }

    // MARK: Header

    func header() -> HTML {
        let status = data.overallStatus
        let statusText: HTML
        switch status {
        case .clean: statusText = "<span aria-hidden=\"true\">✓</span> Clean: nothing needs a person."
        case .attention: statusText = "<span aria-hidden=\"true\">⚠</span> Needs attention: the counts below need a person."
        case .failed: statusText = "<span aria-hidden=\"true\">✕</span> Failed: the last run did not commit."
        }
        let tiles: [HTML] = [
            tile("Outstanding rejects", data.rejectTotal, anchor: "rejects", note: rejectNote() ?? "", quiet: rejectNote(quiet: true)),
            tile("Conflicts", data.conflictTotal, anchor: "conflicts", note: "writes a rule refused"),
            tile("Dangling references", data.dangling.total, anchor: "dangling", note: "targets not in the store"),
            tile("Resolution-code violations", data.violations.total, anchor: "resolution", note: "cases to correct"),
        ]
        var lastRun: HTML = "<p>No runs yet.</p>"
        if let run = data.lastRun {
            lastRun = """
                <p class="last-run"><strong>Last run:</strong> \(runName(run)) — <span class="run-status">\(run.status)</span>, \
                started \(run.startedAt)\(run.finishedAt.isEmpty ? "" : ", finished " + run.finishedAt); \
                read \(SVGChart.grouped(run.read)), inserted \(SVGChart.grouped(run.inserted)), updated \(SVGChart.grouped(run.updated)), \
                unchanged \(SVGChart.grouped(run.unchanged)), skipped as stale \(SVGChart.grouped(run.skippedStale)), \
                rejected \(SVGChart.grouped(run.rejected)).</p>
                """
        }
        return """
            <header class="top">
            <h1>Tally steward report</h1>
            <p class="meta">Store <code>\(data.storePath)</code> · generated <time id="generated-at">\(generatedAt)</time> · covers \(data.scopeDescription)</p>
            <p id="overall-status" class="status status-\(status.rawValue)" data-status="\(status.rawValue)">\(statusText)</p>
            \(jobSummary())
            <dl class="tiles">\(tiles)</dl>
            \(lastRun)
            </header>
            """
    }

    /// A job's page: what its newest job run did, against the previous one.
    func jobSummary() -> HTML {
        guard let job = data.job else { return .empty }
        let new = data.runs.filter { job.newRuns.contains($0.id) }
        let skipped = new.filter { $0.status == RunStatus.skipped.rawValue }.count
        let done = new.count - skipped
        let previous = job.previous.map { "the previous job run (\($0.id)) started \(Self.minute($0.startedAt)) UTC" } ?? "it is the job's first"
        var text: String
        if done == 0 {
            text = "Job run \(job.jobRun) brought nothing new: " + (skipped > 0 ? "its \(Self.count(skipped, "input")) had been imported already (skipped)." : "it had no inputs.")
        } else {
            text = "Job run \(job.jobRun) brought \(Self.count(done, "new run")), marked ● new below"
                + (skipped > 0 ? "; \(Self.count(skipped, "input")) had been imported already (skipped)." : ".")
        }
        text += " The page covers the job's runs of the \(options.days) days up to it; \(previous)."
        return "<p id=\"job-summary\" class=\"job-summary\">\(text)</p>"
    }

    /// `rows to fix, of 939 rejected (892 recovered)`; with `quiet`, what the 0 means (nil: nothing was rejected).
    func rejectNote(quiet: Bool = false) -> String? {
        let statuses = data.rejectStatuses
        let rows = statuses.values.reduce(0, +)
        guard rows > 0 else { return quiet ? nil : "rows refused by validation" }
        let settled = RejectStatus.settled.compactMap { status in
            statuses[status].map { "\(SVGChart.grouped($0)) \(status.label)" }
        }.joined(separator: ", ")
        return quiet ? "none to fix: \(SVGChart.grouped(rows)) rejected, every one settled (\(settled))"
            : "rows to fix, of \(SVGChart.grouped(rows)) rejected" + (settled.isEmpty ? "" : " (\(settled))")
    }

    /// A count tile; `quiet` is its note when the count is 0 (default "none").
    private func tile(_ title: String, _ count: Int, anchor: String, note: String, quiet: String? = nil) -> HTML {
        let needs = count > 0
        return """
            <div class="tile\(needs ? " needs" : "")" id="count-\(anchor)"><dt>\(title)</dt>\
            <dd><a href="#\(anchor)" data-value="\(count)">\(SVGChart.grouped(count))</a>\
            <span class="note">\(needs ? "⚠ " + note : quiet ?? "none")</span></dd></div>
            """
    }

    /// `run 12 · import incident (source uci)`.
    func runName(_ run: StewardReportData.Run) -> String {
        "run \(run.id) · \(run.kind) \(run.entity.isEmpty ? "" : run.entity)" + (run.source.isEmpty ? "" : " (source \(run.source))")
    }

    // MARK: Style and script

    static let style: HTML = """
        :root{--ink:#1b1b1b;--muted:#565656;--line:#d4d4d0;--bg:#f4f4f1;--card:#fff;--blue:#0072B2;--sky:#56B4E9;--orange:#E69F00;--verm:#D55E00}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
        .page{max-width:1200px;margin:0 auto;padding:16px}
        header.top,main>section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:16px 20px;margin:0 0 16px;min-width:0}
        h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.3rem;margin:0 0 6px}h3{font-size:1.05rem;margin:18px 0 6px}
        p{margin:6px 0}.meta,.hint,caption,footer{color:var(--muted)}.meta{overflow-wrap:anywhere}
        code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em}
        a{color:#005a8c}
        .status{font-weight:700;padding:8px 12px;border-radius:4px;border-left:8px solid}
        .status-clean{border-color:var(--blue);background:#e6f1f8}.status-attention{border-color:var(--orange);background:#fdf2dd}
        .status-failed{border-color:var(--verm);background:#fbe6dc;border-left-style:double}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,140px),1fr));gap:10px;margin:12px 0}
        .tile{border:1px solid var(--line);border-radius:6px;padding:8px 12px}
        .tile.needs{border:2px dashed var(--verm)}
        .tile dt{font-size:.85rem;color:var(--muted)}.tile dd{margin:0;font-size:1.7rem;font-weight:700}
        .tile dd a{color:inherit}.tile .note{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
        nav ol{display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;padding:0;margin:0 0 16px}
        .grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));gap:12px 28px;align-items:start}
        .grid2>*{min-width:0}
        .pair{display:grid;grid-template-columns:minmax(0,480px) minmax(0,1fr);gap:8px 32px;align-items:start}.pair>*{min-width:0}
        @media (max-width:900px){.pair{grid-template-columns:minmax(0,1fr)}}
        .chart{display:block;width:100%;height:auto;margin:4px 0}
        .chart-scroll,.table-scroll{overflow-x:auto;max-width:100%;margin:4px 0 8px}
        table{border-collapse:collapse;width:100%;font-size:.87rem}
        th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        thead th{border-bottom:2px solid #999;white-space:nowrap}
        tbody th{font-weight:600;white-space:nowrap}td time{white-space:nowrap}
        .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.wrap{min-width:14em;overflow-wrap:anywhere}
        caption{text-align:left;font-size:.85rem;padding:2px 0 4px}
        th button{all:unset;cursor:pointer}th button:focus-visible{outline:2px solid var(--blue)}
        th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
        tr.flag>*{background:#fbe6dc}tr.flag>th:first-child{box-shadow:inset 5px 0 0 var(--verm)}
        svg text{font-size:12px;fill:var(--ink)}svg .axis{fill:var(--muted);font-size:11px}svg .value{font-size:11.5px}
        .grid{stroke:#e2e2de}.baseline{stroke:#777}.target{stroke:#000;stroke-width:2;stroke-dasharray:5 3}
        .marked{fill:none;stroke:#000;stroke-dasharray:3 2}svg .new{fill:var(--ink)}.job-summary{font-weight:600}svg .mark{font-weight:700;font-size:10.5px}
        .s-inserted,.s-ok,.s-median,.s-backlog{fill:#0072B2}.s-updated,.s-p90{fill:#56B4E9}.s-unchanged{fill:#BDBDBD}
        .s-stale{fill:url(#pattern-dots)}.s-rejected,.s-miss,.s-bad{fill:url(#pattern-hatch)}.s-settled{fill:#009E73}.s-conflict{fill:#CC79A7}.s-dangling{fill:#E69F00}
        .legend{list-style:none;padding:0;margin:4px 0 6px;display:flex;flex-wrap:wrap;gap:2px 16px;font-size:.85rem}
        .swatch{width:14px;height:14px;vertical-align:-2px;margin-right:6px;border:1px solid #888}
        .examples{margin:6px 0 12px}.examples h4{margin:10px 0 2px;font-size:.95rem;overflow-wrap:anywhere}
        .examples ol{margin:2px 0;padding-left:22px}.examples li{overflow-wrap:anywhere;margin:2px 0}
        .stats{display:flex;flex-wrap:wrap;gap:10px 28px;margin:8px 0}.stats div{min-width:9em}
        .stats strong{display:block;font-size:1.5rem}
        .action{border-top:1px solid var(--line);padding:8px 0}
        pre.cmd .comment{color:#4d4d4d;font-style:italic}pre.cmd{white-space:pre-wrap;overflow-wrap:anywhere;background:#f1f1ec;border:1px solid var(--line);border-radius:4px;padding:8px 10px;margin:4px 0}
        .defs{position:absolute;width:0;height:0;overflow:hidden}
        @media (max-width:600px){svg.bars text{font-size:14.5px}svg.bars .axis{font-size:12.5px}svg.columns text{font-size:15px}body{font-size:14px}.page{padding:8px}header.top,main>section{padding:12px}h1{font-size:1.35rem}.tile dd{font-size:1.4rem}}
        @media print{
        body{background:#fff;font-size:10.5pt}.page{max-width:none;padding:0}nav{display:none}
        header.top,main>section{border:none;border-radius:0;padding:0;margin:0 0 14pt}
        h2,h3,h4{break-after:avoid}tr,.tile,.action,svg{break-inside:avoid}
        .chart-scroll,.table-scroll{overflow:visible}.chart{min-width:0!important;max-width:100%!important}
        th[aria-sort] button::after{content:none}a{color:inherit;text-decoration:none}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """

    /// Sorts a table by the column whose header button is pressed (numbers by `data-value`).
    static let script: HTML = """
        (function(){function key(row,i){var c=row.cells[i];if(!c)return"";var v=c.hasAttribute("data-value")?c.getAttribute("data-value"):c.textContent;\
        return /^-?[0-9]+(\\.[0-9]+)?$/.test(v)?parseFloat(v):v.toLowerCase();}\
        document.querySelectorAll("table.sortable thead th button").forEach(function(b){b.addEventListener("click",function(){\
        var th=b.parentNode,head=th.parentNode,table=head.closest("table"),body=table.tBodies[0],i=Array.prototype.indexOf.call(head.children,th);\
        var up=th.getAttribute("aria-sort")!=="ascending";head.querySelectorAll("th").forEach(function(h){h.removeAttribute("aria-sort");});\
        th.setAttribute("aria-sort",up?"ascending":"descending");var rows=Array.prototype.slice.call(body.rows);\
        rows.sort(function(a,b){var x=key(a,i),y=key(b,i),o;if(typeof x===typeof y){o=x<y?-1:x>y?1:0;}else{o=typeof x==="number"?-1:1;}return up?o:-o;});\
        rows.forEach(function(r){body.appendChild(r);});});});})();
        """
}
