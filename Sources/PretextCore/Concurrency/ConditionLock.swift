#if canImport(Glibc)
import Glibc
#endif

/// A POSIX mutex with a few condition variables: `withLock` for state changes, `wait(k)`
/// inside it to sleep until another thread signals condition `k`. (Swift's `Mutex` has no
/// conditions.) Separate conditions let a thread wake only the threads that wait for what
/// changed, rather than all of them.
public final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let count: Int

    public init(conditions count: Int = 1) {
        precondition(count >= 1)
        self.count = count
        mutex = .allocate(capacity: 1)
        conditions = .allocate(capacity: count)
        let m = pthread_mutex_init(mutex, nil)
        precondition(m == 0, "pthread_mutex_init \(m)")
        for k in 0..<count {
            let c = pthread_cond_init(conditions + k, nil)
            precondition(c == 0, "pthread_cond_init \(c)")
        }
    }

    deinit {
        for k in 0..<count { pthread_cond_destroy(conditions + k) }
        pthread_mutex_destroy(mutex)
        conditions.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the mutex.
    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Releases the mutex until condition `k` is signalled (or a spurious wake-up), then holds
    /// it again. Call only inside `withLock`, in a loop that re-checks what it waits for.
    public func wait(_ k: Int = 0) { pthread_cond_wait(conditions + k, mutex) }

    /// Wakes one thread waiting on condition `k`.
    public func signal(_ k: Int = 0) { pthread_cond_signal(conditions + k) }

    /// Wakes every thread waiting on condition `k`.
    public func broadcast(_ k: Int = 0) { pthread_cond_broadcast(conditions + k) }
}
