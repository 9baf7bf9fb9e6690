import Foundation

/// What rolling back a run would do, worked out from its audit rows before anything is written.
package struct RollbackPlan: Sendable {
    /// One step of the undo, in the order it is applied (the run's audit rows, newest first).
    package struct Step: Sendable, Equatable {
        package enum Action: Sendable, Equatable {
            /// Set a field back to the value it had before the run.
            case restore(field: String, to: String?, from: String?)
            /// Remove a record the run inserted.
            case remove
            /// Put back a record the run removed (rolling back a rollback).
            case reinsert(json: String)
        }
        package var entity: String
        package var record: Int64
        package var key: String?
        package var action: Action
    }

    /// A step a later change stands in the way of: the current value is not what the run left.
    package struct Blocker: Sendable, Equatable {
        package var entity: String
        package var key: String?
        package var field: String
        /// What the run left there.
        package var runValue: String?
        /// What is there now.
        package var currentValue: String?
        package var laterRun: Int64?

        package var line: String {
            "\(entity) \(key ?? "?") \(field): the run left \(runValue ?? "∅"), now \(currentValue ?? "∅")"
                + (laterRun.map { " (changed by run \($0))" } ?? "")
        }
    }

    package var run: Int64
    /// How many steps the undo takes (they are read again as they are applied, not kept).
    package var stepCount: Int
    /// The first ``listLimit`` blockers, in the order found; ``blockerCount`` counts them all, so a
    /// rollback of a large run that is blocked everywhere does not hold every blocker in memory.
    package var blockers: [Blocker]
    package var blockerCount: Int

    /// How many blockers a plan keeps to list.
    package static let listLimit = 100
}
