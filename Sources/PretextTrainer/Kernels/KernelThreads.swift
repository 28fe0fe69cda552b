#if canImport(Glibc)
import Glibc
#endif
import PretextCore
import Synchronization

/// The trainer's own worker threads for the work between matrix products (attention softmax
/// rows, cross-entropy rows, GELU, LayerNorm rows, dropout, AdamW), created once with the
/// model so a training step starts no thread and allocates nothing.
///
/// `count` workers: worker 0 is the calling thread, 1 ..< count are parked POSIX threads.
/// These loops never run while OpenBLAS's own threads work: the model alternates between
/// sgemm calls, made in order from the calling thread (OpenBLAS threads them), and these
/// loops, which never call BLAS, so threads are never nested and the matrix products are
/// the same calls, with the same bits, whatever the worker count.
///
/// Determinism: callers split work into items whose results do not depend on which worker
/// computes them or in what order (rows, columns, element ranges), and never
/// reduce across items here, so every thread count gives the same bits.
public final class KernelThreads: @unchecked Sendable {
    public let count: Int
    /// When true, `forRanges` and `forEach` split loops of any length (tests use it to
    /// exercise the splits on tiny models); normally short loops run on the caller.
    public let splitsTinyLoops: Bool
    private var threads: [pthread_t] = []
    private let shared = Shared()

    /// What the caller and the parked workers share; the workers hold it (not the pool), so
    /// the pool's deinit can stop and join them.
    private final class Shared: @unchecked Sendable {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        /// Guarded by `lock`: the current job, its generation, workers still running it, shutdown.
        var job: ((Int) -> Void)?
        var generation: UInt64 = 0
        var running = 0
        var stopping = false
        /// The next item of a `forEach` (dynamic hand-out).
        let next = Atomic<Int>(0)

        init() {
            pthread_mutex_init(lock, nil)
            pthread_cond_init(wake, nil)
            pthread_cond_init(done, nil)
        }

        deinit {
            pthread_cond_destroy(wake); pthread_cond_destroy(done); pthread_mutex_destroy(lock)
            wake.deallocate(); done.deallocate(); lock.deallocate()
        }

        func workerLoop(_ worker: Int) {
            var seen: UInt64 = 0
            while true {
                pthread_mutex_lock(lock)
                while generation == seen && !stopping { pthread_cond_wait(wake, lock) }
                if stopping { pthread_mutex_unlock(lock); return }
                seen = generation
                pthread_mutex_unlock(lock)
                runJob(worker)
                pthread_mutex_lock(lock)
                running -= 1
                if running == 0 { pthread_cond_signal(done) }
                pthread_mutex_unlock(lock)
            }
        }

        /// Calls the current job; every reference to it is gone on return, before the worker
        /// reports done (`run` checks that its non-escaping closure did not escape).
        @inline(never)
        func runJob(_ worker: Int) { job!(worker) }
    }

    /// One worker, the caller: kernels called without a pool run their loops through this.
    public static let serial = KernelThreads(count: 1)

    /// A pool of `count` workers (at least 1; 1 runs everything on the caller).
    public init(count: Int, splitsTinyLoops: Bool = false) {
        self.count = max(1, count)
        self.splitsTinyLoops = splitsTinyLoops
        let shared = self.shared
        for worker in 1..<self.count {
            // The workers hold `shared`, not the pool; a worker that cannot be started just
            // leaves the pool smaller (`run` waits only for the threads that exist).
            if let handle = PosixThread.start({ shared.workerLoop(worker) }) { threads.append(handle) }
        }
    }

    deinit {
        pthread_mutex_lock(shared.lock)
        shared.stopping = true
        pthread_cond_broadcast(shared.wake)
        pthread_mutex_unlock(shared.lock)
        for t in threads { pthread_join(t, nil) }
    }

    /// Runs `body(worker)` once on every worker (the caller is worker 0) and returns when all
    /// have finished.
    public func run(_ body: (Int) -> Void) {
        if threads.isEmpty { return body(0) }
        let s = shared
        withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(s.lock)
            s.job = body
            s.running = threads.count
            s.generation &+= 1
            pthread_cond_broadcast(s.wake)
            pthread_mutex_unlock(s.lock)
            body(0)
            pthread_mutex_lock(s.lock)
            while s.running > 0 { pthread_cond_wait(s.done, s.lock) }
            s.job = nil
            pthread_mutex_unlock(s.lock)
        }
    }

    /// Calls `body(worker, item)` for every item in `0 ..< items`, handed out dynamically in
    /// runs of `grain` (items of uneven cost still keep every worker busy).
    public func forEach(_ items: Int, grain: Int = 1, _ body: (_ worker: Int, _ item: Int) -> Void) {
        if threads.isEmpty || items <= (splitsTinyLoops ? 1 : grain) {
            for i in 0..<items { body(0, i) }
            return
        }
        let s = shared
        s.next.store(0, ordering: .relaxed)
        run { worker in
            while true {
                let start = s.next.wrappingAdd(grain, ordering: .relaxed).oldValue
                if start >= items { return }
                for i in start..<min(items, start + grain) { body(worker, i) }
            }
        }
    }

    /// Calls `body(range)` on contiguous ranges covering `0 ..< total`, at least `minimum`
    /// long (elementwise loops: each range is one tight loop).
    public func forRanges(_ total: Int, minimum: Int = 16_384, _ body: (Range<Int>) -> Void) {
        let parts = min(count * 4, max(1, total / max(1, splitsTinyLoops ? 1 : minimum)))
        if threads.isEmpty || parts <= 1 { return body(0..<total) }
        forEach(parts) { _, k in body((total * k / parts)..<(total * (k + 1) / parts)) }
    }
}
