import Foundation
import TallyStore
import TallyFormats

/// A report as data: a query over the store plus the metadata of the columns it returns.
///
/// The query's identifiers come only from the entity registry (see ``ReportSQL``); values come
/// in as numbered parameters (`?1`, `?2`, …) in the order of ``parameters``. The query must end
/// in an `ORDER BY` that makes its row order total, so the same store always gives the same bytes.
package struct ReportDefinition: Sendable {
    package let name: String
    /// One line for `tally extract --list`.
    package let summary: String
    package let columns: [ReportColumn]
    package let sql: String
    /// The parameters bound to `?1…?n`, in order.
    package let parameters: [ReportParameter]
    /// The report lists skipped runs (inputs already imported): a night that brought nothing new
    /// changes it, where it leaves every other report as it was (see ``StoreWatermark``).
    package let readsSkippedRuns: Bool
    /// For a report SQL cannot compute (normalised matching across rows): makes its rows in
    /// Swift, in their final order, from the store `sql` reads.
    package let rows: RowMaker?

    /// Calls its last argument with each row's values as text, in the report's order.
    package typealias RowMaker = @Sendable (Connection, ReportParameters, ([String?]) throws -> Void) throws -> Void

    package init(name: String, summary: String, columns: [ReportColumn], parameters: [ReportParameter] = [],
                 readsSkippedRuns: Bool = false, sql: String, rows: RowMaker? = nil) {
        self.name = name
        self.summary = summary
        self.columns = columns
        self.sql = sql
        self.parameters = parameters
        self.readsSkippedRuns = readsSkippedRuns
        self.rows = rows
    }
}

/// A column of an extract: its name and what its values are.
package struct ReportColumn: Sendable, Hashable {
    package let name: String
    package let type: ReportColumnType

    package init(_ name: String, _ type: ReportColumnType = .text) {
        self.name = name
        self.type = type
    }
}

/// What a column's values are. CSV writes them all as text; JSON writes numbers and booleans
/// as JSON numbers and booleans.
package enum ReportColumnType: String, Sendable, Hashable {
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
package enum ReportParameter: String, Sendable, Hashable {
    /// `--stale-days N`: how many days without an update or a discovery make a CI stale.
    case staleDays = "stale_days"
    /// `--stale-days CLASS=N,…`: the classes with days of their own, bound as a JSON object.
    case staleDaysByClass = "stale_days_by_class"
    /// The store ids of the CIs in a `ci_duplicates` pair, bound as a JSON array (set by the
    /// report itself, see `ReportCatalogue.withDuplicateCandidates`; never from the command line).
    case duplicateCandidates = "duplicate_candidates"
}

/// The values of ``ReportParameter``s for one extract.
package struct ReportParameters: Sendable, Hashable {
    package var staleDays: Int
    /// Classes (`sys_class_name`) whose CIs go stale after days of their own.
    package var staleDaysByClass: [String: Int]
    /// See ``ReportParameter/duplicateCandidates``.
    var duplicateCandidates: [Int64] = []

    package init(staleDays: Int = 60, staleDaysByClass: [String: Int] = [:]) {
        self.staleDays = staleDays
        self.staleDaysByClass = staleDaysByClass
    }

    /// The parameters a `--stale-days` value gives: `N`, `CLASS=N`, or both, comma-separated
    /// (`60,cmdb_ci_computer=30`); nil with what is wrong.
    package static func staleDays(_ text: String) -> (parameters: ReportParameters?, problem: String?) {
        var parameters = ReportParameters()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let days = Int(parts.last ?? ""), days >= 0, parts.count == 1 || !parts[0].isEmpty else {
                return (nil, "'--stale-days' takes days (0 or more), or CLASS=DAYS, comma-separated (60,cmdb_ci_computer=30); got '\(text)'")
            }
            if parts.count == 2 { parameters.staleDaysByClass[parts[0]] = days } else { parameters.staleDays = days }
        }
        return (parameters, nil)
    }

    func value(of parameter: ReportParameter) -> SQLValue {
        switch parameter {
        case .staleDays: .integer(Int64(staleDays))
        case .staleDaysByClass:
            .text("{" + staleDaysByClass.sorted { $0.key < $1.key }.map { "\(JSON.quote($0.key)): \($0.value)" }.joined(separator: ", ") + "}")
        case .duplicateCandidates: .text("[" + duplicateCandidates.map(String.init).joined(separator: ",") + "]")
        }
    }
}
