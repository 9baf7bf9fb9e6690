import TallyFormats
import TallyStore

/// Replaces personal fields with a stable salted hash, for feeds that must not carry personal data.
///
/// The salt is the store setting `mask_salt`, created (random, 32 bytes) on first use, so every
/// later extract from the same store masks a value the same way and masked feeds still join.
/// A masked value is the first 16 hex digits of SHA-256(salt, 0x00, value); null stays null.
package struct FieldMask: Sendable {
    package static let saltSetting = "mask_salt"
    package let fields: Set<String>
    let salt: String

    package init(fields: Set<String>, salt: String) {
        self.fields = fields
        self.salt = salt
    }

    /// The mask for `fields`, with the store's salt (created and stored when missing).
    package static func load(fields: Set<String>, from connection: Connection) throws -> FieldMask {
        let salt: String = try connection.transaction(.immediate) {
            if let existing = try connection.scalar("SELECT value FROM settings WHERE key = ?", [.text(saltSetting)]).text {
                return existing
            }
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let created = SHA256.hex(bytes)
            try connection.run("INSERT INTO settings (key, value) VALUES (?, ?)", [.text(saltSetting), .text(created)])
            return created
        }
        return FieldMask(fields: fields, salt: salt)
    }

    /// Whether `column` is masked: a masked field, or the display value of one (masking
    /// `caller_id` masks the name in `caller_id_display` too).
    package func covers(_ column: String) -> Bool {
        fields.contains(column) || (column.hasSuffix("_display") && fields.contains(String(column.dropLast("_display".count))))
    }

    package func masked(_ value: String) -> String {
        var hasher = SHA256()
        hasher.update(salt)
        hasher.update([0])
        hasher.update(value)
        return String(hasher.hexDigest().prefix(16))
    }
}
