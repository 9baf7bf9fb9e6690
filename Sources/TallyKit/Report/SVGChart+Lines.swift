extension SVGChart {
    /// One line of a ``lines(id:title:description:points:lines:)`` chart: a share per point (nil: not known).
    struct Line {
        var name: String
        /// An Okabe–Ito colour; lines also differ by dash pattern and marker, never by colour alone.
        var color: String
        var dash: String
        var values: [Double?]
    }

    /// Percentages over a series of points (runs), one polyline per measure on a 0–100 axis,
    /// each line named at its end with its last value, each point with a tooltip (`points` titles).
    static func lines(id: String, title: String, description: String, points: [(label: String, title: String)], lines: [Line]) -> HTML {
        let left = 40.0, right = 150.0, top = 14.0, plot = 180.0, bottom = 30.0, width = 640.0
        let height = top + plot + bottom
        let step = points.count > 1 ? (width - left - right) / Double(points.count - 1) : 0
        func x(_ index: Int) -> Double { points.count > 1 ? left + Double(index) * step : (left + width - right) / 2 }
        func y(_ value: Double) -> Double { top + plot - plot * min(max(value, 0), 100) / 100 }
        var body: [HTML] = []
        for tick in stride(from: 0.0, through: 100, by: 25) {
            body.append("<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\"/>")
            body.append("<text class=\"axis\" x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Int(tick))%</text>")
        }
        let labelEvery = max(1, points.count / 10)
        for (index, point) in points.enumerated() where index % labelEvery == 0 || index == points.count - 1 {
            body.append("<text class=\"axis\" x=\"\(x(index))\" y=\"\(top + plot + 16)\" text-anchor=\"middle\">\(point.label)</text>")
        }
        var endLabels: [(y: Double, text: HTML, color: String)] = []
        for line in lines {
            let known = line.values.enumerated().compactMap { index, value in value.map { (index, $0) } }
            guard let last = known.last else { continue }
            let path = known.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
            body.append("<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" stroke-dasharray=\"\(line.dash)\" points=\"\(path)\"/>")
            for (index, value) in known {
                body.append("<circle cx=\"\(x(index))\" cy=\"\(y(value))\" r=\"3\" fill=\"\(line.color)\"><title>\(points[index].title): \(line.name) \(HTML.number(value))%</title></circle>")
            }
            endLabels.append((y(last.1), "\(line.name) \(HTML.number(last.1))%", line.color))
        }
        // End labels never overlap: each at least a line below the one above it.
        var previous = -Double.infinity
        for label in endLabels.sorted(by: { $0.y < $1.y }) {
            let at = max(label.y + 4, previous + 13)
            previous = at
            body.append("<text class=\"label\" x=\"\(width - right + 8)\" y=\"\(at)\" fill=\"\(label.color)\">\(label.text)</text>")
        }
        body.append("<line class=\"baseline\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(top + plot)\" y2=\"\(top + plot)\"/>")
        return """
            <svg id="\(id)" class="chart lines" viewBox="0 0 \(width) \(height)" style="max-width:\(Int(width * 1.15))px" \
            role="img" aria-labelledby="\(id)-title \(id)-desc"><title id="\(id)-title">\(title)</title><desc id="\(id)-desc">\(description)</desc>\(body)</svg>
            """
    }
}
