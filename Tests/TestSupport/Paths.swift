import Foundation

/// Locations tests need: the package root, its fixtures, the bundled test data, a fresh temp folder.
public enum Paths {
    /// The package's root folder (the one holding `Package.swift`).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/Paths.swift
        return url
    }()

    /// A file or folder under `fixtures/`.
    public static func fixture(_ relative: String) -> String {
        packageRoot.appendingPathComponent("fixtures").appendingPathComponent(relative).path
    }

    /// A file or folder under `Tests/Data/`: third-party suites and real data, each with its licence.
    public static func testData(_ relative: String) -> String {
        packageRoot.appendingPathComponent("Tests/Data").appendingPathComponent(relative).path
    }

    /// Writes `text` to the file `name` in `folder`; returns its path.
    @discardableResult
    public static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A new, empty temp folder, unique to the call.
    public static func makeTempDirectory(_ label: String = "tally-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
