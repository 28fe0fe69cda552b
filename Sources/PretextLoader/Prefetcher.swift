#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// Builds numbered batches `first ..< end` on background threads, at most `depth` ahead of
/// the consumer, and hands them out in order. Which thread builds which batch does not
/// matter: a batch is a pure function of its number. Errors surface at `take` of that batch.
final class Prefetcher: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var nextToClaim: Int
    private var nextToTake: Int
    private let end: Int
    private let depth: Int
    private var stopping = false
    private var threads: [pthread_t] = []
    private let make: @Sendable (_ worker: Int, _ number: Int) throws -> Batch

    init(first: Int, end: Int, threads count: Int, depth: Int, make: @escaping @Sendable (Int, Int) throws -> Batch) {
        nextToClaim = first
        nextToTake = first
        self.end = end
        self.depth = depth
        self.make = make
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        for worker in 0..<max(1, count) {
            if let handle = PosixThread.start({ [self] in work(worker) }) { threads.append(handle) }
        }
    }

    private func work(_ worker: Int) {
        pthread_mutex_lock(&mutex)
        while true {
            while !stopping && nextToClaim < end && nextToClaim >= nextToTake + depth { pthread_cond_wait(&changed, &mutex) }
            if stopping || nextToClaim >= end { break }
            let n = nextToClaim
            nextToClaim += 1
            pthread_mutex_unlock(&mutex)
            let result = Result { try make(worker, n) }
            pthread_mutex_lock(&mutex)
            ready[n] = result
            pthread_cond_broadcast(&changed)
        }
        pthread_mutex_unlock(&mutex)
    }

    /// Batch `n`, which must be the next in order; blocks until it is built.
    func take(_ n: Int) throws -> Batch {
        pthread_mutex_lock(&mutex)
        precondition(n == nextToTake, "batches are taken in order")
        if threads.isEmpty && ready[n] == nil {
            // No thread could be started: build here.
            pthread_mutex_unlock(&mutex)
            let result = Result { try make(0, n) }
            pthread_mutex_lock(&mutex)
            ready[n] = result
        }
        while ready[n] == nil { pthread_cond_wait(&changed, &mutex) }
        let result = ready.removeValue(forKey: n)!
        nextToTake += 1
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        return try result.get()
    }

    /// Stops the threads (batches being built are finished and dropped) and joins them.
    func stop() {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        for t in threads { pthread_join(t, nil) }
        threads = []
    }

    deinit {
        stop()
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&changed)
    }
}
