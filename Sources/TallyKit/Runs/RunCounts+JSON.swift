import TallyFormats

extension RunCounts {
    /// The counts as one JSON object under their names, in ``Field`` order: `{"read": 3, …}`.
    package var jsonObject: OrderedJSONObject<Int> {
        OrderedJSONObject(named.map { (key: $0.0, value: $0.1) })
    }
}
