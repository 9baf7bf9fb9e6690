/// How Reconcile takes an import's rows. Both strategies give the same store, byte for byte
/// (`ReconcileStrategyTests`): `.fast` only skips work whose answer it already knows.
package enum ReconcileStrategy: Sendable, Equatable {
    /// Every row mapped, validated and taken through Identify → Merge → Persist → Case rules.
    case plain
    /// The plain path with the shortcuts of ``FastPath`` on the store thread and, on the
    /// preparation thread, the ``UnchangedRowProbe`` and ``PreparedInsert``s: what an import uses.
    case fast

    /// The probe that recognises unchanged rows before mapping, under `.fast` (nil when none can
    /// help: see ``UnchangedRowProbe/init(path:entity:rules:)``).
    func probe(storePath: String, entity: EntityDefinition, rules: [[String]]) -> UnchangedRowProbe? {
        self == .fast ? UnchangedRowProbe(path: storePath, entity: entity, rules: rules) : nil
    }

    /// Whether the preparation thread packs a likely-new row for its insert (``PreparedInsert``).
    var packsInserts: Bool { self == .fast }
}
