/// How two rows of the same version (`sys_updated_on`, `sys_mod_count`) that disagree on a value
/// are settled, field by field: a value beats none, else the larger text wins. It is a maximum, so
/// any number of such rows, in any order or split over runs, end in the same state.
enum SameVersionTie {
    /// The rule in words, for conflict messages.
    static let rule = "a value beats none, else the larger value wins"

    /// Whether the stored text stays against the incoming one.
    static func keepsStored(_ stored: String?, over incoming: String?) -> Bool {
        guard let incoming, !incoming.isEmpty else { return true }
        guard let stored, !stored.isEmpty else { return false }
        return stored.utf8.lexicographicallyPrecedes(incoming.utf8) == false
    }
}
