#if canImport(Glibc)
import Glibc
#endif

/// Maps a batch on several threads and returns the results in input order.
///
/// The batch is cut into `threads` contiguous parts; part 0 runs on the calling thread and
/// every other part on a thread of its own (POSIX threads, joined before returning); part k's
/// results land in slot k. Output order, and so every byte written from it, is independent of
/// the thread count and of scheduling. (Dispatch's `concurrentPerform` was measured to leave
/// the second core mostly idle for these batch sizes on Linux, hence explicit threads.)
public enum OrderedParallelMap {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], threads: Int, _ transform: @Sendable (T) -> R) -> [R] {
        if threads <= 1 || items.count < 2 { return items.map(transform) }
        let parts = min(threads, items.count)
        let slots = Slots<R>(count: parts)
        withoutActuallyEscaping(transform) { transform in
            let work: @Sendable (Int) -> Void = { part in
                let lo = items.count * part / parts, hi = items.count * (part + 1) / parts
                slots.store(items[lo..<hi].map(transform), at: part)
            }
            var handles: [pthread_t] = []
            for part in 1..<parts {
                let box = Unmanaged.passRetained(Job { work(part) })
                var handle = pthread_t()
                let rc = pthread_create(&handle, nil, { raw in
                    let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                    job.run()
                    return nil
                }, box.toOpaque())
                if rc == 0 {
                    handles.append(handle)
                } else {
                    // No thread to be had: do the part here (same result, less parallel).
                    box.takeRetainedValue().run()
                }
            }
            work(0)
            for h in handles { pthread_join(h, nil) }
        }
        defer { slots.release() }
        return (0..<parts).flatMap { slots.value(at: $0) }
    }

    private final class Job: @unchecked Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// One slot per part in raw memory: each slot is written by exactly one thread, and read
    /// only after all threads are joined, so no lock is needed and no two threads touch the
    /// same memory.
    private final class Slots<R>: @unchecked Sendable {
        private let base: UnsafeMutablePointer<[R]>
        private let count: Int
        init(count: Int) {
            self.count = count
            base = .allocate(capacity: count)
            base.initialize(repeating: [], count: count)
        }
        func store(_ v: [R], at k: Int) { base[k] = v }
        func value(at k: Int) -> [R] { base[k] }
        func release() {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }
}
