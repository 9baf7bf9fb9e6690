import TallyFormats

/// Types one column's text as one field, with the column's null tokens, empty policy, date
/// formats and choice translations already resolved. Built once per map; used for every cell
/// (a class, so using one costs a reference, not a copy of everything it holds).
final class FieldConverter: Sendable {
    enum Kind: Sendable {
        case text
        case reference
        case integer
        case decimal
        case duration
        case boolean
        case datetime(DateTimeParser)
        case choice(ChoiceList, translations: [String: FieldValue], unknown: TransformMap.UnknownChoice)
    }

    let entityName: String
    let field: FieldDefinition
    let fieldIndex: Int
    let kind: Kind
    let nullTokens: [String]
    let empty: TransformMap.EmptyPolicy
    /// Where the column's options came from, for messages (`the map's choices`).
    let column: String?

    init(
        entity: EntityDefinition, fieldIndex: Int, options: TransformMap.Column?, map: TransformMap,
        column: String?
    ) throws(RecordMapper.Invalid) {
        let field = entity.fields[fieldIndex]
        let place = column.map { "column '\($0)'" } ?? "field \(field.name)"
        self.entityName = entity.name
        self.field = field
        self.fieldIndex = fieldIndex
        self.nullTokens = options?.nullTokens ?? map.nullTokens
        self.empty = options?.empty ?? map.empty
        self.column = column

        let isDatetime = if case .datetime = field.type { true } else { false }
        if !isDatetime, options?.formats != nil || options?.timezone != nil {
            throw RecordMapper.Invalid("\(place) gives date formats or a timezone, but \(entity.name).\(field.name) "
                + "is \(field.type.summary), not a datetime")
        }
        var choiceList: ChoiceList?
        if case .choice(let list) = field.type { choiceList = list }
        if choiceList == nil, options?.choices != nil || options?.unknown != nil {
            throw RecordMapper.Invalid("\(place) gives choices, but \(entity.name).\(field.name) is "
                + "\(field.type.summary), not a choice")
        }

        switch field.type {
        case .text: kind = field.externalTable == nil ? .text : .reference
        case .reference, .references: kind = .reference
        case .integer: kind = .integer
        case .decimal: kind = .decimal
        case .duration: kind = .duration
        case .boolean: kind = .boolean
        case .datetime:
            do {
                kind = .datetime(try DateTimeParser(
                    formats: options?.formats ?? map.dateFormats, timeZone: options?.timezone ?? map.timezone))
            } catch {
                throw RecordMapper.Invalid("\(place): \(error.reason)")
            }
        case .choice(let list):
            var translations: [String: FieldValue] = [:]
            for (text, code) in options?.choices ?? [:] {
                let value: FieldValue
                if let codeText = code.text {
                    guard let choice = list.choice(code: codeText) else {
                        throw RecordMapper.Invalid("\(place) maps '\(text)' to \(codeText), which is not one of "
                            + "\(entity.name).\(field.name)'s codes (\(list.choices.map(\.code).joined(separator: ", ")))")
                    }
                    value = FieldConverter.value(of: choice, in: list)
                } else {
                    value = .null
                }
                let key = ChoiceList.fold(text)
                if let earlier = translations[key], earlier != value {
                    throw RecordMapper.Invalid("\(place) maps '\(text)' twice (choices match case-insensitively)")
                }
                translations[key] = value
            }
            kind = .choice(list, translations: translations, unknown: options?.unknown ?? map.unknown)
        }
    }

    static func value(of choice: ChoiceList.Choice, in list: ChoiceList) -> FieldValue {
        switch list.kind {
        case .integer: .integer(Int64(choice.code)!)  // codes are checked when the list is built
        case .text: .text(choice.code)
        }
    }

