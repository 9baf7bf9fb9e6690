import Foundation
import TallyStore
import TallyFormats

/// Finds pairs of live CIs that are probably one thing: the same serial, MAC, FQDN, host name or
/// IP once normalised (``CIIdentityNormalizer``), within a class or across classes.
///
/// Pairs come from blocking keys (one hash index per kind of value), never from comparing every
/// pair: a value more than ``CIJunkValues/limit`` CIs share, or on the junk list, opens no pair
/// and counts as no evidence. Each pair is then scored on all its evidence; a pair a steward
/// declared distinct (`tally dedupe distinct`) is left out.
package struct CIDuplicateFinder {
    /// A live CI as the finder reads it.
    package struct CI: Sendable, Equatable {
        package var id: Int64
        package var sysID: String?
        package var name: String?
        package var className: String?
        package var serial: String?
        package var mac: String?
        package var ip: String?
        package var fqdn: String?

        package init(id: Int64, sysID: String? = nil, name: String? = nil, className: String? = nil, serial: String? = nil,
                     mac: String? = nil, ip: String? = nil, fqdn: String? = nil) {
            (self.id, self.sysID, self.name, self.className) = (id, sysID, name, className)
            (self.serial, self.mac, self.ip, self.fqdn) = (serial, mac, ip, fqdn)
        }
    }

    /// One candidate pair: `a` sorts before `b` (by sys_id, then store id).
    package struct Pair: Sendable, Equatable {
        package var a: CI
        package var b: CI
        /// 0–1: one minus the product of (1 − weight) over the evidence, quartered when both carry
        /// serials that disagree (two machines, as the identification rules would say).
        package var score: Double
        /// What matched, strongest first: `serial`, `mac`, `fqdn`, `fqdn=name`, `name`, `ip`.
        package var reasons: [String]
        /// The values that matched (and disagreeing serials), as the CIs hold them.
        package var evidence: [String]
    }

    /// What a kind of evidence weighs. A host name alone across classes (a service and the
    /// application of the same name) is too weak to list; with anything else it counts.
    package static let weights: [(reason: String, weight: Double)] = [
        ("serial", 0.8), ("mac", 0.7), ("fqdn", 0.6), ("fqdn=name", 0.5), ("name", 0.4), ("ip", 0.25),
    ]
    /// A host name shared across classes weighs this instead of `name`'s weight.
    package static let crossClassNameWeight = 0.3
    /// Pairs scoring below this are not listed.
    package static let minimumScore = 0.35

    package let junk: CIJunkValues
    /// Pairs (store ids, smaller first) declared distinct.
    package let distinct: Set<[Int64]>

    package init(junk: CIJunkValues = CIJunkValues(), distinct: Set<[Int64]> = []) {
        self.junk = junk
        self.distinct = distinct
    }

    /// The finder with the store's junk settings and distinct decisions.
    package init(connection: Connection) throws {
        self.init(junk: try CIJunkValues(settings: StoreSettings(connection: connection)),
                  distinct: try CIDistinctDecisions.pairs(in: connection))
    }

    /// The live CIs (not retired by `install_status` 7 or a snapshot), in store order.
    package static func liveCIsSQL(_ registry: EntityRegistry, byID: Bool = false) -> String {
        guard let ci = registry.entity(named: "ci") else { preconditionFailure("the registry has no ci entity") }
        let columns = ["sys_id", "name", "sys_class_name", "serial_number", "mac_address", "ip_address", "fqdn"]
        var live = ["retired_in_run IS NULL"]
        if let rule = ci.retireRule {
            live.append("coalesce(CAST(\(EntityTable.quoted(rule.field)) AS TEXT), '') != \(ReportSQL.literal(rule.value))")
        }
        if byID { live.append("_id = ?") }
        return "SELECT _id, \(columns.map(EntityTable.quoted).joined(separator: ", ")) FROM \(EntityTable(ci).name) WHERE "
            + live.joined(separator: " AND ") + " ORDER BY _id"
    }

    /// The store ids of the CIs in a candidate pair, ascending (what the health reports count as duplicates).
    package static func candidateIDs(in connection: Connection, registry: EntityRegistry) throws -> [Int64] {
        let pairs = try CIDuplicateFinder(connection: connection).pairs(in: connection, registry: registry)
        return Set(pairs.flatMap { [$0.a.id, $0.b.id] }).sorted()
    }

    /// Reads the live CIs (all held at once: for tests and small stores; ``pairs(in:registry:)`` streams).
    package static func liveCIs(in connection: Connection, registry: EntityRegistry) throws -> [CI] {
        var cis: [CI] = []
        try connection.forEachRow(liveCIsSQL(registry)) { cis.append(ci($0)) }
        return cis
    }

    /// The normalised keys of one CI, by kind; junk is already left out.
    private struct Keys {
        var serial: String?
        var mac: String?
        var fqdn: String?
        var nameHost: String?
        var fqdnHost: String?
        var ip: String?
    }

    private func keys(of ci: CI) -> Keys {
        let serial = CIIdentityNormalizer.serial(ci.serial).flatMap { junk.serials.contains($0) ? nil : $0 }
        let mac = CIIdentityNormalizer.mac(ci.mac).flatMap { junk.macs.contains($0) ? nil : $0 }
        let ip = CIIdentityNormalizer.ip(ci.ip).flatMap { Self.junkIPs.contains($0) ? nil : $0 }
        let fqdn = CIIdentityNormalizer.fqdn(ci.fqdn)
        return Keys(serial: serial, mac: mac, fqdn: fqdn, nameHost: CIIdentityNormalizer.host(ci.name),
                    fqdnHost: fqdn.flatMap(CIIdentityNormalizer.host), ip: ip)
    }

    /// Addresses no one host owns.
    static let junkIPs: Set<String> = ["0.0.0.0", "127.0.0.1", "255.255.255.255", "::1", "::"]

    /// The candidate pairs among `cis`, best first (score, then the pair's sys_ids).
    package func pairs(among cis: [CI]) -> [Pair] {
        var blocking = Blocking()
        for (position, ci) in cis.enumerated() { blocking.add(keys(of: ci), at: position) }
        return pairs(blocking, count: cis.count) { cis[$0] }
    }

    /// The candidate pairs among the store's live CIs, best first. The CIs are read once into
    /// the blocking indexes, which keep a hash of each value and not the CI; only the CIs of a
    /// candidate pair are read again, to be scored on their values.
    package func pairs(in connection: Connection, registry: EntityRegistry) throws -> [Pair] {
        var blocking = Blocking()
        var ids: [Int64] = []
        try connection.forEachRow(Self.liveCIsSQL(registry)) { row in
            blocking.add(keys(of: Self.ci(row)), at: ids.count)
            ids.append(row.int64(0))
        }
        var read: [Int: CI] = [:]
        let sql = Self.liveCIsSQL(registry, byID: true)
        var failure: (any Error)?
        let found = pairs(blocking, count: ids.count) { position in
            if let ci = read[position] { return ci }
            var ci = CI(id: ids[position])
            do { try connection.forEachRow(sql, [.integer(ids[position])]) { ci = Self.ci($0) } } catch { failure = error }
            read[position] = ci
            return ci
        }
        if let failure { throw failure }
        return found
    }

    private static func ci(_ row: Statement) -> CI {
        CI(id: row.int64(0), sysID: row.text(1), name: row.text(2), className: row.text(3), serial: row.text(4),
           mac: row.text(5), ip: row.text(6), fqdn: row.text(7))
    }

    /// One blocking index per kind of value. The host index holds names and the first labels of FQDNs.
    private struct Blocking {
        var indexes = ["serial", "mac", "fqdn", "host", "ip"].map { BlockingIndex(kind: $0) }

        mutating func add(_ key: Keys, at position: Int) {
            indexes[0].add(key.serial, position); indexes[1].add(key.mac, position); indexes[2].add(key.fqdn, position)
            indexes[4].add(key.ip, position)
            indexes[3].add(key.nameHost, position)
            if key.fqdnHost != key.nameHost { indexes[3].add(key.fqdnHost, position) }
        }
    }

    /// The pairs the indexes open, scored; `ci` gives the CI at a position.
    private func pairs(_ blocking: Blocking, count: Int, ci: (Int) -> CI) -> [Pair] {
        // A value more CIs share than the limit is this store's placeholder: no pair, no evidence.
        var shared: [String: Set<Int64>] = [:]
        var candidates = Set<Int>()
        for index in blocking.indexes {
            index.forEachGroup(limit: junk.limit) { value, positions in
                guard let positions else { shared[index.kind, default: []].insert(value); return }
                for i in positions.indices {
                    for j in positions.indices where j > i && positions[i] != positions[j] {
                        candidates.insert(min(positions[i], positions[j]) * count + max(positions[i], positions[j]))
                    }
                }
            }
        }
        var pairs: [Pair] = []
        for candidate in candidates.sorted() {
            var (a, b) = (ci(candidate / count), ci(candidate % count))
            if Self.sortKey(b) < Self.sortKey(a) { swap(&a, &b) }
            guard !distinct.contains([min(a.id, b.id), max(a.id, b.id)]),
                  let pair = score(a, keys(of: a), b, keys(of: b), shared: shared) else { continue }
            pairs.append(pair)
        }
        return pairs.sorted { ($1.score, Self.sortKey($0.a), Self.sortKey($0.b)) < ($0.score, Self.sortKey($1.a), Self.sortKey($1.b)) }
    }

    /// A blocking index of one kind of value: the value's hash → the CIs (positions) holding it,
    /// as chains through one array, so memory stays a few bytes per CI. Two values that share a
    /// 64-bit hash would share a group: the pair is then scored on its values and dropped.
    private struct BlockingIndex {
        let kind: String
        /// The last entry added for each value.
        private var last: [Int64: Int32] = [:]
        /// Per entry: its CI's position, and the entry added before it for the same value (-1: none).
        private var positions: [Int32] = []
        private var previous: [Int32] = []

        init(kind: String) { self.kind = kind }

        mutating func add(_ value: String?, _ position: Int) {
            guard let value else { return }
            let entry = Int32(positions.count)
            positions.append(Int32(position))
            previous.append(last.updateValue(entry, forKey: CIDuplicateFinder.hash(value)) ?? -1)
        }

        /// Calls `body` with each value's hash that more than one CI holds and their positions,
        /// or with nil positions when more than `limit` CIs hold it (a chain is walked no further).
        func forEachGroup(limit: Int, _ body: (Int64, [Int]?) -> Void) {
            for (value, head) in last where previous[Int(head)] >= 0 {
                var group: [Int] = []
                var entry = head
                while entry >= 0 && group.count <= limit {
                    group.append(Int(positions[Int(entry)]))
                    entry = previous[Int(entry)]
                }
                body(value, group.count > limit ? nil : group)
            }
        }
    }

    static func hash(_ value: String) -> Int64 {
        var hash = ContentHash()
        hash.combine(value)
        return hash.value
    }

    private static func sortKey(_ ci: CI) -> String {
        (ci.sysID ?? "~") + "#" + String(ci.id)
    }

    /// The evidence between two CIs, scored; nil below ``minimumScore``.
    private func score(_ a: CI, _ ka: Keys, _ b: CI, _ kb: Keys, shared: [String: Set<Int64>]) -> Pair? {
        func usable(_ kind: String, _ value: String?) -> String? {
            guard let value, !(shared[kind]?.contains(Self.hash(value)) ?? false) else { return nil }
            return value
        }
        var reasons: [String] = []
        var evidence: [String] = []
        func show(_ x: String?, _ y: String?) -> String { x == y ? (x ?? "") : "\(x ?? "") = \(y ?? "")" }
        if let serial = usable("serial", ka.serial), serial == kb.serial {
            reasons.append("serial"); evidence.append("serial \(show(a.serial, b.serial))")
        }
        if let mac = usable("mac", ka.mac), mac == kb.mac {
            reasons.append("mac"); evidence.append("mac \(show(a.mac, b.mac))")
        }
        if let fqdn = usable("fqdn", ka.fqdn), fqdn == kb.fqdn {
            reasons.append("fqdn"); evidence.append("fqdn \(show(a.fqdn, b.fqdn))")
        } else if let host = usable("host", ka.nameHost), host == kb.fqdnHost {
            reasons.append("fqdn=name"); evidence.append("name \(a.name ?? "") = fqdn \(b.fqdn ?? "")")
        } else if let host = usable("host", kb.nameHost), host == ka.fqdnHost {
            reasons.append("fqdn=name"); evidence.append("fqdn \(a.fqdn ?? "") = name \(b.name ?? "")")
        }
        if let host = usable("host", ka.nameHost), host == kb.nameHost {
            reasons.append("name"); evidence.append("name \(show(a.name, b.name))")
        }
        if let ip = usable("ip", ka.ip), ip == kb.ip {
            reasons.append("ip"); evidence.append("ip \(show(a.ip, b.ip))")
        }
        guard !reasons.isEmpty else { return nil }
        var missing = 1.0
        for reason in reasons {
            var weight = Self.weights.first { $0.reason == reason }?.weight ?? 0
            if reason == "name" && a.className != b.className { weight = Self.crossClassNameWeight }
            missing *= 1 - weight
        }
        var score = 1 - missing
        if let x = ka.serial, let y = kb.serial, x != y {
            score /= 4
            evidence.append("serials differ: \(a.serial ?? "") ≠ \(b.serial ?? "")")
        }
        score = (score * 100).rounded() / 100
        guard score >= Self.minimumScore else { return nil }
        return Pair(a: a, b: b, score: score, reasons: reasons, evidence: evidence)
    }
}
