#if canImport(Glibc)
import Glibc
#endif

/// One piece of work on its own POSIX thread, joined with `wait()`, which rethrows its error.
///
/// Used to overlap a unit's output (compressing and writing files) with the next unit's
/// computation. A task must be waited for exactly once; `wait()` is called from the thread
/// that started it.
public final class BackgroundTask: @unchecked Sendable {
    private var handle = pthread_t()
    private var started = false
    private var waited = false
    private let body: @Sendable () throws -> Void
    private var error: Error?

    /// Starts `body` on a new thread (or runs it at once if no thread can be created).
    public init(_ body: @escaping @Sendable () throws -> Void) {
        self.body = body
        if let thread = PosixThread.start({ [self] in run() }) {
            handle = thread
            started = true
        } else {
            run()
        }
    }

    private func run() {
        do { try body() } catch { self.error = error }
    }

    /// Waits for the work to finish and rethrows its error, if any.
    public func wait() throws {
        precondition(!waited, "BackgroundTask waited for twice")
        waited = true
        if started { pthread_join(handle, nil) }
        if let error { throw error }
    }
}
