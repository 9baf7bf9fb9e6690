import Foundation

/// A pause the end-to-end tests use to change the world at a known moment (an input rewritten
/// between its open and the end of its read): with `TALLY_TEST_HOLD=NAME:FILE`, reaching the
/// point `NAME` creates `FILE.reached`, then waits (up to 60 s) until `FILE` is removed.
/// Without the variable it costs one dictionary lookup.
enum TestHold {
    private static let setting: (name: Substring, file: String)? = {
        guard let value = ProcessInfo.processInfo.environment["TALLY_TEST_HOLD"],
              let colon = value.firstIndex(of: ":") else { return nil }
        return (value[..<colon], String(value[value.index(after: colon)...]))
    }()

    static func pause(_ name: String) {
        guard let setting, setting.name == name else { return }
        _ = FileManager.default.createFile(atPath: setting.file + ".reached", contents: nil)
        let deadline = Date().addingTimeInterval(60)
        while FileManager.default.fileExists(atPath: setting.file), Date() < deadline { usleep(10_000) }
    }
}
