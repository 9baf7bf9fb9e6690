/// The case ↔ ITSM rules (seed `000_7823e654d85c7566.txt`), as data the reconciler follows.
///
/// A case holds at most one related record per field in ``relatedFields``; requests point at
/// their case through a field of theirs (``requestLink``). A case is a child while its
/// ``parentField`` names a case whose ``majorStateField`` is ``acceptedMajorState``; the child
/// with a major-case state of its own is the major case's candidate, whose related records the
/// major case shows where its own are empty (see `CaseLinks`).
package struct CaseRules: Sendable, Hashable {
    /// Each requirement a resolution code places on the case's related records.
    package struct Requirement: Sendable, Hashable {
        /// The resolution code (`fixed_by_closing_prb`).
        package var code: String
        /// The related entity that must satisfy it.
        package var entity: String
        /// The case field naming the related record; nil when the records point at the case (requests).
        package var caseField: String?
        /// The field of the related record that is checked (`state`, `request_state`).
        package var stateField: String
        /// The states that satisfy the requirement (codes as canonical text).
        package var states: States
        /// What the requirement says, for messages (`a closed problem`).
        package var summary: String
    }

    /// The states a requirement accepts: the reconciler's check and the consistency report's
    /// SQL both follow it.
    package enum States: Sendable, Hashable {
        /// One of these codes.
        case anyOf([String])
        /// Any code but these (a code a map adds counts as accepted); `called` names such a state in reports (`open`).
        case noneOf([String], called: String)

        /// Whether `code` satisfies it; no state never does.
        package func accepts(_ code: String?) -> Bool {
            guard let code else { return false }
            switch self {
            case .anyOf(let codes): return codes.contains(code)
            case .noneOf(let codes, _): return !codes.contains(code)
            }
        }
    }

    /// A link from records of another entity to their case (`request.parent`).
    package struct BackLink: Sendable, Hashable {
        package var entity: String
        package var field: String
        /// The name used for it in `case_fields_to_sync` and journal entries.
        package var syncName: String
    }

    /// Case fields holding one related record each: `incident`, `problem`, `change_request`, `caused_by`.
    package var relatedFields: [String]
    package var parentField: String
    package var majorStateField: String
    /// The value of ``majorStateField`` that makes a case a major case.
    package var acceptedMajorState: String
    /// Orders a major case's candidates: the earliest created is the candidate (then the lowest number).
    package var createdField: String
    package var resolutionField: String
    package var requirements: [Requirement]
    package var requestLink: BackLink
    /// Other records that point at their case and are its related records for journal purposes
    /// (a work order initiated from a case): their updates write notes to the case.
    package var journalLinks: [BackLink] = []

    /// The names `case_fields_to_sync` accepts: the related fields and the back links'.
    package var syncableFields: [String] { relatedFields + [requestLink.syncName] + journalLinks.map(\.syncName) }

    /// The back link by which records of `entity` point at their case, if any.
    package func backLink(of entity: String) -> BackLink? {
        ([requestLink] + journalLinks).first { $0.entity == entity }
    }

    package static let standard = CaseRules(
        relatedFields: ["incident", "problem", "change_request", "caused_by"],
        parentField: "parent",
        majorStateField: "major_case_state",
        acceptedMajorState: "accepted",
        createdField: "sys_created_on",
        resolutionField: "resolution_code",
        requirements: [
            Requirement(code: "fixed_by_closing_prb", entity: "problem", caseField: "problem", stateField: "state",
                        states: .anyOf(["107"]), summary: "a closed problem"),
            Requirement(code: "workaround_open_prb", entity: "problem", caseField: "problem", stateField: "state",
                        states: .noneOf(["106", "107"], called: "open"), summary: "an open problem"),
            Requirement(code: "fixed_by_closing_change", entity: "change", caseField: "change_request", stateField: "state",
                        states: .anyOf(["3"]), summary: "a closed change request"),
            Requirement(code: "fixed_by_closing_incident", entity: "incident", caseField: "incident", stateField: "state",
                        states: .anyOf(["6", "7"]), summary: "a resolved or closed incident"),
            Requirement(code: "related_request_closed_complete", entity: "request", caseField: nil, stateField: "request_state",
                        states: .anyOf(["closed_complete"]), summary: "at least one request in closed_complete"),
        ],
        requestLink: BackLink(entity: "request", field: "parent", syncName: "requests"),
        journalLinks: [BackLink(entity: "work_order", field: "initiated_from", syncName: "work_orders")])
}
