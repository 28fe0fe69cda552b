import Dispatch

/// Maps a batch on several threads and returns the results in input order.
///
/// The batch is cut into `threads` contiguous parts, each mapped on its own thread
/// (`DispatchQueue.concurrentPerform`); part k's results land in slot k. Output order, and so
/// every byte written from it, is independent of the thread count and of scheduling.
public enum OrderedParallelMap {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], threads: Int, _ transform: @Sendable (T) -> R) -> [R] {
        if threads <= 1 || items.count < 2 { return items.map(transform) }
        let parts = min(threads, items.count)
        let slots = Slots<R>(count: parts)
        defer { slots.release() }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lo = items.count * part / parts, hi = items.count * (part + 1) / parts
            slots.store(items[lo..<hi].map(transform), at: part)
        }
        return (0..<parts).flatMap { slots.value(at: $0) }
    }

    /// One slot per part in raw memory: each slot is written by exactly one thread, and read
    /// only after all threads have finished (concurrentPerform returns only then), so no lock
    /// is needed and no two threads touch the same memory.
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
