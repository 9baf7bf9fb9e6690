/// A streaming reader of records from one input. Memory stays flat whatever the input's size.
///
/// Call ``next()`` until it returns `nil`. Row-level problems come back as `.issue` events and
/// the reader carries on; a thrown ``ReadIssue`` means the rest of the input is unreadable.
public protocol RecordReader: AnyObject {
    /// The next record or row-level issue, or `nil` at the end of the input.
    func next() throws(ReadIssue) -> ReadEvent?
}

extension RecordReader {
    /// Every event up to the end, or up to (and including) a fatal issue. For tests and small inputs.
    public func readAll() -> [ReadEvent] {
        var events: [ReadEvent] = []
        while true {
            do {
                guard let event = try next() else { return events }
                events.append(event)
            } catch {
                events.append(.issue(error))
                return events
            }
        }
    }
}
