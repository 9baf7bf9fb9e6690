import Testing
@testable import TallyFormats

@Suite("JSONFieldNameCache")
struct JSONFieldNameCacheTests {
    /// Feeds one record's keys; returns its names, and whether a cached shape matched throughout.
    func record(_ keys: [String], into cache: inout JSONFieldNameCache) -> (names: JSONFieldNameCache.Names, matched: Bool) {
        var matching = true
        var newNames: [String] = []
        for (slot, key) in keys.enumerated() {
            if key.hasSuffix(".display_value") {
                cache.displaySlot(slot, matching: &matching, newNames: &newNames)
            } else {
                var bytes = Array(key.utf8)
                bytes.withUnsafeMutableBufferPointer { buffer in
                    cache.keySlot(bytes: UnsafeBufferPointer(buffer), slot: slot, matching: &matching, newNames: &newNames)
                }
            }
        }
        let matchedKeys = matching
        return (cache.finish(count: keys.count, matching: matching, newNames: newNames), matchedKeys)
    }

    @Test func aRepeatedShapeIsMatchedWithoutNewNames() {
        var cache = JSONFieldNameCache()
        let first = record(["sys_id", "number"], into: &cache)
        #expect(first.names == .names(["sys_id", "number"]) && !first.matched)
        let second = record(["sys_id", "number"], into: &cache)
        #expect(second.names == .names(["sys_id", "number"]) && second.matched)
    }

    @Test func alternatingShapesAreBothRemembered() {
        var cache = JSONFieldNameCache()
        let plain = ["sys_id", "caller_id", "state"]
        let withDisplay = ["sys_id", "caller_id", "caller_id.display_value", "state"]
        #expect(!record(plain, into: &cache).matched)
        #expect(!record(withDisplay, into: &cache).matched)
        for _ in 0..<3 {
            #expect(record(plain, into: &cache) == (.names(plain), true))
            #expect(record(withDisplay, into: &cache) == (.names(withDisplay), true))
        }
    }

    @Test func aShorterRecordSwitchesToItsOwnShape() {
        var cache = JSONFieldNameCache()
        _ = record(["a"], into: &cache)
        _ = record(["a", "b"], into: &cache)
        #expect(record(["a"], into: &cache) == (.names(["a"]), true))
        #expect(record(["a", "b"], into: &cache) == (.names(["a", "b"]), true))
        #expect(record([], into: &cache).names == .names([]))
    }

    @Test func aDuplicateKeyIsReportedAndNotRemembered() {
        var cache = JSONFieldNameCache()
        _ = record(["a", "b"], into: &cache)
        #expect(record(["a", "b", "a"], into: &cache).names == .duplicate("a"))
        #expect(record(["a", "b"], into: &cache) == (.names(["a", "b"]), true))
        #expect(cache.previousNames == ["a", "b"])
    }
}
