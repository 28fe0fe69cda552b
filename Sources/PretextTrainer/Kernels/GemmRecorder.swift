import Synchronization

/// Records the matrix products a training step makes (shapes, transposes, strides, and which
/// ran concurrently on the kernel workers), and replays them alone on scratch buffers: the
/// time `cblas_sgemm` needs for exactly the step's products, the benchmark's "sgemm peak on
/// the same shapes" (`pretext-bench trainer`). Off unless `active` is set; then each `Float`
/// gemm costs one lock and one append. Not for use while training.
public final class GemmRecorder: @unchecked Sendable {
    public struct Call: Sendable {
        var transposeA: Bool, transposeB: Bool
        var m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, beta: Float
        /// Calls with the same group number ran concurrently on the kernel workers with
        /// OpenBLAS on one thread (attention); 0 = a call on its own, OpenBLAS threaded.
        var group: Int
    }

    /// The recorder gemm calls report to, when set (by the benchmark, between steps).
    nonisolated(unsafe) public static var active: GemmRecorder?

    private let state = Mutex<(calls: [Call], group: Int, groups: Int)>(([], 0, 0))

    public init() {}

    public var calls: [Call] { state.withLock { $0.calls } }

    /// Matrix FLOPs of the recorded calls (2·m·n·k each).
    public var flops: Double { calls.reduce(0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) } }

    func record(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ lda: Int, _ ldb: Int, _ ldc: Int, _ beta: Float) {
        state.withLock { $0.calls.append(Call(transposeA: ta, transposeB: tb, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, beta: beta, group: $0.group)) }
    }

    /// Marks the calls until `endConcurrent()` as one concurrent group.
    func beginConcurrent() { state.withLock { $0.groups += 1; $0.group = $0.groups } }
    func endConcurrent() { state.withLock { $0.group = 0 } }

    /// Runs the recorded calls again, in order, on scratch buffers (a concurrent group spread
    /// over `threads` with OpenBLAS on one thread, as the model ran it); returns the seconds.
    public func replay(threads: KernelThreads) -> Double {
        let calls = self.calls
        func size(_ rows: Int, _ ld: Int) -> Int { rows * ld }
        var maxA = 1, maxB = 1, maxC = 1
        for c in calls {
            maxA = max(maxA, size(c.transposeA ? c.k : c.m, c.lda))
            maxB = max(maxB, size(c.transposeB ? c.n : c.k, c.ldb))
            maxC = max(maxC, size(c.m, c.ldc))
        }
        let a = UnsafeMutablePointer<Float>.allocate(capacity: maxA), b = UnsafeMutablePointer<Float>.allocate(capacity: maxB)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: threads.count * maxC)
        a.initialize(repeating: 0.01, count: maxA); b.initialize(repeating: 0.02, count: maxB); c.initialize(repeating: 0, count: threads.count * maxC)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        func run(_ call: Call, _ out: UnsafeMutablePointer<Float>) {
            Float.blasGemm(call.transposeA, call.transposeB, call.m, call.n, call.k, 1, a, call.lda, b, call.ldb, call.beta, out, call.ldc)
        }
        let start = ContinuousClock.now
        var i = 0
        while i < calls.count {
            let group = calls[i].group
            var j = i + 1
            if group != 0 { while j < calls.count && calls[j].group == group { j += 1 } }
            if group == 0 {
                run(calls[i], c)
            } else {
                let first = i
                BLASThreads.withOne { threads.forEach(j - first) { worker, k in run(calls[first + k], c + worker * maxC) } }
            }
            i = j
        }
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
