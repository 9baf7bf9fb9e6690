import TallyFormats

/// Maps raw records of one input onto an entity, under one transform map.
///
/// Compiled once per (map, header): every column gets an action (a field with its converter,
/// a display value, kept as extra, ignored), so mapping a row is a walk over the values with no
/// dictionary lookups. Typing problems become ``Finding``s on the ``MappedRecord``; nothing throws
/// per row. Records whose names differ from the header (some JSON inputs) get a plan of their own.
package final class RecordMapper: Sendable {
    /// A mistake in the map itself, found before any row is mapped: the run must stop.
    package struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        package var message: String
        package init(_ message: String) { self.message = message }
        package var description: String { message }
    }

    enum Action: Sendable {
        case field(Int)  // index into `converters`
        case display(String)
        case extra
        case ignore
    }

    struct Plan: Sendable {
        var actions: [Action]
        var unknown: [String] = []
        var duplicates: [String] = []
        var ignored: [String] = []
    }

    package let entity: EntityDefinition
    package let map: TransformMap
    /// The header the mapper was compiled for.
    package let header: [String]
    /// Columns the map does not know, kept on each record as extra: report them once per file.
    package let unknownColumns: [String]
    /// Columns naming a field an earlier column (or a constant) already fills; kept as extra.
    package let duplicateColumns: [String]
    /// Columns dropped because the map lists them under `ignore` (or `FIELD.link`).
    package let ignoredColumns: [String]
    /// The identification rules in force: the map's `keys`, else the entity's.
    package var identifierRules: [[String]] { map.keys ?? entity.identifierRules }

    private let converters: [FieldConverter]
    private let exact: [String: Int]
    private let folded: [String: Int]
    private let ignoreSet: Set<String>
    private let constants: [(index: Int, value: FieldValue)]
    private let plan: Plan
    /// Where the first identifier rule's values come from under ``header`` (see ``firstKey(of:)``).
    private let firstKeySources: [KeySource]?
    /// The entity's references to tables Tally does not load, with their display fields.
    private let externalSlots: [ExternalSlot]

    /// An external reference (`caller_id`) and the field holding its display value (`caller_id_display`).
    struct ExternalSlot: Sendable {
        var field: Int
        var display: Int
        var name: String
    }

    /// A mapper for `map`'s entity, looked up in `registry`.
    package convenience init(map: TransformMap, registry: EntityRegistry = .standard, header: [String]) throws(Invalid) {
        guard let entity = registry.entity(named: map.entity) else {
            throw Invalid("the map's entity '\(map.entity)' is not known (known: \(registry.names.joined(separator: ", ")))")
        }
        try self.init(map: map, entity: entity, header: header)
    }

    /// A mapper for `entity` (the map's `entity` is not consulted).
    package init(map: TransformMap, entity: EntityDefinition, header: [String]) throws(Invalid) {
        func fieldIndex(_ name: String, _ context: String) throws(Invalid) -> Int {
            guard let index = entity.index(ofField: name) else {
                throw Invalid("\(context) names '\(name)', which is not a field of \(entity.name)")
            }
            return index
        }
        var converters: [FieldConverter] = []
        var exact: [String: Int] = [:]
        var folded: [String: Int] = [:]
        var foldedField: [String: String] = [:]
        for (column, options) in map.columns.sorted(by: { $0.key < $1.key }) {
            let index = try fieldIndex(options.field, "column '\(column)'")
            exact[column] = converters.count
            let key = ChoiceList.fold(column)
            if let other = foldedField[key], other != options.field {
                throw Invalid("columns differing only in case map to different fields (\(other), \(options.field)): '\(column)'")
            }
            foldedField[key] = options.field
            folded[key] = converters.count
            converters.append(try FieldConverter(entity: entity, fieldIndex: index, options: options, map: map, column: column))
        }
        if map.defaults {
            for (index, field) in entity.fields.enumerated() {
                let converter = converters.count
                var used = false
                for name in [field.name] + field.labels {
                    let key = ChoiceList.fold(name)
                    if folded[key] == nil {
                        folded[key] = converter
                        used = true
                    }
                }
                if used {
                    converters.append(try FieldConverter(entity: entity, fieldIndex: index, options: nil, map: map, column: nil))
                }
            }
        }
        var ignoreSet: Set<String> = []
        for column in map.ignore {
            if map.columns[column] != nil { throw Invalid("column '\(column)' is both mapped and ignored") }
            ignoreSet.insert(ChoiceList.fold(column))
        }
        var constants: [(index: Int, value: FieldValue)] = []
        for (name, scalar) in map.constants.sorted(by: { $0.key < $1.key }) {
            let index = try fieldIndex(name, "constant")
            let converter = try FieldConverter(
                entity: entity, fieldIndex: index, options: nil, map: TransformMap(entity: entity.name, dateFormats:
                    DateTimeParser.defaultFormats + map.dateFormats), column: nil)
            var findings: [Finding] = []
            let value = converter.convert(scalar.text, provenance: Provenance(file: "map", record: 0, line: 0),
                                          findings: &findings)
            if let problem = findings.first { throw Invalid("constant \(problem.message)") }
            constants.append((index, value ?? .null))
        }
        for group in map.keys ?? [] {
            guard !group.isEmpty else { throw Invalid("keys has an empty group") }
            for name in group { _ = try fieldIndex(name, "keys") }
        }
        for name in map.required { _ = try fieldIndex(name, "required") }
        do { _ = try map.severityPolicy() } catch { throw Invalid(error.description) }

        self.entity = entity
        self.map = map
        self.header = header
        self.converters = converters
        self.exact = exact
        self.folded = folded
        self.ignoreSet = ignoreSet
        self.constants = constants
        let plan = RecordMapper.plan(
            for: header, converters: converters, exact: exact, folded: folded, ignore: ignoreSet,
            taken: Set(constants.map(\.index)))
        self.plan = plan
        firstKeySources = (map.keys ?? entity.identifierRules).first.flatMap {
            Self.keySources($0, entity: entity, plan: plan, converters: converters, constants: constants)
        }
        self.unknownColumns = plan.unknown
        self.duplicateColumns = plan.duplicates
        self.ignoredColumns = plan.ignored
        externalSlots = entity.fields.enumerated().compactMap { index, field in
            field.displayField.flatMap(entity.index(ofField:)).map { ExternalSlot(field: index, display: $0, name: field.name) }
        }
    }

    /// Keeps sys_ids and display values apart for references to tables Tally does not load: a
    /// value that is not a sys_id (`David Miller`) is the display value, and leaves the stored
    /// sys_id alone; a `FIELD.display_value` fills the display field; an empty reference empties
    /// both. A column named like the display field itself wins over both.
    private func separateDisplayValues(_ values: inout [FieldValue?], display: [DisplayValue]) {
        for slot in externalSlots {
            let given = display.isEmpty ? nil : display.first { $0.field == slot.name }.map { value -> FieldValue in
                guard let text = value.value?.trimmingSpaces(), !text.isEmpty else { return .null }
                return .text(text)
            }
            switch values[slot.field] {
            case .text(let text)? where !Validator.isSysID(text):
                values[slot.field] = nil
                if values[slot.display] == nil { values[slot.display] = given ?? .text(text) }
            case .null?:
                if values[slot.display] == nil { values[slot.display] = given ?? .null }
            default:
                if values[slot.display] == nil, let given { values[slot.display] = given }
            }
        }
    }

    private static func plan(
        for names: [String], converters: [FieldConverter], exact: [String: Int], folded: [String: Int],
        ignore: Set<String>, taken: Set<Int>
    ) -> Plan {
        func resolve(_ name: String) -> Int? {
            exact[name] ?? folded[ChoiceList.fold(name)]
        }
        var taken = taken
        var plan = Plan(actions: [])
        plan.actions.reserveCapacity(names.count)
        for name in names {
            if ignore.contains(ChoiceList.fold(name)) {
                plan.actions.append(.ignore)
                plan.ignored.append(name)
                continue
            }
            var converter = resolve(name)
            if converter == nil, let dot = name.lastIndex(of: ".") {
                let prefix = String(name[..<dot])
                let suffix = name[name.index(after: dot)...]
                if let target = resolve(prefix) {
                    switch suffix {
                    case "display_value":
                        plan.actions.append(.display(converters[target].field.name))
                        continue
                    case "link":
                        plan.actions.append(.ignore)
                        plan.ignored.append(name)
                        continue
                    case "value":
                        converter = target
                    default:
                        break
                    }
                }
            }
            guard let converter else {
                plan.actions.append(.extra)
                plan.unknown.append(name)
                continue
            }
            guard taken.insert(converters[converter].fieldIndex).inserted else {
                plan.actions.append(.extra)
                plan.duplicates.append(name)
                continue
            }
            plan.actions.append(.field(converter))
        }
        return plan
    }

    /// Types `record` against the entity. Never throws: problems are the result's findings.
    package func map(_ record: RawRecord) -> MappedRecord {
        if record.names == header {
            return map(record, with: plan)
        }
        let own = RecordMapper.plan(
            for: record.names, converters: converters, exact: exact, folded: folded, ignore: ignoreSet,
            taken: Set(constants.map(\.index)))
        return map(record, with: own)
    }

    /// The first identifier rule's values for `record`, typed as ``map(_:)`` would type them; nil
    /// unless the record has the compiled header and each value converts cleanly and is not empty.
    package func firstKey(of record: RawRecord) -> [FieldValue]? {
        guard let sources = firstKeySources, record.names == header else { return nil }
        var keys: [FieldValue] = []
        keys.reserveCapacity(sources.count)
        for source in sources {
            let value: FieldValue?
            switch source {
            case .constant(let constant):
                value = constant
            case .column(let position, let converter):
                var findings: [Finding] = []
                value = converters[converter].convert(record.value(at: position), provenance: record.provenance, findings: &findings)
                if !findings.isEmpty { return nil }
            }
            guard let value, let text = value.canonicalText, !text.isEmpty else { return nil }
            keys.append(value)
        }
        return keys
    }

    /// The header's columns that give ``firstKey(of:)`` (none for a constant part).
    var firstKeyColumns: [String] {
        (firstKeySources ?? []).compactMap { source in
            if case .column(let position, _) = source { return header[position] }
            return nil
        }
    }

    /// Where a key field's value comes from under the compiled header.
    enum KeySource: Sendable {
        case constant(FieldValue)
        case column(position: Int, converter: Int)
    }

    /// The first identifier rule's sources, or nil when some field of it has none.
    private static func keySources(_ rule: [String], entity: EntityDefinition, plan: Plan, converters: [FieldConverter],
                                   constants: [(index: Int, value: FieldValue)]) -> [KeySource]? {
        var sources: [KeySource] = []
        for name in rule {
            guard let fieldIndex = entity.index(ofField: name) else { return nil }
            if let constant = constants.first(where: { $0.index == fieldIndex }) {
                sources.append(.constant(constant.value))
                continue
            }
            let column = plan.actions.enumerated().lazy.compactMap { position, action -> KeySource? in
                guard case .field(let converter) = action, converters[converter].fieldIndex == fieldIndex else { return nil }
                return .column(position: position, converter: converter)
            }.first
            guard let column else { return nil }
            sources.append(column)
        }
        return sources.isEmpty ? nil : sources
    }

    private func map(_ record: RawRecord, with plan: Plan) -> MappedRecord {
        var values = [FieldValue?](repeating: nil, count: entity.fields.count)
        var extra: [ExtraField] = []
        var display: [DisplayValue] = []
        var findings: [Finding] = []
        let provenance = record.provenance
        for (position, action) in plan.actions.enumerated() {
            let raw = record.value(at: position)
            switch action {
            case .field(let index):
                let converter = converters[index]
                values[converter.fieldIndex] = converter.convert(raw, provenance: provenance, findings: &findings)
            case .display(let field):
                display.append(DisplayValue(field: field, value: raw))
            case .extra:
                extra.append(ExtraField(name: record.names[position], value: raw))
            case .ignore:
                break
            }
        }
        for constant in constants {
            values[constant.index] = constant.value
        }
        if !externalSlots.isEmpty { separateDisplayValues(&values, display: display) }
        return MappedRecord(
            entity: entity.name, values: values, extra: extra, displayValues: display, findings: findings,
            provenance: provenance, raw: record)
    }
}
