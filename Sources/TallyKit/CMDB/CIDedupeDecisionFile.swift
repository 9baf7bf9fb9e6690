import Foundation
import TallyStore
import TallyFormats

/// Reads a steward's decisions from a `ci_duplicates` extract with its `decision` column filled:
/// `keep_a` (merge b into a), `keep_b` (merge a into b), `distinct`, or empty (not decided yet).
/// A CI is named by `sys_id_a`/`sys_id_b`, else by `name_a`/`name_b` (a CI without a sys_id).
package enum CIDedupeDecisionFile {
    /// What a file holds: the decisions in file order, the rows left undecided, and the rows
    /// that cannot be read as a decision (each with its file and line).
    package struct Contents: Sendable {
        package var decisions: [CIDedupeDecision] = []
        package var undecided = 0
        package var rejections: [CIDedupe.Rejection] = []

        package init() {}
    }

    /// A file that is not a decisions file at all (no `decision` column, unreadable).
    package struct Unusable: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    package static func read(path: String) throws -> Contents {
        let input: OpenedInput
        do { input = try InputOpener.open(path: path, hashing: false) } catch { throw Unusable(message: "\(path): \(error.message)") }
        var contents = Contents()
        var checkedHeader = false
        while true {
            let event: ReadEvent?
            do { event = try input.reader.next() } catch { throw Unusable(message: "\(path): \(error.description)") }
            guard let event else { break }
            switch event {
            case .issue(let issue):
                contents.rejections.append(CIDedupe.Rejection(place: "\(path):\(issue.line)", message: issue.message))
            case .record(let record):
                if !checkedHeader {
                    checkedHeader = true
                    guard record.names.contains("decision"), record.names.contains("sys_id_a") || record.names.contains("name_a") else {
                        throw Unusable(message: "\(path) has no decision and sys_id_a/sys_id_b columns; fill the decision column of 'tally extract ci_duplicates' (keep_a, keep_b or distinct)")
                    }
                }
                let place = record.provenance.place
                func cell(_ name: String) -> String? {
                    guard case let value?? = record[name] else { return nil }
                    let text = FormulaGuard.unguarded(value).trimmingCharacters(in: .whitespaces)
                    return text.isEmpty ? nil : text
                }
                let decision = cell("decision")?.lowercased()
                guard let decision, decision != "skip" else { contents.undecided += 1; continue }
                guard let a = cell("sys_id_a") ?? cell("name_a"), let b = cell("sys_id_b") ?? cell("name_b") else {
                    contents.rejections.append(CIDedupe.Rejection(place: place, message: "the row names no CI in sys_id_a/name_a or sys_id_b/name_b"))
                    continue
                }
                switch decision {
                case "keep_a": contents.decisions.append(CIDedupeDecision(.merge, a, b, place: place))
                case "keep_b": contents.decisions.append(CIDedupeDecision(.merge, b, a, place: place))
                case "distinct": contents.decisions.append(CIDedupeDecision(.distinct, a, b, place: place))
                default:
                    contents.rejections.append(CIDedupe.Rejection(place: place, message: "decision '\(decision)' is none of keep_a, keep_b, distinct (or empty: not decided yet)"))
                }
            }
        }
        return contents
    }
}
