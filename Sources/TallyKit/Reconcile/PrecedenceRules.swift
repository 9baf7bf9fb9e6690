import Foundation

/// Which source may change which attribute: per entity and field, a policy and a priority list
/// of sources (first is highest). Loaded from a precedence file:
///
/// ```json
/// {"ci": {"ip_address": {"policy": "owner", "sources": ["discovery", "manual"]},
///         "owned_by":   {"policy": "owner", "sources": ["manual", "discovery"]},
///         "*":          {"policy": "any"}}}
/// ```
/// A field without a rule follows the entity's `"*"` rule, else `any`. A source missing from a
/// rule's list ranks below every listed source.
package struct PrecedenceRules: Sendable, Equatable {
    package enum Policy: String, Sendable, Codable, Equatable {
        /// Only the highest-priority source that has supplied the attribute may change it.
        case owner
        /// Any source may set the attribute while it is empty; nobody may change it after.
        case writeIfEmpty = "write_if_empty"
        /// Any source may change it (the default).
        case any
    }

    package struct Rule: Sendable, Codable, Equatable {
        package var policy: Policy
        package var sources: [String]

        package init(policy: Policy, sources: [String] = []) {
            self.policy = policy
            self.sources = sources
        }

        enum CodingKeys: String, CodingKey { case policy, sources }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            policy = try container.decode(Policy.self, forKey: .policy)
            sources = try container.decodeIfPresent([String].self, forKey: .sources) ?? []
        }

        /// The rank of `source`: 0 is the highest; unlisted sources rank last.
        package func rank(of source: String) -> Int {
            sources.firstIndex(of: source) ?? sources.count
        }

        package static let any = Rule(policy: .any)
    }

    /// Entity registry name → field (or `*`) → rule.
    package private(set) var rules: [String: [String: Rule]]

    package init(rules: [String: [String: Rule]] = [:]) { self.rules = rules }

    /// No rules: every source may change everything.
    package static let none = PrecedenceRules()

    /// Reads a precedence file, checking entity and field names against `registry`.
    package static func load(path: String, registry: EntityRegistry) throws -> PrecedenceRules {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let raw = try JSONDecoder().decode([String: [String: Rule]].self, from: data)
        var rules: [String: [String: Rule]] = [:]
        for (entityName, fields) in raw {
            guard let entity = registry.entity(named: entityName) else {
                throw PrecedenceError(message: "\(path): unknown entity '\(entityName)' (known: \(registry.names.joined(separator: ", ")))")
            }
            for (field, rule) in fields {
                guard field == "*" || entity.index(ofField: field) != nil else {
                    throw PrecedenceError(message: "\(path): \(entity.name) has no field '\(field)'")
                }
                if rule.policy == .owner && rule.sources.isEmpty {
                    throw PrecedenceError(message: "\(path): \(entity.name).\(field) uses policy 'owner' but lists no sources")
                }
                rules[entity.name, default: [:]][field] = rule
            }
        }
        return PrecedenceRules(rules: rules)
    }

    /// The rule for one attribute. A reference's display field (`owned_by_display`) follows its
    /// reference's rule unless it has one of its own: one source owns both halves.
    package func rule(entity: String, field: String) -> Rule {
        if let own = rules[entity]?[field] { return own }
        if field.hasSuffix("_display"), let reference = rules[entity]?[String(field.dropLast("_display".count))] { return reference }
        return rules[entity]?["*"] ?? .any
    }

    /// Whether any attribute of `entity` is governed by something other than `any`.
    package func governs(entity: String) -> Bool {
        rules[entity]?.values.contains { $0.policy != .any } ?? false
    }
}

/// A precedence file that cannot be used.
package struct PrecedenceError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
