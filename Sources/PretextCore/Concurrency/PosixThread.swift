#if canImport(Glibc)
import Glibc
#endif

/// Starts a Swift closure on a new joinable POSIX thread: the retained box and C trampoline
/// that `pthread_create` needs, in one place. The caller joins the returned handle.
public enum PosixThread {
    /// Starts `body` on a new thread; nil when the system cannot create one (the caller
    /// then does the work itself or without that thread).
    public static func start(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Body(body))
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            return nil
        }
        return handle
    }

    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
