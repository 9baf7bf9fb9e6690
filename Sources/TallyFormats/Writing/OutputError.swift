/// A failure to write output: what was being written, and why (the system's reason).
public struct OutputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The output's name (a path, or `-` for standard output).
    public var name: String
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    public var description: String { "\(name): \(message)" }
}
