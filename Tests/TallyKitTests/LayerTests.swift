import Foundation
import TestSupport
import Testing

/// The layers stay sealed: the CLI sees only TallyKit, writes no SQL, and Kit draws nothing on a terminal.
@Suite("Layers")
struct LayerTests {
    /// Every Swift file under `folder` (relative to the package root), with its text.
    static func sources(_ folder: String) throws -> [(path: String, text: String)] {
        let root = Paths.packageRoot.appendingPathComponent(folder)
        let files = try #require(FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String])
        return try files.filter { $0.hasSuffix(".swift") }.sorted().map {
            ("\(folder)/\($0)", try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// The lines of `sources` that match `pattern`, as `path:line: text`.
    static func lines(_ sources: [(path: String, text: String)], matching pattern: String) throws -> [String] {
        let regex = try Regex(pattern)
        return sources.flatMap { file in
            file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                .filter { $0.element.contains(regex) }
                .map { "\(file.path):\($0.offset + 1): \($0.element.trimmingCharacters(in: .whitespaces))" }
        }
    }

    @Test("the tally target imports neither TallyStore, TallyFormats nor CSQLite, and depends on TallyKit alone")
    func cliImportsOnlyKit() throws {
        let cli = try Self.sources("Sources/tally")
        #expect(cli.count > 10)
        #expect(try Self.lines(cli, matching: #"^\s*(@\w+\s+)*((public|package|internal|private|fileprivate)\s+)?import\s+(TallyStore|TallyFormats|CSQLite|CSHA256)\b"#) == [])
        let manifest = try String(contentsOf: Paths.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(manifest.contains(#".executableTarget(name: "tally", dependencies: ["TallyKit"]"#))
    }

    @Test("TallyKit re-exports nothing")
    func kitReexportsNothing() throws {
        #expect(try Self.lines(Self.sources("Sources/TallyKit"), matching: #"@_exported"#) == [])
    }

    @Test("the CLI holds no SQL: no statement keyword in Sources/tally")
    func cliWritesNoSQL() throws {
        let statements = [
            #"\bSELECT\b"#, #"\bINSERT\s+(OR\s+\w+\s+)?INTO\b"#, #"\bUPDATE\s+\w+\s+SET\b"#, #"\bDELETE\s+FROM\b"#,
            #"\bWHERE\b"#, #"\bFROM\s+\w+"#, #"\bBEGIN(\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION))?\s*[;"]"#,
            #"\bCOMMIT\b"#, #"\bROLLBACK\b"#, #"\bPRAGMA\s+\w+\s*[=(]"#, #"\bCREATE\s+(TABLE|INDEX|VIEW)\b"#,
            #"\.connection\b"#, #"\binTransaction\b|\btransaction\s*\{"#,
        ]
        let cli = try Self.sources("Sources/tally")
        #expect(try Self.lines(cli, matching: statements.joined(separator: "|")) == [])
    }

    @Test("Kit draws nothing on a terminal: no isatty, NO_COLOR or ANSI escape in Sources/TallyKit")
    func kitDrawsNothing() throws {
        let kit = try Self.sources("Sources/TallyKit")
        #expect(try Self.lines(kit, matching: #"isatty|NO_COLOR|\\u\{1B\}|\\e\["#) == [])
    }

    /// The scans find what they look for (so an empty result above means something).
    @Test func theScansFindWhatTheyLookFor() throws {
        let planted: [(path: String, text: String)] = [("x.swift", "import TallyStore\nlet q = \"SELECT id FROM runs WHERE x = ?\"\nif isatty(2) == 1 {}")]
        #expect(try Self.lines(planted, matching: #"import\s+TallyStore"#).count == 1)
        #expect(try Self.lines(planted, matching: #"\bSELECT\b|\bWHERE\b"#).count == 1)
        #expect(try Self.lines(planted, matching: #"isatty"#) == ["x.swift:3: if isatty(2) == 1 {}"])
    }
}
