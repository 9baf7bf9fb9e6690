import Foundation

/// What rolling back a run would do, worked out from its audit rows before anything is written.
public struct RollbackPlan: Sendable {
    /// One step of the undo, in the order it is applied (the run's audit rows, newest first).
    public struct Step: Sendable, Equatable {
        public enum Action: Sendable, Equatable {
            /// Set a field back to the value it had before the run.
            case restore(field: String, to: String?, from: String?)
            /// Remove a record the run inserted.
            case remove
            /// Put back a record the run removed (rolling back a rollback).
            case reinsert(json: String)
        }
        public var entity: String
        public var record: Int64
        public var key: String?
        public var action: Action
    }

    /// A step a later change stands in the way of: the current value is not what the run left.
    public struct Blocker: Sendable, Equatable {
        public var entity: String
        public var key: String?
        public var field: String
        /// What the run left there.
        public var runValue: String?
        /// What is there now.
        public var currentValue: String?
        public var laterRun: Int64?

        public var line: String {
            "\(entity) \(key ?? "?") \(field): the run left \(runValue ?? "∅"), now \(currentValue ?? "∅")"
                + (laterRun.map { " (changed by run \($0))" } ?? "")
        }
    }

    public var run: Int64
    /// How many steps the undo takes (they are read again as they are applied, not kept).
    public var stepCount: Int
    /// The first ``listLimit`` blockers, in the order found; ``blockerCount`` counts them all, so a
    /// rollback of a large run that is blocked everywhere does not hold every blocker in memory.
    public var blockers: [Blocker]
    public var blockerCount: Int

    /// How many blockers a plan keeps to list.
    public static let listLimit = 100
}
