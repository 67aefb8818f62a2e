import Foundation

/// A blocking FIFO with a fixed capacity, for one producer thread and one consumer thread.
/// `push` waits while the queue is full, `pop` waits while it is empty; after ``close()``
/// `pop` drains what is left and then returns nil, and `push` drops its element.
///
/// Memory held by the queue is therefore at most `capacity` elements.
public final class BoundedQueue<Element>: @unchecked Sendable {
    /// Maximum elements held at once (≥ 1).
    public let capacity: Int
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private let condition = NSCondition()
    /// The most elements ever held at once (for tests and diagnostics).
    public private(set) var highWaterMark = 0
    /// How many times `push` had to wait for room.
    public private(set) var blockedPushes = 0

    public init(capacity: Int) {
        precondition(capacity >= 1, "BoundedQueue: capacity must be at least 1, got \(capacity)")
        self.capacity = capacity
    }

    /// Elements currently queued.
    public var count: Int {
        condition.lock(); defer { condition.unlock() }
        return items.count - head
    }

    /// Appends `element`, waiting while the queue is full. Returns false (and drops the
    /// element) when the queue is closed.
    @discardableResult
    public func push(_ element: Element) -> Bool {
        condition.lock(); defer { condition.unlock() }
        if items.count - head >= capacity, !closed { blockedPushes += 1 }
        while items.count - head >= capacity, !closed { condition.wait() }
        guard !closed else { return false }
        items.append(element)
        highWaterMark = max(highWaterMark, items.count - head)
        condition.broadcast()
        return true
    }

    /// Removes the oldest element, waiting while the queue is empty and open. Returns nil
    /// once the queue is closed and empty.
    public func pop() -> Element? {
        condition.lock(); defer { condition.unlock() }
        while items.count == head, !closed { condition.wait() }
        guard items.count > head else { return nil }
        let element = items[head]
        head += 1
        if head > 64, head * 2 > items.count { items.removeFirst(head); head = 0 }
        condition.broadcast()
        return element
    }

    /// No more pushes: wakes every waiter. Elements already queued can still be popped.
    public func close() {
        condition.lock(); defer { condition.unlock() }
        closed = true
        condition.broadcast()
    }
}
