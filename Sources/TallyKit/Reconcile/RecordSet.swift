/// A set of store keys (`_id`s) as a bitmap: an eighth of a byte a record up to the largest key,
/// whatever the number of members, so a run's million writes cost 125 KB, not a hash table.
struct RecordSet {
    private var words: [UInt64] = []

    mutating func insert(_ id: Int64) {
        guard id >= 0 else { return }
        let word = Int(id >> 6)
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: max(word + 1 - words.count, words.count))) }
        words[word] |= 1 << UInt64(id & 63)
    }

    func contains(_ id: Int64) -> Bool {
        guard id >= 0 else { return true }  // no such key: answer "maybe", the safe side
        let word = Int(id >> 6)
        return word < words.count && words[word] & (1 << UInt64(id & 63)) != 0
    }
}
