import Foundation

/// Inline SVG charts for the steward report. Each chart is an `<svg role="img">` whose `<title>`
/// and `<desc>` carry its numbers in words, every bar has its own `<title>` (a tooltip), and the
/// page puts a table with the same numbers beside it.
///
/// Colours are the Okabe–Ito palette, which stays distinct without colour vision; what matters
/// most (rejects, a missed target, an inconsistent case) also carries a hatch pattern and a
/// text mark, so nothing is told by colour alone. Fills are CSS classes (see
/// ``StewardReportPage/style``), patterns are defined once per page (``patternDefinitions``).
enum SVGChart {
    /// A series of a chart: its name (legend, tooltips) and the CSS class that fills it.
    struct Series {
        var name: String
        var fill: String
    }

    /// One column of a stacked column chart.
    struct Column {
        var label: String
        /// One value per series, bottom up.
        var values: [Int]
        /// Short text above the column (`failed`, `rolled back`), or nil.
        var mark: String?
        /// What the column is, for its tooltip (`run 12 · import incident`).
        var title: String
        /// Drawn with a bold label and a dot under it (new since the previous job run).
        var highlighted = false
    }

    /// How column totals map to heights: linear, or logarithmic when the largest column is at
    /// least ``logRatio`` times the smallest non-empty one, so a run of 50 rows stays visible next
    /// to one of 1,000,000.
    struct ColumnScale: Equatable {
        /// The axis maximum (a round number, or a power of ten on a log scale).
        var maximum: Int
        var logarithmic: Bool

        static let logRatio = 50

        init(totals: [Int]) {
            let largest = totals.max() ?? 0
            let smallest = totals.filter { $0 > 0 }.min() ?? 0
            logarithmic = smallest > 0 && largest >= Self.logRatio * smallest
            if logarithmic {
                var power = 1
                while power < largest { power *= 10 }
                maximum = power
            } else {
                maximum = niceCeiling(largest)
            }
        }

        /// The height of a column of `total` rows in a plot `plot` units high.
        func height(_ total: Int, plot: Double) -> Double {
            guard total > 0 else { return 0 }
            let share = logarithmic ? log10(1 + Double(total)) / log10(1 + Double(maximum)) : Double(total) / Double(max(maximum, 1))
            return max(1.5, plot * share)
        }

        /// The axis ticks: 0 and each power of ten (log), or quarters of the maximum (linear).
        var ticks: [Int] {
            guard logarithmic else { return (0...4).map { maximum * $0 / 4 } }
            var ticks = [0, 1]
            while ticks.last! < maximum { ticks.append(ticks.last! * 10) }
            return ticks
        }
    }

    /// Columns of stacked values (runs over time), as wide as the page; wide charts scroll in
    /// their own box. Each column's total is written above it; see ``ColumnScale`` for heights.
    static func stackedColumns(id: String, title: String, description: String, series: [Series], columns: [Column]) -> HTML {
        let left = 56.0, right = 12.0, top = 36.0, plot = 220.0, bottom = 44.0
        let width = max(960.0, left + right + Double(columns.count) * 22)
        let step = (width - left - right) / Double(max(columns.count, 1))
        let bar = min(44.0, step * 0.7)
        let height = top + plot + bottom
        let totals = columns.map { $0.values.reduce(0, +) }
        let scale = ColumnScale(totals: totals)
        var body: [HTML] = []
        for tick in scale.ticks {
            let y = top + plot - scale.height(tick, plot: plot)
            body.append("<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y)\" y2=\"\(y)\"/>")
            body.append("<text class=\"axis\" x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(compact(tick))</text>")
        }
        if scale.logarithmic {
            body.append("<text class=\"axis\" x=\"4\" y=\"\(top - 22)\">log scale</text>")
        }
        let showTotals = step >= 26
        for (index, column) in columns.enumerated() {
            let x = left + Double(index) * step + (step - bar) / 2
            let total = totals[index]
            let columnHeight = scale.height(total, plot: plot)
            var y = top + plot
            for (position, value) in column.values.enumerated() where value > 0 {
                let h = max(1.5, columnHeight * Double(value) / Double(total))
                y -= h
                let name = series[position].name
                body.append("<rect class=\"\(series[position].fill)\" x=\"\(x)\" y=\"\(y)\" width=\"\(bar)\" height=\"\(h)\"><title>\(column.title): \(name) \(grouped(value))</title></rect>")
            }
            if showTotals {
                body.append("<text class=\"axis total\" x=\"\(x + bar / 2)\" y=\"\(min(y, top + plot) - 4)\" text-anchor=\"middle\">\(compact(total))</text>")
            }
            if let mark = column.mark {
                body.append("<rect class=\"marked\" x=\"\(x - 3)\" y=\"\(top - 4)\" width=\"\(bar + 6)\" height=\"\(plot + 4)\"><title>\(column.title): \(mark)</title></rect>")
                body.append("<text class=\"mark\" x=\"\(x + bar / 2)\" y=\"\(top - 20)\" text-anchor=\"middle\">\(markSymbol(mark))</text>")
            }
            let weight: HTML = column.highlighted ? " font-weight=\"bold\"" : ""
            body.append("<text class=\"axis\" x=\"\(x + bar / 2)\" y=\"\(top + plot + 16)\" text-anchor=\"middle\"\(weight)>\(column.label)</text>")
            if column.highlighted {
                body.append("<circle class=\"new\" cx=\"\(x + bar / 2)\" cy=\"\(top + plot + 28)\" r=\"4\"><title>\(column.title): new since the previous job run</title></circle>")
            }
        }
        body.append("<line class=\"baseline\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(top + plot)\" y2=\"\(top + plot)\"/>")
        let minimum = Int(min(width, 680))
        let scaleText = scale.logarithmic ? " Heights on a log scale (each gridline ten times the one below), so small runs show beside large ones; a column's parts share its height in proportion." : ""
        return """
            <div class="chart-scroll" tabindex="0" role="region" aria-label="\(title) (scrolls sideways)">\
            <svg id="\(id)" class="chart columns" viewBox="0 0 \(width) \(height)" style="min-width:\(minimum)px" data-scale="\(scale.logarithmic ? "log" : "linear")" \
            role="img" aria-labelledby="\(id)-title \(id)-desc"><title id="\(id)-title">\(title)</title><desc id="\(id)-desc">\(description)\(scaleText)</desc>\(body)</svg></div>
            """
    }

