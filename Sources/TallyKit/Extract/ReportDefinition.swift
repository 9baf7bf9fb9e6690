/// A report as data: a query over the store plus the metadata of the columns it returns.
///
/// The query's identifiers come only from the entity registry (see ``ReportSQL``); values come
/// in as numbered parameters (`?1`, `?2`, …) in the order of ``parameters``. The query must end
/// in an `ORDER BY` that makes its row order total, so the same store always gives the same bytes.
public struct ReportDefinition: Sendable {
    public let name: String
    /// One line for `tally extract --list`.
    public let summary: String
    public let columns: [ReportColumn]
    public let sql: String
    /// The parameters bound to `?1…?n`, in order.
    public let parameters: [ReportParameter]

    public init(name: String, summary: String, columns: [ReportColumn], parameters: [ReportParameter] = [], sql: String) {
        self.name = name
        self.summary = summary
        self.columns = columns
        self.sql = sql
        self.parameters = parameters
    }
}

/// A column of an extract: its name and what its values are.
public struct ReportColumn: Sendable, Hashable {
    public let name: String
    public let type: ReportColumnType

    public init(_ name: String, _ type: ReportColumnType = .text) {
        self.name = name
        self.type = type
    }
}

/// What a column's values are. CSV writes them all as text; JSON writes numbers and booleans
/// as JSON numbers and booleans.
public enum ReportColumnType: String, Sendable, Hashable {
    case text
    case integer
    /// A number with a fixed count of decimals, written by the query (`printf('%.1f', …)`).
    case decimal
    /// `true` / `false`.
    case boolean
    /// UTC `YYYY-MM-DD HH:MM:SS`.
    case datetime
}

/// A value a report's query takes from the command line.
public enum ReportParameter: String, Sendable, Hashable {
    /// `--stale-days N`: how many days without an update or a discovery make a CI stale.
    case staleDays = "stale_days"
}

/// The values of ``ReportParameter``s for one extract.
public struct ReportParameters: Sendable, Hashable {
    public var staleDays: Int

    public init(staleDays: Int = 60) {
        self.staleDays = staleDays
    }

    func value(of parameter: ReportParameter) -> SQLValue {
        switch parameter {
        case .staleDays: .integer(Int64(staleDays))
        }
    }
}
