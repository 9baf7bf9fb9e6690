import Foundation

/// Why a job file cannot be used: missing (exit 66) or invalid (exit 64).
package struct JobFileError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable { case missing, invalid }
    package var kind: Kind
    package var message: String
    package var description: String { message }
}

extension JobDefinition {
    /// Reads and checks the job file at `path`: JSON with known keys only, known entities,
    /// settings and extracts (so a job that would fail half-way fails before it starts).
    package static func load(path: String, registry: EntityRegistry = .standard,
                            catalogue: ReportCatalogue = .standard) throws(JobFileError) -> JobDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobFileError(kind: .missing, message: "the job file \(path) does not exist or cannot be read")
        }
        let job: JobDefinition
        do { job = try JSONDecoder().decode(JobDefinition.self, from: data) }
        catch { throw JobFileError(kind: .invalid, message: "the job file \(path) is not valid: \(Importer.describe(error, jsonFile: path))") }
        if let problem = job.problem(registry: registry, catalogue: catalogue) {
            throw JobFileError(kind: .invalid, message: "the job file \(path) is not valid: \(problem)")
        }
        return job
    }

    /// The first thing wrong with this job beyond its JSON shape, if any.
    func problem(registry: EntityRegistry, catalogue: ReportCatalogue) -> String? {
        if name.isEmpty || name.contains(where: { $0.isNewline }) { return "'name' must be a one-line, non-empty name" }
        let known = registry.names.joined(separator: ", ")
        for (index, input) in inputs.enumerated() {
            if registry.entity(named: input.entity) == nil && input.entity != JobInput.deletesEntity {
                return "inputs[\(index)]: unknown entity '\(input.entity)' (known: \(known))"
            }
            if input.glob.isEmpty { return "inputs[\(index)]: 'glob' is empty" }
        }
        if case .entities(let names) = order {
            for name in names where registry.entity(named: name) == nil {
                return "order: unknown entity '\(name)' (known: \(known))"
            }
        }
        let settable = StoreSettings.known.map(\.key)
        for key in settings.keys.sorted() where !settable.contains(key) {
            return "settings: unknown setting '\(key)' (known: \(settable.joined(separator: ", ")))"
        }
        if let fields = settings[StoreSettings.caseFieldsToSync], let problem = StoreSettings.caseFieldsProblem(fields.stored) {
            return "settings.\(problem)"
        }
        if let reportDays, !(1...366).contains(reportDays) { return "report_days must be from 1 to 366; got \(reportDays)" }
        if let extracts {
            if let staleDays = extracts.staleDays, staleDays < 0 { return "extracts.stale_days must be 0 or more" }
            do throws(ExtractRequestError) {
                if !reportNames(catalogue).isEmpty {
                    _ = try Extractor.sources(for: extractRequest(catalogue), in: catalogue)
                }
                var feedNames: Set<String> = []
                for feed in extracts.feeds {
                    if !feedNames.insert(feed.name).inserted { return "extracts.feeds: the feed '\(feed.name)' is named twice" }
                    _ = try Extractor.sources(for: feedRequest(feed, catalogue), in: catalogue)
                }
            } catch {
                return "extracts: \(error.message)"
            }
        }
        return nil
    }

    /// The names the `extracts` section writes into its folder (every report when it names none).
    func reportNames(_ catalogue: ReportCatalogue) -> [String] {
        extracts?.names ?? catalogue.reports.map(\.name)
    }

    func extractRequest(_ catalogue: ReportCatalogue) -> ExtractRequest {
        ExtractRequest(names: reportNames(catalogue), format: extracts?.format ?? .csv,
                       parameters: ReportParameters(staleDays: extracts?.staleDays ?? 60), maskFields: extracts?.mask ?? [])
    }

    /// A feed's request; the extracts' `mask` applies to the feed's columns it names.
    func feedRequest(_ feed: JobFeed, _ catalogue: ReportCatalogue) -> ExtractRequest {
        let columns = Set(catalogue.extract(named: feed.entity)?.columns.map(\.name) ?? [])
        return ExtractRequest(names: [feed.entity], format: extracts?.format ?? .csv,
                              parameters: ReportParameters(staleDays: extracts?.staleDays ?? 60),
                              maskFields: (extracts?.mask ?? []).filter(columns.contains), feed: feed.name)
    }
}
