import Foundation
import XCTest
import FluxCore
@testable import FluxIngest

/// The bounded producer/consumer pipeline: order, errors attached to the right job, bounded
/// memory (the producer blocks when the queue is full), and the video specialisation.
final class IngestPipelineTests: XCTestCase {
    struct Boom: Error, Equatable { let job: Int }

    func testResultsComeBackInOrderWithErrorsOnTheirJob() {
        // Job j produces j % 3 items (0, 1 or 2); jobs 4 and 7 fail after their items.
        let pipeline = IngestPipeline<Int, String>(capacity: 2) { job, emit in
            for k in 0..<(job % 3) { try emit("\(job).\(k)") }
            if job == 4 || job == 7 { throw Boom(job: job) }
        }
        var seen: [String] = []
        pipeline.run(Array(0..<9), consume: { item -> String in
            if item == "5.1" { throw Boom(job: -5) }  // a consumer (encoder) failure on one item
            return item.uppercased()
        }, onResult: { r in
            switch r.result {
            case .success(let s): seen.append("\(r.jobIndex):\(s)")
            case .failure(let e as Boom): seen.append("\(r.jobIndex):error \(e.job)")
            case .failure(let e): seen.append("\(r.jobIndex):unexpected \(e)")
            }
        })
        XCTAssertEqual(seen, ["1:1.0", "2:2.0", "2:2.1", "4:4.0", "4:error 4", "5:5.0", "5:error -5",
                              "7:7.0", "7:error 7", "8:8.0", "8:8.1"])
    }

    /// A fast producer and a slow consumer: the queue never holds more than its capacity and
    /// the producer runs at most capacity + 1 items ahead of the consumer.
    func testQueueBoundsMemory() {
        let capacity = 3
        let lock = NSLock()
        var produced = 0, consumed = 0, maxAhead = 0
        let pipeline = IngestPipeline<Int, Int>(capacity: capacity) { job, emit in
            for k in 0..<10 {
                lock.lock(); produced += 1; maxAhead = max(maxAhead, produced - consumed); lock.unlock()
                try emit(job * 10 + k)
            }
        }
        var order: [Int] = []
        pipeline.run([0, 1, 2], consume: { item -> Int in
            Thread.sleep(forTimeInterval: 0.002)
            lock.lock(); consumed += 1; lock.unlock()
            return item
        }, onResult: { order.append(try! $0.result.get()) })
        XCTAssertEqual(order, Array(0..<30))
        let queue = pipeline.lastQueue!
        XCTAssertLessThanOrEqual(queue.highWaterMark, capacity)
        XCTAssertEqual(queue.highWaterMark, capacity, "a slow consumer fills the queue")
        XCTAssertGreaterThan(queue.blockedPushes, 0, "the producer had to wait")
        // In flight: capacity queued + 1 being pushed + 1 being consumed.
        XCTAssertLessThanOrEqual(maxAhead, capacity + 2)
    }

    /// Production overlaps consumption: 20 items × (10 ms produce + 10 ms consume) take
    /// about 20 × 10 ms, not 20 × 20 ms.
    func testProducerAndConsumerOverlap() {
        let pipeline = IngestPipeline<Int, Int>(capacity: 2) { job, emit in
            Thread.sleep(forTimeInterval: 0.01)
            try emit(job)
        }
        let start = Date()
        var n = 0
        pipeline.run(Array(0..<20), consume: { item -> Int in Thread.sleep(forTimeInterval: 0.01); return item },
                     onResult: { _ in n += 1 })
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(n, 20)
        XCTAssertLessThan(elapsed, 0.33, "serial would take 0.40 s; overlapped about 0.21 s")
    }

    func testCancelStopsProduction() {
        var produced = 0
        let pipeline = IngestPipeline<Int, Int>(capacity: 1) { job, emit in
            produced += 1
            try emit(job)
        }
        var results = 0
        pipeline.run(Array(0..<1000), consume: { $0 }, onResult: { _ in
            results += 1
            if results == 3 { pipeline.cancel() }
        })
        XCTAssertLessThan(results, 10)
        XCTAssertLessThan(produced, 10)
    }

    func testBoundedQueueCloseDrains() {
        let q = BoundedQueue<Int>(capacity: 2)
        XCTAssertTrue(q.push(1))
        XCTAssertTrue(q.push(2))
        q.close()
        XCTAssertFalse(q.push(3), "closed: dropped")
        XCTAssertEqual(q.pop(), 1)
        XCTAssertEqual(q.pop(), 2)
        XCTAssertNil(q.pop())
    }
}
