import Foundation
import TallyStore

/// Store-wide settings (`tally settings`), kept in the `settings` table.
package struct StoreSettings {
    let connection: Connection

    /// Whether major-case work notes are copied to children (with `case_fields_to_sync`).
    package static let syncEnabled = "sync_enabled"
    /// Case fields whose work notes are copied from a major case to its children.
    package static let caseFieldsToSync = "case_fields_to_sync"
    /// The salt for masked extract fields.
    package static let maskSalt = "mask_salt"

    /// The settings a person may set, with what each means.
    package static let known: [(key: String, help: String)] = [
        (syncEnabled, "true or false: copy a major case's work notes to its children for the fields in case_fields_to_sync"),
        (caseFieldsToSync, "comma-separated case fields (\(CaseRules.standard.syncableFields.joined(separator: ", "))) whose work notes are synced"),
        (maskSalt, "the salt of masked extract fields (set once; changing it changes every masked value)"),
        (CIJunkValues.serialsSetting, "comma-separated serial numbers that identify no CI (added to the built-in junk list; any spelling)"),
        (CIJunkValues.macsSetting, "comma-separated MAC addresses that identify no CI (added to the built-in junk list; any notation)"),
        (CIJunkValues.limitSetting, "a serial, MAC, name or IP shared by more live CIs than this (default \(CIJunkValues.defaultLimit)) is junk for ci_duplicates"),
    ]

    package init(connection: Connection) { self.connection = connection }
    package init(_ database: TallyDatabase) { connection = database.connection }

    package func value(_ key: String) throws -> String? {
        try connection.scalar("SELECT value FROM settings WHERE key = ?", [.text(key)]).text
    }

    package func set(_ key: String, _ value: String) throws {
        try connection.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           [.text(key), .text(value)])
    }

    package func remove(_ key: String) throws {
        try connection.run("DELETE FROM settings WHERE key = ?", [.text(key)])
    }

    /// Sets `key` to `value`, or removes it when `value` is nil, in a transaction of its own.
    package func update(_ key: String, to value: String?) throws {
        try connection.transaction {
            if let value { try set(key, value) } else { try remove(key) }
        }
    }

    package func all() throws -> [(String, String)] {
        try connection.rows("SELECT key, value FROM settings ORDER BY key").map { ($0[0].text ?? "", $0[1].text ?? "") }
    }

    package func bool(_ key: String) throws -> Bool {
        guard let text = try value(key)?.lowercased() else { return false }
        return ["true", "1", "yes", "on"].contains(text)
    }

    package func list(_ key: String) throws -> [String] {
        Self.items(of: try value(key) ?? "")
    }

    /// Why `value` cannot be `case_fields_to_sync` (a name that is no syncable case field: a typo
    /// would silently turn syncing off), or nil when it can.
    package static func caseFieldsProblem(_ value: String, rules: CaseRules = .standard) -> String? {
        let unknown = items(of: value).filter { !rules.syncableFields.contains($0) }
        guard !unknown.isEmpty else { return nil }
        return "\(caseFieldsToSync): unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")); valid: \(rules.syncableFields.joined(separator: ", "))"
    }

    /// The items of a comma-separated value (`incident, problem`), trimmed, empty ones dropped.
    package static func items(of value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
