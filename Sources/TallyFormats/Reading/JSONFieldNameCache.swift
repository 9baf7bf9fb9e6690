#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The field names of recent records, so a record whose keys match one of them shares its
/// `[String]` instead of making a `String` per key: exports repeat one shape, or alternate
/// between a few (a reference that is `""` in one record and carries a display value in the next).
///
/// A record is matched key by key (``keySlot(bytes:slot:matching:newNames:)``) while `matching`
/// holds; at the first difference its names so far are copied to `newNames`, and
/// ``finish(count:matching:newNames:)`` makes them the current shape.
struct JSONFieldNameCache {
    // The current shape: its names, and their UTF-8 bytes end to end (`nameEnds[i]` is where
    // name `i` ends in `nameArena`).
    private(set) var previousNames: [String] = []
    private var nameArena: [UInt8] = []
    private var nameEnds: [Int] = []
    /// Other recent shapes, most recent first.
    private var otherShapes: [Shape] = []
    private static let shapeCacheSize = 4

    struct Shape {
        var names: [String]
        var arena: [UInt8]
        var ends: [Int]
    }

    /// A record's names once all its keys are read.
    enum Names: Equatable {
        case names([String])
        /// A new shape that names a field twice: not remembered.
        case duplicate(String)
    }

    /// The names of a record whose `count` keys were matched: a known shape's, or `newNames`,
    /// which become the current shape.
    mutating func finish(count slot: Int, matching: Bool, newNames: [String]) -> Names {
        if matching && slot < previousNames.count {
            _ = switchShape(at: slot, where: { $0.ends.count == slot })
        }
        if matching && slot == previousNames.count {
            return .names(previousNames)
        }
        let names = matching ? Array(previousNames[0..<slot]) : newNames
        var seen = Set<String>(minimumCapacity: names.count)
        for name in names where !seen.insert(name).inserted {
            return .duplicate(name)
        }
        rememberNames(names)
        return .names(names)
    }

    /// Matches the field name at `slot` against the previous record's, without making a String
    /// when it is the same.
    @inline(__always)
    mutating func keySlot(bytes: UnsafeBufferPointer<UInt8>, slot: Int,
                          matching: inout Bool, newNames: inout [String]) {
        if matching {
            if Self.slot(slot, of: nameArena, nameEnds, equals: bytes) { return }
            if switchShape(at: slot, where: { Self.slot(slot, of: $0.arena, $0.ends, equals: bytes) }) { return }
            matching = false
            newNames = Array(previousNames[0..<slot])
        }
        newNames.append(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether name `slot` of a shape is `bytes`.
    @inline(__always)
    static func slot(_ slot: Int, of arena: [UInt8], _ ends: [Int], equals bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard slot < ends.count else { return false }
        let start = slot == 0 ? 0 : ends[slot - 1]
        let length = ends[slot] - start
        guard length == bytes.count else { return false }
        return length == 0 || arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, bytes.baseAddress!, length) == 0 }
    }

    /// Makes current another recent shape that shares the current one's first `slot` names
    /// and passes `test`; false when there is none.
    private mutating func switchShape(at slot: Int, where test: (Shape) -> Bool) -> Bool {
        let prefix = slot == 0 ? 0 : nameEnds[slot - 1]
        for index in otherShapes.indices {
            let shape = otherShapes[index]
            guard shape.ends.count > slot, slot == 0 || shape.ends[slot - 1] == prefix else { continue }
            let samePrefix = prefix == 0 || shape.arena.withUnsafeBufferPointer { other in
                nameArena.withUnsafeBufferPointer { memcmp(other.baseAddress!, $0.baseAddress!, prefix) == 0 }
            }
            guard samePrefix && test(shape) else { continue }
            otherShapes[index] = Shape(names: previousNames, arena: nameArena, ends: nameEnds)
            previousNames = shape.names
            nameArena = shape.arena
            nameEnds = shape.ends
            return true
        }
        return false
    }

    mutating func keySlot(name: String, slot: Int, matching: inout Bool, newNames: inout [String]) {
        if matching {
            if slot < previousNames.count && previousNames[slot] == name { return }
            if switchShape(at: slot, where: { slot < $0.names.count && $0.names[slot] == name }) { return }
            matching = false
            newNames = Array(previousNames[0..<slot])
        }
        newNames.append(name)
    }

    private static let displaySuffix = Array(".display_value".utf8)

    /// Names slot `slot` after the field before it, plus `.display_value`.
    mutating func displaySlot(_ slot: Int, matching: inout Bool, newNames: inout [String]) {
        if matching {
            if Self.isDisplaySlot(slot, of: nameArena, nameEnds) { return }
            if switchShape(at: slot, where: { Self.isDisplaySlot(slot, of: $0.arena, $0.ends) }) { return }
            matching = false
            newNames = Array(previousNames[0..<slot])
        }
        newNames.append(newNames[slot - 1] + ".display_value")
    }

    /// Whether name `slot` of a shape is name `slot - 1` plus `.display_value`.
    static func isDisplaySlot(_ slot: Int, of arena: [UInt8], _ ends: [Int]) -> Bool {
        guard slot < ends.count else { return false }
        let keyStart = slot == 1 ? 0 : ends[slot - 2]
        let keyLength = ends[slot - 1] - keyStart
        let start = ends[slot - 1]
        guard ends[slot] - start == keyLength + displaySuffix.count else { return false }
        return arena.withUnsafeBufferPointer { arena in
            displaySuffix.withUnsafeBufferPointer { suffix in
                memcmp(arena.baseAddress! + start, arena.baseAddress! + keyStart, keyLength) == 0
                    && memcmp(arena.baseAddress! + start + keyLength, suffix.baseAddress!, suffix.count) == 0
            }
        }
    }

    private mutating func rememberNames(_ names: [String]) {
        if !nameEnds.isEmpty || !previousNames.isEmpty {
            otherShapes.insert(Shape(names: previousNames, arena: nameArena, ends: nameEnds), at: 0)
            if otherShapes.count >= Self.shapeCacheSize { otherShapes.removeLast() }
        }
        previousNames = names
        nameArena = []
        nameEnds = []
        for name in names {
            nameArena.append(contentsOf: name.utf8)
            nameEnds.append(nameArena.count)
        }
    }
}
