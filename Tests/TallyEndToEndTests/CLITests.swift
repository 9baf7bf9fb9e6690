import Foundation
import Testing
import TestSupport

@Suite("CLI contract")
struct CLITests {
    /// The commands `tally --help` lists (its command list is the CLI's `allCommands`), so a
    /// new command is held to help and documentation without editing a copy here.
    static let commands: [String] = {
        guard let help = try? TallyProcess.run(["--help"]).stdout,
              let section = help.components(separatedBy: "COMMANDS:\n").dropFirst().first else { return [] }
        return section.components(separatedBy: "\n\n")[0].split(separator: "\n")
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }()

    @Test func rootHelpListsEveryCommand() throws {
        let result = try TallyProcess.run(["--help"])
        #expect(result.status == 0)
        // The core of the CLI, so an unreadable list cannot pass as an empty one.
        for command in ["init", "import", "run", "extract", "rollback"] {
            #expect(Self.commands.contains(command), "help does not list \(command)")
        }
        #expect(Set(Self.commands).count == Self.commands.count)
        #expect(result.stdout.contains("EXIT CODES"))
    }

    @Test(arguments: commands)
    func everyCommandHasHelp(_ command: String) throws {
        let viaHelp = try TallyProcess.run(["help", command])
        let viaFlag = try TallyProcess.run([command, "--help"])
        #expect(viaHelp.status == 0)
        #expect(viaHelp.stdout == viaFlag.stdout)
        #expect(viaHelp.stdout.hasPrefix("OVERVIEW: "))
        #expect(viaHelp.stdout.contains("USAGE: tally \(command)"))
        #expect(viaHelp.stdout.contains("--help"))
    }

    @Test(arguments: commands)
    func everyCommandIsInTheREADME(_ command: String) throws {
        let readme = try String(contentsOf: Paths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("`tally \(command)"), "README does not document tally \(command)")
    }

    @Test func versionPrintsTheVersion() throws {
        let result = try TallyProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("tally "))
    }

    @Test func noCommandIsAUsageError() throws {
        let result = try TallyProcess.run([])
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: no command given"))
    }

    @Test func unknownCommandSuggestsTheClosest() throws {
        let result = try TallyProcess.run(["imprt"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: unknown command 'imprt'; did you mean 'import'?"))
        #expect(result.stdout.isEmpty)
    }

    @Test func unknownOptionIsAUsageErrorWithTheUsageLine() throws {
        let result = try TallyProcess.run(["parse", "x.csv", "--delimter", ";"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: unknown option '--delimter'; did you mean '--delimiter'?"))
        #expect(result.stderr.contains("usage: tally parse <file> [options]"))
    }

    @Test func anOptionValueOutsideItsChoicesIsRefusedBeforeWork() throws {
        let result = try TallyProcess.run(["parse", "missing.csv", "--format", "xlsx"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("'--format' must be one of auto, csv, tsv, json, ndjson, xml; got 'xlsx'"))
    }

    /// One `--stale-days` for the two commands that judge CIs: same help, same check, before any work.
    @Test(arguments: [["extract", "cmdb_health", "--out", "-"], ["report", "--html", "r.html"]])
    func staleDaysIsOneOptionChecked(_ arguments: [String]) throws {
        let folder = try Paths.makeTempDirectory()
        let result = try TallyProcess.run(arguments + ["--stale-days", "-1", "--db", "none.db"], in: folder)
        #expect(result.status == 64)
        #expect(result.stderr.contains("'--stale-days' takes days (0 or more), or CLASS=DAYS, comma-separated (60,cmdb_ci_computer=30); got '-1'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("none.db").path))
        let help = try TallyProcess.run([arguments[0], "--help"])
        #expect(help.stdout.contains("--stale-days <N>") && help.stdout.contains("make a CI stale (default: 60); CLASS=N for a class of its own"))
    }

    @Test func initIsHarmlessToRepeat() throws {
        let folder = try Paths.makeTempDirectory()
        let first = try TallyProcess.run(["init"], in: folder)
        let second = try TallyProcess.run(["init", "--json"], in: folder)
        #expect(first.status == 0)
        #expect(second.status == 0)
        #expect(second.stdout.contains("\"schema_version\": 9"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tally.db").path))
    }

    @Test func theStoreComesFromTALLY_DBWhenNoDbOption() throws {
        let folder = try Paths.makeTempDirectory()
        let path = folder.appendingPathComponent("elsewhere.db").path
        let result = try TallyProcess.run(["init"], in: folder, environment: ["TALLY_DB": path])
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("tally.db").path))
    }
}