    /// `950`, `1.2k`, `45k`, `1M`: an axis or total label that fits above a narrow column.
    static func compact(_ value: Int) -> String {
        func short(_ number: Double, _ unit: String) -> String {
            let text = number < 10 && number != number.rounded() ? String(format: "%.1f", number) : String(Int(number.rounded()))
            return text + unit
        }
        switch value {
        case ..<1_000: return String(value)
        case ..<1_000_000: return short(Double(value) / 1_000, "k")
        default: return short(Double(value) / 1_000_000, "M")
        }
    }

    /// One horizontal bar.
    struct Bar {
        var label: String
        /// Segments, left to right: value and fill class.
        var segments: [(value: Double, fill: String)]
        /// Text after the bar (`12`, `87.5% ✕`).
        var text: String
        /// Tooltip of the bar.
        var title: String
        /// Mark the label (bold): something here needs a person.
        var emphasis = false
    }

    /// A target drawn as a dashed vertical line across every bar.
    struct Target {
        var value: Double
        var label: String
    }

    /// Horizontal bars with labels (rejects by rule, backlog by priority, CMDB shares). `maximum`
    /// fixes the scale (100 for percentages); otherwise it is the largest bar. With `labelsAbove`
    /// each label sits on its own line over its bar, so long labels (rule names, resolution
    /// codes) stay whole and the chart stays legible on a phone; otherwise labels sit left of the
    /// bars in `labelWidth` units, and a chart with a label too long for them puts every label
    /// above instead: a label is never cut so that two read the same (``shortened(_:to:)``).
    static func horizontalBars(id: String, title: String, description: String, bars: [Bar],
                               maximum fixed: Double? = nil, target: Target? = nil,
                               labelsAbove requested: Bool = false, labelWidth: Double = 150, width: Double = 420) -> HTML {
        let labelsAbove = requested || bars.contains { $0.label.count > Int(labelWidth / 8.8) }
        let longestText = bars.map(\.text.count).max() ?? 0
        let right = Double(longestText) * 8.6 + 10  // room for the text at the phone size (14.5px)
        let left = labelsAbove ? 2.0 : labelWidth + 8
        let row = labelsAbove ? 36.0 : 22.0, bar = 14.0, barOffset = labelsAbove ? 17.0 : 0.0
        let top = target == nil ? 6.0 : 22.0
        let height = top + Double(max(bars.count, 1)) * row + 6
        let span = width - left - right
        let maximum = fixed ?? max(1, bars.map { $0.segments.reduce(0) { $0 + $1.value } }.max() ?? 1)
        let maxLabel = labelsAbove ? Int(width / 8.8) : Int(labelWidth / 8.8)
        var body: [HTML] = []
        let labels = shortened(bars.map(\.label), to: maxLabel)
        for (index, item) in bars.enumerated() {
            let y = top + Double(index) * row
            let label = labels[index]
            let weight: HTML = item.emphasis ? " font-weight=\"bold\"" : ""
            if labelsAbove {
                body.append("<text class=\"label\" x=\"\(left)\" y=\"\(y + 12)\"\(weight)><title>\(item.label)</title>\(label)</text>")
            } else {
                body.append("<text class=\"label\" x=\"\(labelWidth)\" y=\"\(y + bar - 2)\" text-anchor=\"end\"\(weight)><title>\(item.label)</title>\(label)</text>")
            }
            var x = left
            for segment in item.segments where segment.value > 0 {
                let w = max(1.5, span * segment.value / maximum)
                body.append("<rect class=\"\(segment.fill)\" x=\"\(x)\" y=\"\(y + barOffset)\" width=\"\(w)\" height=\"\(bar)\"><title>\(item.title)</title></rect>")
                x += w
            }
            body.append("<text class=\"value\" x=\"\(x + 5)\" y=\"\(y + barOffset + bar - 2)\">\(item.text)</text>")
        }
        if let target {
            let x = left + span * target.value / maximum
            body.append("<line class=\"target\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(top - 4)\" y2=\"\(height - 2)\"/>")
            body.append("<text class=\"axis\" x=\"\(x)\" y=\"12\" text-anchor=\"\(x > width - 60 ? "end" : "middle")\">\(target.label)</text>")
        }
        return """
            <svg id="\(id)" class="chart bars" viewBox="0 0 \(width) \(height)" style="max-width:\(Int(width * 1.15))px" \
            role="img" aria-labelledby="\(id)-title \(id)-desc"><title id="\(id)-title">\(title)</title><desc id="\(id)-desc">\(description)</desc>\(body)</svg>
            """
    }

