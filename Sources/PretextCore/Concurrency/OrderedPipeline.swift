#if canImport(Glibc)
import Glibc
#endif

/// A producer, `threads` workers and one consumer over a stream of items: the caller submits
/// items in order, the workers transform them in any order on persistent threads, and the
/// consumer receives the outputs in submission order on its own thread.
///
/// Unlike rounds of `OrderedParallelMap`, nothing waits at a barrier: a worker that finishes
/// takes the next item while the consumer is still writing an earlier one, so the threads stay
/// busy across item (and unit) boundaries. At most `window` items are in flight (queued,
/// being transformed, or waiting for the consumer); `submit` blocks while the window is full,
/// so memory is bounded by `window` items and outputs. Items may also carry a weight (their
/// bytes): with `maxWeight`, `submit` also blocks while the items in flight weigh more than
/// that together (one item is always admitted, however heavy), so a few huge items cannot fill
/// the window. The output order — and every byte the
/// consumer writes from it — is independent of the thread count and of scheduling.
///
/// Errors: the first error thrown by a transform (in item order) or by the consumer stops the
/// pipeline: later items are dropped, `submit` throws it, and so does `finish`.
/// `finish()` must be called once, from the submitting thread, before the pipeline is released.
public final class OrderedPipeline<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    private let lock = ConditionLock(conditions: 3)
    /// Conditions: work for the workers, the next output for the consumer, room in the window
    /// for the producer.
    private static var work: Int { 0 }
    private static var next: Int { 1 }
    private static var room: Int { 2 }
    private let window: Int
    private let maxWeight: Int
    private let transform: @Sendable (_ worker: Int, Input) throws -> Output
    private let consume: @Sendable (Output) throws -> Void

    // Guarded by `lock`. Item k lives in slot k % window of `inputs` (until a worker takes
    // it) and then of `results` (until the consumer takes it): at most `window` items are in
    // flight, so they never share a slot, and nothing is allocated per item.
    private var inputs: [Input?]
    private var results: [Result<Output, Error>?]
    /// Weight of item k in slot k % window, and the sum over the items in flight.
    private var weights: [Int]
    private var weightInFlight = 0
    /// Items handed to workers: `consumed ≤ taken ≤ submitted`.
    private var taken = 0
    private var submitted = 0
    private var consumed = 0
    private var closed = false
    private var failure: Error?

    private var threads: [pthread_t] = []
    /// CPUs the workers are pinned to, round robin (empty: not pinned).
    private let workerCPUs: [Int]
    /// No thread could be started: `submit` transforms and consumes inline.
    private var inline = false

    /// Starts `threads` workers (worker ids 0 ..< threads, for per-worker scratch) and the
    /// consumer. `window` ≥ `threads` + 1 keeps every worker busy while the consumer works.
    /// `pinWorkers`: worker k stays on the k-th CPU the process may use (round robin; see
    /// `ThreadAffinity`); the producer and the consumer are left to the scheduler.
    /// `maxWeight`: the most weight in flight (see `submit(_:weight:)`).
    public init(threads: Int, window: Int, maxWeight: Int = .max, pinWorkers: Bool = false,
                transform: @escaping @Sendable (_ worker: Int, Input) throws -> Output,
                consume: @escaping @Sendable (Output) throws -> Void) {
        precondition(threads >= 1 && window >= 1)
        self.window = window
        self.maxWeight = maxWeight
        weights = Array(repeating: 0, count: window)
        let cpus = pinWorkers ? ThreadAffinity.allowedCPUs() : []
        workerCPUs = cpus.count > 1 ? cpus : []
        inputs = Array(repeating: nil, count: window)
        results = Array(repeating: nil, count: window)
        self.transform = transform
        self.consume = consume
        var handles: [pthread_t] = []
        for worker in 0..<threads {
            if let handle = PosixThread.start({ [self] in workerLoop(worker) }) { handles.append(handle) }
        }
        if !handles.isEmpty, let consumer = PosixThread.start({ [self] in consumerLoop() }) {
            handles.append(consumer)
        } else {
            // No thread to be had: stop the workers that did start and work inline.
            lock.withLock {
                closed = true
                lock.broadcast(Self.work)
            }
            for t in handles { pthread_join(t, nil) }
            handles = []
            inline = true
        }
        self.threads = handles
    }

    /// Hands `input` to the workers; blocks while `window` items are in flight, or while other
    /// items in flight weigh more than `maxWeight - weight`. Throws the pipeline's first error,
    /// after which nothing more is accepted.
    public func submit(_ input: Input, weight: Int = 0) throws {
        precondition(weight >= 0)
        if inline {
            if let failure = lock.withLock({ failure }) { throw failure }
            do {
                try consume(try transform(0, input))
            } catch {
                lock.withLock { failure = error }
                throw error
            }
            return
        }
        try lock.withLock {
            while failure == nil && (submitted - consumed >= window
                                     || (submitted > consumed && weightInFlight > maxWeight - min(weight, maxWeight))) {
                lock.wait(Self.room)
            }
            if let failure { throw failure }
            inputs[submitted % window] = input
            weights[submitted % window] = weight
            weightInFlight += weight
            submitted += 1
            lock.signal(Self.work)
        }
    }

    /// Waits until every submitted item is consumed and the threads have ended; throws the
    /// pipeline's first error.
    public func finish() throws {
        lock.withLock {
            closed = true
            lock.broadcast(Self.work)
            lock.signal(Self.next)
        }
        for t in threads { pthread_join(t, nil) }
        threads = []
        if let failure { throw failure }
    }

    private func workerLoop(_ worker: Int) {
        ThreadAffinity.pinCurrentThread(index: worker, among: workerCPUs)
        while true {
            let item: (index: Int, input: Input)? = lock.withLock {
                while taken == submitted && !closed && failure == nil { lock.wait(Self.work) }
                if failure != nil || taken == submitted { return nil }
                let index = taken
                taken += 1
                defer { inputs[index % window] = nil }
                return (index, inputs[index % window]!)
            }
            guard let item else { return }
            let result = Result { try transform(worker, item.input) }
            lock.withLock {
                results[item.index % window] = result
                if item.index == consumed { lock.signal(Self.next) }
            }
        }
    }

    private func consumerLoop() {
        while true {
            let next: Result<Output, Error>? = lock.withLock {
                while results[consumed % window] == nil && failure == nil && !(closed && consumed == submitted) { lock.wait(Self.next) }
                if failure != nil || results[consumed % window] == nil { return nil }
                defer { results[consumed % window] = nil }
                return results[consumed % window]
            }
            guard let next else { return }
            do {
                try consume(try next.get())
                lock.withLock {
                    let weight = weights[consumed % window]
                    weightInFlight -= weight
                    consumed += 1
                    if submitted - consumed == window - 1 || weight > 0 { lock.signal(Self.room) }
                }
            } catch {
                lock.withLock {
                    failure = error
                    lock.broadcast(Self.work)
                    lock.broadcast(Self.room)
                }
                return
            }
        }
    }
}
