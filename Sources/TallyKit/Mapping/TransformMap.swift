import Foundation
import TallyFormats

/// How one source's export maps onto an entity: columns to fields, date formats and zone, null
/// tokens, choice translations, constants and coalesce keys. Read from JSON; the format is
/// documented in `docs/transform-maps.md`.
///
/// A map says only what differs from the defaults: unless `"defaults": false`, every column
/// named like a field or one of its display labels (case-insensitively) maps to that field.
package struct TransformMap: Sendable, Equatable, Codable {
    /// The text encoding the source's files are in (the reader transcodes while streaming).
    package enum Encoding: String, Sendable, Equatable, Codable {
        case utf8 = "utf-8"
        case windows1252 = "windows-1252"
        case latin1 = "latin-1"
        case utf16 = "utf-16"
    }

    /// What a present but empty value means.
    package enum EmptyPolicy: String, Sendable, Equatable, Codable {
        /// The field is set to null (the default).
        case null
        /// The field is treated as absent: the stored value is left as it is.
        case keep
    }

    /// What to do with a value that is not one of a choice field's codes or labels.
    package enum UnknownChoice: String, Sendable, Equatable, Codable {
        /// An error: the row is rejected (the default).
        case reject
        /// A warning; the text is stored as it came.
        case keep
        /// A warning; the field is set to null.
        case null
    }

    /// A JSON scalar: a constant's value or a choice code.
    package enum Scalar: Sendable, Hashable, Codable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
        case null

        package init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let flag = try? container.decode(Bool.self) {
                self = .boolean(flag)
            } else if let number = try? container.decode(Int64.self) {
                self = .integer(number)
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected a string, a whole number, a boolean or null")
            }
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let text): try container.encode(text)
            case .integer(let number): try container.encode(number)
            case .boolean(let flag): try container.encode(flag)
            case .null: try container.encodeNil()
            }
        }

        /// The value as input text (`nil` for null).
        package var text: String? {
            switch self {
            case .string(let text): text
            case .integer(let number): String(number)
            case .boolean(let flag): flag ? "true" : "false"
            case .null: nil
            }
        }

        package var description: String { text ?? "null" }
    }

    /// How one column maps: a field name, or an object with per-column options.
    package struct Column: Sendable, Equatable, Codable {
        package var field: String
        /// Date formats for this column (default: the map's `date_formats`).
        package var formats: [String]?
        /// IANA zone of this column's local times (default: the map's `timezone`).
        package var timezone: String?
        /// Source text → choice code (or null), matched case-insensitively before the field's
        /// own codes and labels.
        package var choices: [String: Scalar]?
        /// What an unknown choice value does (default: the map's `unknown`).
        package var unknown: UnknownChoice?
        /// Null tokens for this column, replacing the map's.
        package var nullTokens: [String]?
        /// Empty-value policy for this column (default: the map's `empty`).
        package var empty: EmptyPolicy?

        package init(
            field: String, formats: [String]? = nil, timezone: String? = nil, choices: [String: Scalar]? = nil,
            unknown: UnknownChoice? = nil, nullTokens: [String]? = nil, empty: EmptyPolicy? = nil
        ) {
            self.field = field
            self.formats = formats
            self.timezone = timezone
            self.choices = choices
            self.unknown = unknown
            self.nullTokens = nullTokens
            self.empty = empty
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case field, formats, timezone, choices, unknown
            case nullTokens = "null_tokens"
            case empty
        }

        package init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer(), let field = try? single.decode(String.self) {
                self.init(field: field)
                return
            }
            try TransformMap.rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                field: try container.decode(String.self, forKey: .field),
                formats: try container.decodeIfPresent([String].self, forKey: .formats),
                timezone: try container.decodeIfPresent(String.self, forKey: .timezone),
                choices: try container.decodeIfPresent([String: Scalar].self, forKey: .choices),
                unknown: try container.decodeIfPresent(UnknownChoice.self, forKey: .unknown),
                nullTokens: try container.decodeIfPresent([String].self, forKey: .nullTokens),
                empty: try container.decodeIfPresent(EmptyPolicy.self, forKey: .empty))
        }

        package func encode(to encoder: any Encoder) throws {
            if formats == nil, timezone == nil, choices == nil, unknown == nil, nullTokens == nil, empty == nil {
                var single = encoder.singleValueContainer()
                try single.encode(field)
                return
            }
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(field, forKey: .field)
            try container.encodeIfPresent(formats, forKey: .formats)
            try container.encodeIfPresent(timezone, forKey: .timezone)
            try container.encodeIfPresent(choices, forKey: .choices)
            try container.encodeIfPresent(unknown, forKey: .unknown)
            try container.encodeIfPresent(nullTokens, forKey: .nullTokens)
            try container.encodeIfPresent(empty, forKey: .empty)
        }
    }

    /// The entity's registry name, table or alias.
    package var entity: String
    /// The source's name, used for precedence and to tell runs apart.
    package var source: String
    package var encoding: Encoding
    /// Values that mean null (`?`, `NULL`), compared after trimming spaces.
    package var nullTokens: [String]
    package var empty: EmptyPolicy
    /// Default for choice columns that say nothing.
    package var unknown: UnknownChoice
    /// IANA zone of local times (default `UTC`).
    package var timezone: String
    /// Date formats tried in order (default ``DateTimeParser/defaultFormats``).
    package var dateFormats: [String]
    /// Column header → how it maps. Headers match exactly first, then case-insensitively.
    package var columns: [String: Column]
    /// Columns to drop silently (neither mapped nor kept as extra).
    package var ignore: [String]
    /// Field → value set on every record (typed like input text).
    package var constants: [String: Scalar]
    /// Coalesce keys: ordered identification rules replacing the entity's (`[["number"]]`).
    package var keys: [[String]]?
    /// Fields this source must carry, on top of the registry's required fields.
    package var required: [String]
    /// Whether columns named like a field or its labels map without being listed (default true).
    package var defaults: Bool
    /// Rule (`temporal_order`) or rule family (`resolution`) → severity, replacing the default
    /// (``SeverityPolicy``): `error` rejects the row, `warning` lets it land with the finding.
    package var severity: [String: Finding.Severity]

    package init(
        entity: String, source: String = "default", encoding: Encoding = .utf8, nullTokens: [String] = [],
        empty: EmptyPolicy = .null, unknown: UnknownChoice = .reject, timezone: String = "UTC",
        dateFormats: [String] = DateTimeParser.defaultFormats, columns: [String: Column] = [:],
        ignore: [String] = [], constants: [String: Scalar] = [:], keys: [[String]]? = nil,
        required: [String] = [], defaults: Bool = true, severity: [String: Finding.Severity] = [:]
    ) {
        self.entity = entity
        self.source = source
        self.encoding = encoding
        self.nullTokens = nullTokens
        self.empty = empty
        self.unknown = unknown
        self.timezone = timezone
        self.dateFormats = dateFormats
        self.columns = columns
        self.ignore = ignore
        self.constants = constants
        self.keys = keys
        self.required = required
        self.defaults = defaults
        self.severity = severity
    }

    /// The severities this map's rules have; throws when the map asks for one that cannot be honoured.
    package func severityPolicy() throws(SeverityPolicy.Invalid) -> SeverityPolicy {
        if severity.isEmpty { return .standard }
        return try SeverityPolicy(overrides: Dictionary(uniqueKeysWithValues: severity.map { (RuleID($0.key), $0.value) }))
    }

    /// The built-in map for a plain export of `entity`: every field by its name and its
    /// display labels, UTC, the default date formats, no null tokens.
    package static func `default`(for entity: EntityDefinition) -> TransformMap {
        TransformMap(entity: entity.name, columns: defaultColumns(for: entity))
    }

    /// Field names and display labels → field, for `entity`.
    static func defaultColumns(for entity: EntityDefinition) -> [String: Column] {
        var columns: [String: Column] = [:]
        for field in entity.fields {
            columns[field.name] = Column(field: field.name)
            for label in field.labels where columns[label] == nil {
                columns[label] = Column(field: field.name)
            }
        }
        return columns
    }

    /// Reads a map from JSON. Unknown keys are errors, so a typo cannot be silently ignored.
    package static func decode(from data: Data) throws -> TransformMap {
        try JSONDecoder().decode(TransformMap.self, from: data)
    }

    /// Reads a map from a JSON file.
    package static func load(path: String) throws -> TransformMap {
        try decode(from: try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case entity, source, encoding
        case nullTokens = "null_tokens"
        case empty, unknown, timezone
        case dateFormats = "date_formats"
        case columns, ignore, constants, keys, required, defaults, severity
    }

    package init(from decoder: any Decoder) throws {
        try TransformMap.rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue) + ["comment"])
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var keys: [[String]]?
        if container.contains(.keys) {
            // Either one group (["number"]) or ordered groups ([["serial_number", "sys_class_name"], ["name"]]).
            if let groups = try? container.decode([[String]].self, forKey: .keys) {
                keys = groups
            } else {
                keys = [try container.decode([String].self, forKey: .keys)]
            }
        }
        self.init(
            entity: try container.decode(String.self, forKey: .entity),
            source: try container.decodeIfPresent(String.self, forKey: .source) ?? "default",
            encoding: try container.decodeIfPresent(Encoding.self, forKey: .encoding) ?? .utf8,
            nullTokens: try container.decodeIfPresent([String].self, forKey: .nullTokens) ?? [],
            empty: try container.decodeIfPresent(EmptyPolicy.self, forKey: .empty) ?? .null,
            unknown: try container.decodeIfPresent(UnknownChoice.self, forKey: .unknown) ?? .reject,
            timezone: try container.decodeIfPresent(String.self, forKey: .timezone) ?? "UTC",
            dateFormats: try container.decodeIfPresent([String].self, forKey: .dateFormats)
                ?? DateTimeParser.defaultFormats,
            columns: try container.decodeIfPresent([String: Column].self, forKey: .columns) ?? [:],
            ignore: try container.decodeIfPresent([String].self, forKey: .ignore) ?? [],
            constants: try container.decodeIfPresent([String: Scalar].self, forKey: .constants) ?? [:],
            keys: keys,
            required: try container.decodeIfPresent([String].self, forKey: .required) ?? [],
            defaults: try container.decodeIfPresent(Bool.self, forKey: .defaults) ?? true,
            severity: try container.decodeIfPresent([String: Finding.Severity].self, forKey: .severity) ?? [:])
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entity, forKey: .entity)
        try container.encode(source, forKey: .source)
        try container.encode(encoding, forKey: .encoding)
        try container.encode(nullTokens, forKey: .nullTokens)
        try container.encode(empty, forKey: .empty)
        try container.encode(unknown, forKey: .unknown)
        try container.encode(timezone, forKey: .timezone)
        try container.encode(dateFormats, forKey: .dateFormats)
        try container.encode(columns, forKey: .columns)
        try container.encode(ignore, forKey: .ignore)
        try container.encode(constants, forKey: .constants)
        try container.encodeIfPresent(keys, forKey: .keys)
        try container.encode(required, forKey: .required)
        try container.encode(defaults, forKey: .defaults)
        if !severity.isEmpty { try container.encode(severity, forKey: .severity) }
    }

    fileprivate static func rejectUnknownKeys(in decoder: any Decoder, known: [String]) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "'\(key.stringValue)' is not a transform-map key (known: \(known.joined(separator: ", ")))")
        }
    }
}
