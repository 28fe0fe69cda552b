import Synchronization

/// Records the matrix products a training step makes (shapes, transposes, strides), and
/// replays them alone, in order, on scratch buffers: the
/// time `cblas_sgemm` needs for exactly the step's products, the benchmark's "sgemm peak on
/// the same shapes" (`pretext-bench trainer`). Off unless `active` is set; then each `Float`
/// gemm costs one lock and one append. Not for use while training.
public final class GemmRecorder: @unchecked Sendable {
    public struct Call: Sendable {
        var transposeA: Bool, transposeB: Bool
        var m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, beta: Float
    }

    /// The recorder gemm calls report to, when set (by the benchmark, between steps).
    nonisolated(unsafe) public static var active: GemmRecorder?

    private let state = Mutex<[Call]>([])

    public init() {}

    public var calls: [Call] { state.withLock { $0 } }

    /// Matrix FLOPs of the recorded calls (2·m·n·k each).
    public var flops: Double { calls.reduce(0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) } }

    func record(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ lda: Int, _ ldb: Int, _ ldc: Int, _ beta: Float) {
        state.withLock { $0.append(Call(transposeA: ta, transposeB: tb, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, beta: beta)) }
    }

    /// Runs the recorded calls again, in order, on scratch buffers; returns the seconds.
    public func replay() -> Double {
        let calls = self.calls
        var maxA = 1, maxB = 1, maxC = 1
        for c in calls {
            maxA = max(maxA, (c.transposeA ? c.k : c.m) * c.lda)
            maxB = max(maxB, (c.transposeB ? c.n : c.k) * c.ldb)
            maxC = max(maxC, c.m * c.ldc)
        }
        let a = UnsafeMutablePointer<Float>.allocate(capacity: maxA), b = UnsafeMutablePointer<Float>.allocate(capacity: maxB)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: maxC)
        a.initialize(repeating: 0.01, count: maxA); b.initialize(repeating: 0.02, count: maxB); c.initialize(repeating: 0, count: maxC)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        let start = ContinuousClock.now
        for call in calls {
            Float.blasGemm(call.transposeA, call.transposeB, call.m, call.n, call.k, 1, a, call.lda, b, call.ldb, call.beta, c, call.ldc)
        }
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
