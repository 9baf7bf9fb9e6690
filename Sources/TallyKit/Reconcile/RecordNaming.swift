/// How audit rows and messages name a record of an entity: its sys_id and its business key for
/// people (`INC0010001`, `lnx-web-01/cmdb_ci_server`), by field index, worked out once per entity
/// rather than looked up by field name for every row.
struct RecordNaming {
    let entity: String
    let sysIDIndex: Int?
    /// The identifier rules other than sys_id, in order, as field indexes (a rule naming a field
    /// the entity lacks can never give a key, so it is left out).
    let keyRules: [[Int]]

    init(_ entity: EntityDefinition) {
        self.entity = entity.name
        sysIDIndex = entity.index(ofField: "sys_id")
        keyRules = entity.identifierRules.filter { $0 != ["sys_id"] }.compactMap { rule in
            let indexes = rule.compactMap(entity.index(ofField:))
            return indexes.count == rule.count ? indexes : nil
        }
    }

    /// The record's sys_id, from its canonical texts by field index.
    func sysID(_ text: (Int) -> String?) -> String? {
        sysIDIndex.flatMap(text)
    }

    /// The first rule other than sys_id whose fields all have values, joined by `/`; else the sys_id.
    func displayKey(_ text: (Int) -> String?) -> String? {
        rules: for rule in keyRules {
            var key = ""
            for (position, index) in rule.enumerated() {
                guard let part = text(index), !part.isEmpty else { continue rules }
                if position > 0 { key += "/" }
                key += part
            }
            return key
        }
        return sysID(text)
    }
}
