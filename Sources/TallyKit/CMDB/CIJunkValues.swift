import Foundation

/// Serial numbers and MAC addresses that identify nothing: the placeholders firmware, imaging
/// and virtualisation write when they know no better, shared by hundreds of unrelated machines.
/// Kept as data (compared after ``CIIdentityNormalizer``); a store adds its own with
/// `tally settings set cmdb_junk_serials "…, …"` and `cmdb_junk_macs`, and any value more than
/// ``limit`` live CIs share is junk for that store (``CIDuplicateFinder`` says which).
package struct CIJunkValues: Sendable, Equatable {
    /// Serials written by BIOS vendors, imaging tools and people filling a mandatory field.
    package static let standardSerials: [String] = [
        "To be filled by O.E.M.", "To Be Filled By O.E.M.", "Default string", "System Serial Number",
        "Chassis Serial Number", "Base Board Serial Number", "Not Specified", "Not Available", "Not Applicable",
        "None", "N/A", "NA", "Unknown", "Null", "0", "00000000", "0000000000", "1234567890", "123456789",
        "0123456789", "Serial", "SerialNumber", "Invalid", "Empty", "TBD", "INVALID", "xxxxxxxx", "OEM",
    ]
    /// MACs that are no one NIC: all zeros, broadcast, and virtual adapters every host of a kind
    /// carries (Windows RAS / WAN miniport, VMware host-only and NAT, VirtualBox host-only, Docker's bridge default).
    package static let standardMACs: [String] = [
        "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "02:00:4c:4f:4f:50", "20:41:53:59:4e:ff", "33:50:6f:45:30:30",
        "00:50:56:c0:00:01", "00:50:56:c0:00:08", "0a:00:27:00:00:00", "02:42:ac:11:00:02", "00:00:00:00:00:e0",
    ]
    /// Store settings that extend the lists (comma-separated values, any spelling).
    package static let serialsSetting = "cmdb_junk_serials"
    package static let macsSetting = "cmdb_junk_macs"
    /// The store setting that overrides ``defaultLimit``.
    package static let limitSetting = "cmdb_shared_value_limit"
    /// A value shared by more live CIs than this is a placeholder in this store, not an identity.
    package static let defaultLimit = 5

    package var serials: Set<String>
    package var macs: Set<String>
    package var limit: Int

    package init(extraSerials: [String] = [], extraMACs: [String] = [], limit: Int = Self.defaultLimit) {
        serials = Set((Self.standardSerials + extraSerials).compactMap(CIIdentityNormalizer.serial))
        macs = Set((Self.standardMACs + extraMACs).compactMap(CIIdentityNormalizer.mac))
        self.limit = limit
    }

    /// The lists with the store's own additions and limit (a limit that is not a positive number is ignored).
    package init(settings: StoreSettings) throws {
        let limit = try settings.value(Self.limitSetting).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        self.init(extraSerials: try settings.list(Self.serialsSetting), extraMACs: try settings.list(Self.macsSetting),
                  limit: limit.map { max(1, $0) } ?? Self.defaultLimit)
    }

    /// Why `value` cannot be the shared-value limit, or nil when it can.
    package static func limitProblem(_ value: String) -> String? {
        if let number = Int(value.trimmingCharacters(in: .whitespaces)), number >= 1 { return nil }
        return "\(limitSetting): '\(value)' is not a whole number of CIs (1 or more; default \(defaultLimit))"
    }
}
