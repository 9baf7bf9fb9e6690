/// Counts are written under their names, in ``RunCounts/Field`` order (`{"read": 3, …,
/// "skipped_stale": 0, …}`), as the CLI, the store's columns and the reports name them.
extension RunCounts {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        for field in Field.allCases { try container.encode(self[field], forKey: field) }
    }

    /// A count that is not there is 0.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Field.self)
        self.init()
        for field in Field.allCases { self[field] = try container.decodeIfPresent(Int.self, forKey: field) ?? 0 }
    }
}