    /// The typed value of `raw`: `nil` when the field must be left alone (empty with `empty:
    /// keep`, or a value that failed typing, reported in `findings`).
    func convert(_ raw: String?, provenance: Provenance, findings: inout [Finding]) -> FieldValue? {
        guard let raw else { return .null }
        let trimmed = raw.trimmingSpaces()
        if trimmed.isEmpty { return empty == .null ? .null : nil }
        for token in nullTokens where token == trimmed { return .null }

        switch kind {
        case .text:
            return .text(raw)
        case .reference:
            return .text(trimmed)
        case .integer:
            if let number = Int64(trimmed) { return .integer(number) }
            findings.append(error(.typeInteger, raw,
                "\(field.name) '\(raw)' is not a whole number; fix the row, or add the token to the map's null_tokens"))
            return nil
        case .decimal:
            if let number = FieldConverter.decimal(trimmed) { return .text(number) }
            findings.append(error(.typeDecimal, raw,
                "\(field.name) '\(raw)' is not a number (digits, an optional fraction, thousands separated by commas); fix the row"))
            return nil
        case .duration:
            if let seconds = DurationText.seconds(trimmed) { return .integer(seconds) }
            findings.append(error(.typeDuration, raw,
                "\(field.name) '\(raw)' is not a duration (seconds, 1970-01-01 HH:MM:SS as the Table API writes it, or 2 Days 4 Hours 30 Minutes); fix the row"))
            return nil
        case .boolean:
            if let flag = FieldConverter.boolean(trimmed) { return .boolean(flag) }
            findings.append(error(.typeBoolean, raw,
                "\(field.name) '\(raw)' is not a boolean (true/false, 1/0, yes/no); fix the row"))
            return nil
        case .datetime(let parser):
            switch parser.parse(trimmed) {
            case .success(let canonical):
                return .datetime(canonical)
            case .failure(let failure):
                let advice = failure.rule == .typeDatetime
                    ? "; fix the row or the map's date formats" : ""
                findings.append(error(failure.rule, raw, "\(field.name) '\(raw)' \(failure.reason)\(advice)"))
                return nil
            }
        case .choice(let list, let translations, let unknown):
            if !translations.isEmpty, let value = translations[ChoiceList.fold(trimmed)] { return value }
            if let choice = list.choice(matching: trimmed) { return FieldConverter.value(of: choice, in: list) }
            if list.isOpen { return .text(trimmed) }
            let noun = field.name.hasSuffix("state") ? "\(field.name)s" : "\(field.name) values"
            let base = "\(field.name) '\(raw)' is not one of \(entityName)'s \(noun) (\(list.labelSummary))"
            switch unknown {
            case .reject:
                findings.append(error(.choice, raw, "\(base); add it to the map's choices or fix the row"))
                return nil
            case .keep:
                findings.append(Finding(severity: .warning, rule: .choice, field: field.name,
                    message: "\(base); kept as it came because the map says unknown: keep", value: raw,
                    provenance: provenance))
                return .text(trimmed)
            case .null:
                findings.append(Finding(severity: .warning, rule: .choice, field: field.name,
                    message: "\(base); set to null because the map says unknown: null", value: raw,
                    provenance: provenance))
                return .null
            }
        }

        func error(_ rule: RuleID, _ value: String, _ message: String) -> Finding {
            Finding(severity: .error, rule: rule, field: field.name, message: message, value: value,
                    provenance: provenance)
        }
    }

    /// A number's canonical text, as SQLite's REAL gives it back (`"3,665"` → `"3665.0"`,
    /// `"9,999.99"` → `"9999.99"`), so a stored value compares equal to the same input again.
    /// Commas must group thousands (`1,000`), never stand for the decimal point.
    static func decimal(_ text: String) -> String? {
        var digits = ""
        var sawPoint = false, sawComma = false
        var run = 0  // digits since the last comma (or the start)
        var integerDigits = 0
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                guard offset == 0 else { return nil }
                if byte == UInt8(ascii: "-") { digits.append("-") }
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.unicodeScalars.append(Unicode.Scalar(byte))
                run += 1
                if !sawPoint { integerDigits += 1 }
            case UInt8(ascii: ","):
                guard !sawPoint, integerDigits > 0, sawComma ? run == 3 : run <= 3 else { return nil }
                sawComma = true
                run = 0
            case UInt8(ascii: "."):
                guard !sawPoint, !sawComma || run == 3 else { return nil }
                sawPoint = true
                digits.append(".")
                run = 0
            default:
                return nil
            }
        }
        if sawComma && !sawPoint && run != 3 { return nil }
        guard integerDigits > 0 || sawPoint, let number = Double(digits), number.isFinite else { return nil }
        return String(number == 0 ? 0 : number)  // REAL keeps no negative zero
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`, in any case; compared on bytes, no allocation.
    static func boolean(_ text: String) -> Bool? {
        var utf8 = text.utf8.makeIterator()
        var folded: UInt64 = 0
        var count = 0
        while let byte = utf8.next() {
            count += 1
            if count > 5 { return nil }
            let lower = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
            folded = folded << 8 | UInt64(lower)
        }
        switch folded {
        case 0x74_72_75_65, 0x31, 0x79_65_73: return true  // true, 1, yes
        case 0x66_61_6C_73_65, 0x30, 0x6E_6F: return false  // false, 0, no
        default: return nil
        }
    }
}