    /// Labels cut to `limit` characters in the middle (`windows_cl…er_node`), keeping both ends;
    /// labels that would still read the same as another are kept whole.
    static func shortened(_ labels: [String], to limit: Int) -> [String] {
        let cut = labels.map { label -> String in
            guard label.count > limit, limit >= 3 else { return label }
            let head = (limit - 1) / 2, tail = limit - 1 - head
            return String(label.prefix(head)) + "…" + String(label.suffix(tail))
        }
        var uses: [String: Int] = [:]
        for label in cut { uses[label, default: 0] += 1 }
        return zip(labels, cut).map { full, short in uses[short]! > 1 && short != full ? full : short }
    }

    /// A legend: a swatch and a name per series.
    static func legend(_ series: [Series], extra: [HTML] = []) -> HTML {
        let items: [HTML] = series.map {
            "<li><svg class=\"swatch\" viewBox=\"0 0 14 14\" aria-hidden=\"true\"><rect class=\"\($0.fill)\" width=\"14\" height=\"14\"/></svg>\($0.name)</li>"
        }
        return "<ul class=\"legend\">\(items)\(extra.map { "<li>\($0)</li>" as HTML })</ul>"
    }

    /// Hatch and dot patterns, defined once per page and used by the fill classes.
    static let patternDefinitions: HTML = """
        <svg class="defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>\
        <pattern id="pattern-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">\
        <rect width="6" height="6" fill="#D55E00"/><rect width="2.2" height="6" fill="#FFFFFF"/></pattern>\
        <pattern id="pattern-dots" patternUnits="userSpaceOnUse" width="5" height="5">\
        <rect width="5" height="5" fill="#E69F00"/><circle cx="2.5" cy="2.5" r="1.1" fill="#000000" fill-opacity="0.55"/></pattern>\
        </defs></svg>
        """

    static func markSymbol(_ mark: String) -> String {
        switch mark {
        case "failed", "abandoned": "✕ F"
        case "rolled back": "↶ RB"
        default: "!"
        }
    }

    /// The smallest 1, 2 or 5 × 10ⁿ multiple of 4 steps at or above `value` (axis maximum).
    static func niceCeiling(_ value: Int) -> Int {
        guard value > 4 else { return 4 }
        var magnitude = 1
        while magnitude * 10 <= value { magnitude *= 10 }
        for factor in [1, 2, 4, 5, 8, 10] where factor * magnitude >= value && (factor * magnitude) % 4 == 0 {
            return factor * magnitude
        }
        let quarter = (value + 3) / 4
        return quarter * 4
    }

    /// `1234567` → `1,234,567`.
    static func grouped<Number: BinaryInteger>(_ value: Number) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }
}
