import Foundation
import TallyKit

/// `tally extract`: writes entity feeds (and, later, reports) from the store.
struct ExtractCommand: Command {
    static let spec = CommandSpec(
        name: "extract",
        abstract: "Write entity feeds from the store as CSV or NDJSON, to a folder or stdout.",
        discussion: "Each entity's current records under canonical field names, ordered by sys_id (then business key). Datetimes are UTC 'YYYY-MM-DD HH:MM:SS', choices their codes, null an empty CSV cell or JSON null. Files in a folder are written atomically as NAME.csv or NAME.ndjson. Importing an extract back changes nothing.",
        arguments: [ArgumentSpec(name: "name", help: "Entities to extract (e.g. incident ci).", isRepeating: true)],
        options: [
            OptionSpec(name: "format", valueName: "FORMAT", help: "The file format (default: ndjson).", choices: ExtractFormat.allCases.map(\.rawValue)),
            OptionSpec(name: "out", short: "o", valueName: "DIR", help: "The folder to write into, or - for stdout (default: -)."),
            .database,
        ]
    )

    var names: [EntityDefinition]
    var format: ExtractFormat
    var out: String
    var databasePath: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        var names: [EntityDefinition] = []
        for name in arguments.positionalList("name") {
            guard let entity = EntityRegistry.standard.entity(named: name) else {
                throw UsageError(message: "unknown extract '\(name)'; known: \(EntityRegistry.standard.names.joined(separator: ", "))", command: Self.spec.name)
            }
            names.append(entity)
        }
        self.names = names
        format = arguments.value("format").flatMap(ExtractFormat.init(rawValue:)) ?? .ndjson
        out = arguments.value("out") ?? "-"
        if out == "-" && names.count > 1 {
            throw UsageError(message: "several extracts need a folder: give --out DIR", command: Self.spec.name)
        }
        databasePath = arguments.databasePath
    }

    func run(_ console: Console) throws -> ExitCode {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw CommandFailure.noInput("no store at \(databasePath); create one with 'tally init' or import into it")
        }
        let database = try TallyDatabase.open(path: databasePath)
        if out == "-" {
            console.flush()
            let sink = FileOutputSink(descriptor: 1, name: "stdout")
            try EntityExtract(names[0]).write(from: database.connection, format: format, to: sink)
            try sink.flush()
            return .success
        }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } else if !isDirectory.boolValue {
            throw CommandFailure.failed("\(out) is a file; --out needs a folder (or - for stdout)")
        }
        for entity in names {
            let path = out + "/" + entity.name + "." + format.fileExtension
            let file = try AtomicFile(path: path)
            let rows = try EntityExtract(entity).write(from: database.connection, format: format, to: file.sink)
            try file.commit()
            console.error("wrote \(path): \(rows) rows")
        }
        return .success
    }
}
