/// Where a job reports what it does. Kit never draws on a terminal: the sink (the CLI's) decides
/// what a person sees — lines, colour, a progress line — and what the log file keeps.
package protocol JobEventSink: AnyObject {
    /// One event, in the order they happen; the outcome's is the last.
    func record(_ event: JobEvent)
    /// Where each import's reading progress goes (nil: nowhere). Called on the reading thread.
    var progress: (@Sendable (ImportProgress) -> Void)? { get }
}

/// A sink that hands each event to a closure and takes no progress.
package final class JobEventHandler: JobEventSink {
    private let handle: (JobEvent) -> Void
    package init(_ handle: @escaping (JobEvent) -> Void) { self.handle = handle }
    package func record(_ event: JobEvent) { handle(event) }
    package var progress: (@Sendable (ImportProgress) -> Void)? { nil }
}
