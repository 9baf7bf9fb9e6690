/// An accessible, sortable HTML table in its own horizontal scroll box.
///
/// Every cell keeps its raw value in `data-value` (the extract's own text for numbers), which the
/// inline sorting script and the tests read; the displayed text may be formatted (`1,204`).
struct HTMLTable {
    struct Column {
        var title: String
        var numeric = false

        static func text(_ title: String) -> Column { Column(title: title) }
        static func number(_ title: String) -> Column { Column(title: title, numeric: true) }
    }

    struct Cell {
        var display: HTML
        var value: String?
        var numeric = false

        /// Text data (escaped).
        static func text(_ text: String?) -> Cell { Cell(display: "\(text ?? "")", value: nil) }

        /// Markup built by the page (already escaped where it holds data).
        static func markup(_ html: HTML, value: String? = nil) -> Cell { Cell(display: html, value: value) }

        /// A whole number, shown grouped (`1,204`), kept exact in `data-value`.
        static func integer(_ number: Int) -> Cell {
            Cell(display: "\(SVGChart.grouped(number))", value: String(number), numeric: true)
        }

        /// A number exactly as the extract wrote it (`12.50`); empty shows as an en dash.
        static func decimal(_ text: String?) -> Cell {
            guard let text, !text.isEmpty else { return Cell(display: "–", value: "", numeric: true) }
            return Cell(display: "\(text)", value: text, numeric: true)
        }
    }

    struct Row {
        var key: String
        var cells: [Cell]
        /// Highlight the row: it needs a person (shown with a mark too, not by colour alone).
        var flagged = false
    }

    var id: String
    var caption: String
    var columns: [Column]
    var rows: [Row]
    /// Said in the table when it has no rows.
    var empty = "Nothing to show."

    func render() -> HTML {
        let head: [HTML] = columns.map { column in
            let cls: HTML = column.numeric ? " class=\"num\"" : ""
            return "<th scope=\"col\"\(cls)><button type=\"button\">\(column.title)</button></th>"
        }
        var body: [HTML] = []
        for row in rows {
            var cells: [HTML] = []
            for (index, cell) in row.cells.enumerated() {
                let cls: HTML = cell.numeric ? " class=\"num\"" : ""
                let value: HTML = cell.value.map { " data-value=\"\($0)\"" } ?? ""
                let tag: HTML = index == 0 ? "th scope=\"row\"" : "td"
                let close: HTML = index == 0 ? "th" : "td"
                cells.append("<\(tag)\(cls)\(value)>\(cell.display)</\(close)>")
            }
            let flag: HTML = row.flagged ? " class=\"flag\"" : ""
            body.append("<tr data-key=\"\(row.key)\"\(flag)>\(cells)</tr>")
        }
        if rows.isEmpty {
            body.append("<tr><td colspan=\"\(columns.count)\">\(empty)</td></tr>")
        }
        return """
            <div class="table-scroll" tabindex="0" role="region" aria-label="\(caption)">\
            <table id="\(id)" class="sortable"><caption>\(caption)</caption><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table></div>
            """
    }
}
