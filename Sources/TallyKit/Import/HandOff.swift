import Foundation

/// A bounded first-in, first-out queue between two threads: ``put(_:)`` waits while it is full,
/// ``take()`` while it is empty, and ``close()`` wakes both for good (a closed queue takes nothing
/// more and hands out nothing more), so either side can stop the other.
final class HandOff<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    /// A ring: `count` items from `head` on, wrapping around.
    private var slots: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false

    init(capacity: Int) {
        precondition(capacity > 0, "a hand-off holds at least one item")
        slots = Array(repeating: nil, count: capacity)
    }

    /// Adds `item`, waiting for room; false when the queue is closed (the item is dropped).
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == slots.count && !closed { condition.wait() }
        if closed { return false }
        slots[(head + count) % slots.count] = item
        count += 1
        condition.broadcast()
        return true
    }

    /// The oldest item, waiting for one; nil once the queue is closed.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed { condition.wait() }
        if closed { return nil }
        let item = slots[head]
        slots[head] = nil  // the queue keeps no reference to what it handed out
        head = (head + 1) % slots.count
        count -= 1
        condition.broadcast()
        return item
    }

    /// Closes the queue and drops what it holds; safe to call more than once.
    func close() {
        condition.lock()
        closed = true
        for index in slots.indices { slots[index] = nil }
        count = 0
        condition.broadcast()
        condition.unlock()
    }
}
