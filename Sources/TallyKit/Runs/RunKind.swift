/// What a run did. Stored as its raw value in `runs.kind`.
package enum RunKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Read inputs into the store.
    case `import`
    /// Read the inputs an earlier run kept, with today's maps and rules.
    case rerun
    /// Undid an earlier run from its audit.
    case rollback
    /// Settled duplicate CIs (`tally dedupe`): merges and distinct decisions, undone like any run.
    case dedupe

    /// The kinds whose runs read inputs, and so can be rerun.
    package static let reading: Set<RunKind> = [.import, .rerun]

    package var description: String { rawValue }
}
