#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Maps a batch on several threads and returns the results in input order.
///
/// Items are handed out one at a time from a shared counter (dynamic scheduling): a thread
/// that finishes a cheap item takes the next one, so items of very different cost (documents
/// of 1 KB and 1 MB) still keep every thread busy. Item k's result lands in slot k, so the
/// output order — and every byte written from it — is independent of the thread count and
/// of scheduling. Worker 0 is the calling thread; the others are POSIX threads joined before
/// returning. (Dispatch's `concurrentPerform` was measured to leave the second core mostly
/// idle for these batch sizes on Linux, hence explicit threads.)
///
/// Hand the map items of some tens of microseconds of work or more (a group of documents,
/// not a token): each item costs one atomic increment and one slot write.
public enum OrderedParallelMap {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], threads: Int, _ transform: @Sendable (T) -> R) -> [R] {
        map(items, threads: threads) { _, item in transform(item) }
    }

    /// As `map(_:threads:_:)`, telling `transform` which worker (0 ..< min(threads, items.count))
    /// runs it, for per-worker resources that are not thread-safe (readers, scratch buffers).
    /// Results must not depend on the worker.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], threads: Int, _ transform: @Sendable (_ worker: Int, T) -> R) -> [R] {
        if threads <= 1 || items.count < 2 { return items.map { transform(0, $0) } }
        let workers = min(threads, items.count)
        let slots = Slots<R>(count: items.count)
        let counter = Counter()
        withoutActuallyEscaping(transform) { transform in
            do {
                let work: @Sendable (Int) -> Void = { worker in
                    while true {
                        let k = counter.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        if k >= items.count { return }
                        slots.store(transform(worker, items[k]), at: k)
                    }
                }
                var handles: [pthread_t] = []
                for worker in 1..<workers {
                    // No thread to be had: this worker simply takes no items.
                    if let handle = PosixThread.start({ work(worker) }) { handles.append(handle) }
                }
                work(0)
                for h in handles { pthread_join(h, nil) }
            }
        }
        defer { slots.release() }
        return (0..<items.count).map { slots.value(at: $0) }
    }

    /// The index of the next item to hand out.
    private final class Counter: Sendable {
        let next = Atomic<Int>(0)
    }

    /// One slot per item in raw memory: each slot is written by exactly one thread, and read
    /// only after all threads are joined, so no lock is needed.
    private final class Slots<R>: @unchecked Sendable {
        private let base: UnsafeMutablePointer<R?>
        private let count: Int
        init(count: Int) {
            self.count = count
            base = .allocate(capacity: count)
            base.initialize(repeating: nil, count: count)
        }
        func store(_ v: R, at k: Int) { base[k] = v }
        func value(at k: Int) -> R { base[k]! }
        func release() {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }
}
