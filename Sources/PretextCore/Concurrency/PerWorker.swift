/// One value per worker of an `OrderedParallelMap` (scratch buffers, file readers): worker w
/// only ever touches value w, so the values need no lock and are never shared.
public final class PerWorker<Value>: @unchecked Sendable {
    private var values: [Value]

    /// `count` values made by `make(worker)`.
    public init(count: Int, _ make: (Int) throws -> Value) rethrows {
        values = try (0..<max(1, count)).map(make)
    }

    public var count: Int { values.count }

    /// Runs `body` on worker `worker`'s value. Call only from that worker's thread.
    @inline(__always)
    public func with<R>(_ worker: Int, _ body: (inout Value) throws -> R) rethrows -> R {
        try body(&values[worker])
    }

    /// Worker `worker`'s value (for reference types used by that worker only).
    public subscript(worker: Int) -> Value { values[worker] }
}
