import Foundation
import Testing
@testable import TallyKit

/// The bounded queue between the import's threads: order, bounds, closing, and no reference kept
/// to what it handed out (a queue that kept them grew the import's memory with the file).
@Suite("HandOff")
struct HandOffTests {
    final class Box: @unchecked Sendable { let value: Int; init(_ value: Int) { self.value = value } }

    @Test func itemsComeOutInOrderAcrossTheRing() {
        let queue = HandOff<Int>(capacity: 3)
        var out: [Int] = []
        for round in 0..<5 {
            for i in 0..<3 { #expect(queue.put(round * 3 + i)) }
            for _ in 0..<3 { out.append(queue.take() ?? -1) }
        }
        #expect(out == Array(0..<15))
    }

    @Test func aTakenItemIsNotKeptByTheQueue() {
        let queue = HandOff<Box>(capacity: 4)
        weak var first: Box?
        do {
            let box = Box(1)
            first = box
            #expect(queue.put(box))
            #expect(queue.put(Box(2)))
        }
        #expect(queue.take()?.value == 1)
        #expect(first == nil, "the queue still holds an item it handed out")
        #expect(queue.take()?.value == 2)
    }

    @Test func aFullQueueMakesThePutterWaitAndClosingReleasesBothSides() throws {
        let queue = HandOff<Int>(capacity: 1)
        #expect(queue.put(1))
        let secondPut = DispatchSemaphore(value: 0)
        let result = LockedFlag()
        Thread {
            result.set(queue.put(2))
            secondPut.signal()
        }.start()
        #expect(secondPut.wait(timeout: .now() + 0.2) == .timedOut, "put did not wait for room")
        #expect(queue.take() == 1)
        #expect(secondPut.wait(timeout: .now() + 5) == .success)
        #expect(result.value == true)
        #expect(queue.take() == 2)

        let taken = DispatchSemaphore(value: 0)
        let takeResult = LockedFlag()
        Thread {
            takeResult.set(queue.take() == nil)
            taken.signal()
        }.start()
        #expect(taken.wait(timeout: .now() + 0.2) == .timedOut, "take did not wait for an item")
        queue.close()
        #expect(taken.wait(timeout: .now() + 5) == .success)
        #expect(takeResult.value == true)
        #expect(!queue.put(3))
        #expect(queue.take() == nil)
    }

    final class LockedFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var flag: Bool?
        func set(_ value: Bool) { lock.lock(); flag = value; lock.unlock() }
        var value: Bool? { lock.lock(); defer { lock.unlock() }; return flag }
    }
}
