import Foundation

/// The outcome of one produced item (or of a job that failed) in an ``IngestPipeline`` run.
public struct IngestResult<Job, Output> {
    /// Position of the job in the list given to ``IngestPipeline/run(_:consume:onResult:)``.
    public let jobIndex: Int
    public let job: Job
    /// The consumer's output for one item, or the error of the producer (the job failed, e.g.
    /// a ``DecodeError``) or of the consumer (the item failed, e.g. an encoder error).
    public let result: Result<Output, Error>
}

/// Decode-and-preprocess beside encode: a producer thread turns jobs (video files) into items
/// (clip tensors) and hands them through a ``BoundedQueue`` to the calling thread, which
/// consumes them (encodes). Throughput approaches that of the slower side — normally the
/// encoder — and memory stays bounded: at most `capacity` items wait in the queue, plus the
/// one being produced and the one being consumed.
///
/// Results come back on the calling thread in job order (and, within a job, in the order its
/// items were produced). A job that throws yields one failure result after any items it had
/// already produced; the run goes on with the next job. Nothing escapes as a crash.
///
/// For example, encoding every file with the vision tower:
/// ```swift
/// let pipeline = IngestPipeline<URL, VideoClip>.videos(plan: .whole(.middle(frames: 8)))
/// pipeline.run(urls, consume: { clip in try tower.encode(clip.tensor, budget: 2048).embeddings! },
///              onResult: { r in print(r.job.lastPathComponent, r.result) })
/// ```
public final class IngestPipeline<Job, Item> {
    /// Produces the items of one job by calling `emit` for each; `emit` blocks while the
    /// queue is full and throws ``CancellationError`` after ``cancel()``.
    public typealias Produce = (_ job: Job, _ emit: (Item) throws -> Void) throws -> Void

    /// Items that may wait between producer and consumer.
    public let capacity: Int
    private let produce: Produce
    private let cancelled = NSLock()
    private var isCancelled = false
    /// The queue of the last run (for tests: high-water mark, blocked pushes).
    public private(set) var lastQueue: BoundedQueue<Message>?

    /// What travels through the queue.
    public enum Message {
        case item(jobIndex: Int, Item)
        case failure(jobIndex: Int, Error)
    }

    public init(capacity: Int = 2, produce: @escaping Produce) {
        precondition(capacity >= 1, "IngestPipeline: capacity must be at least 1, got \(capacity)")
        self.capacity = capacity
        self.produce = produce
    }

    /// Stops producing after the current item; the run returns once the queue is drained.
    public func cancel() {
        cancelled.lock(); isCancelled = true; cancelled.unlock()
    }

    private var wasCancelled: Bool {
        cancelled.lock(); defer { cancelled.unlock() }
        return isCancelled
    }

    /// Runs every job: production on a background thread, `consume` and `onResult` on the
    /// calling thread. Returns when all jobs are done (or after ``cancel()``).
    public func run<Output>(_ jobs: [Job], consume: (Item) throws -> Output,
                            onResult: (IngestResult<Job, Output>) -> Void) {
        let queue = BoundedQueue<Message>(capacity: capacity)
        lastQueue = queue
        cancelled.lock(); isCancelled = false; cancelled.unlock()
        let finished = DispatchSemaphore(value: 0)
        let produce = self.produce
        let thread = Thread { [unowned self] in
            defer { queue.close(); finished.signal() }
            for (i, job) in jobs.enumerated() {
                if self.wasCancelled { return }
                do {
                    try produce(job) { item in
                        if self.wasCancelled { throw CancellationError() }
                        if !queue.push(.item(jobIndex: i, item)) { throw CancellationError() }
                    }
                } catch is CancellationError where self.wasCancelled {
                    return
                } catch {
                    queue.push(.failure(jobIndex: i, error))
                }
            }
        }
        thread.name = "fluxsearch.ingest.producer"
        thread.start()
        while let message = queue.pop() {
            switch message {
            case .item(let i, let item):
                let result: Result<Output, Error>
                do { result = .success(try consume(item)) } catch { result = .failure(error) }
                onResult(IngestResult(jobIndex: i, job: jobs[i], result: result))
            case .failure(let i, let error):
                onResult(IngestResult(jobIndex: i, job: jobs[i], result: .failure(error)))
            }
        }
        finished.wait()
    }
}
