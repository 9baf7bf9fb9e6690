/// Where a statement's values are appended in order: a statement's ``Parameters`` (bound at once)
/// or a ``PackedParameters`` (packed for another thread to bind). Code that knows what a row binds
/// writes it once, for either.
public protocol ParameterSink: ~Copyable {
    /// What appending can throw (`Never` for a pack).
    associatedtype Failure: Error
    mutating func appendNull() throws(Failure)
    mutating func append(_ number: Int64) throws(Failure)
    mutating func append(_ text: String) throws(Failure)
}

extension ParameterSink where Self: ~Copyable {
    /// The text, or NULL.
    @inlinable public mutating func append(_ text: String?) throws(Failure) {
        if let text { try append(text) } else { try appendNull() }
    }

    /// The number, or NULL.
    @inlinable public mutating func append(_ number: Int64?) throws(Failure) {
        if let number { try append(number) } else { try appendNull() }
    }
}
