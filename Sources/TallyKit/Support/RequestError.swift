/// A request Kit cannot carry out as given (an unknown extract, a run that is not there): the
/// caller's mistake, in a sentence that says what to do. The CLI exits 64 on it.
package struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package var description: String { message }

    package init(message: String) { self.message = message }
}
