import CBLAS

/// Shapes or strides that `Matmul` refuses before calling BLAS (BLAS itself returns no
/// status and would read out of bounds).
public struct MatmulShapeError: Error, CustomStringConvertible, Sendable {
    public let problem: String
    public var description: String { "sgemm: \(problem)" }
}

/// Row-major single-precision matrix products through OpenBLAS `cblas_sgemm` (loaded on
/// first use by `OpenBLAS`; a missing library is a thrown `OpenBLAS.LoadError`).
///
/// `C (M×N) = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `A (M×K)` or, with
/// `transposeA`, the transpose of `A (K×M)`; likewise `op(B)` is `B (K×N)` or `Bᵀ`
/// with `B (N×K)`. Leading dimensions are the row strides of the stored matrices.
/// Every buffer length and stride is checked before the call.
public enum Matmul {
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafeBufferPointer<Float>, lda: Int,
        b: UnsafeBufferPointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutableBufferPointer<Float>, ldc: Int
    ) throws {
        guard m >= 0, n >= 0, k >= 0 else { throw MatmulShapeError(problem: "negative shape \(m)×\(n)×\(k)") }
        let (aRows, aCols) = transposeA ? (k, m) : (m, k)
        let (bRows, bCols) = transposeB ? (n, k) : (k, n)
        guard lda >= max(1, aCols), ldb >= max(1, bCols), ldc >= max(1, n) else {
            throw MatmulShapeError(problem: "leading dimensions \(lda), \(ldb), \(ldc) below the row lengths \(aCols), \(bCols), \(n)")
        }
        func need(_ rows: Int, _ cols: Int, _ ld: Int) -> Int { rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols }
        guard a.count >= need(aRows, aCols, lda), b.count >= need(bRows, bCols, ldb), c.count >= need(m, n, ldc) else {
            throw MatmulShapeError(problem: "buffers of \(a.count), \(b.count), \(c.count) floats are too small for \(m)×\(n)×\(k)")
        }
        if m == 0 || n == 0 { return }
        guard max(m, n, k, lda, ldb, ldc) <= Int(Int32.max) else { throw MatmulShapeError(problem: "dimension exceeds Int32") }
        try OpenBLAS.shared().sgemm(Int32(PRETEXT_CBLAS_ROW_MAJOR),
                    Int32(transposeA ? PRETEXT_CBLAS_TRANS : PRETEXT_CBLAS_NO_TRANS), Int32(transposeB ? PRETEXT_CBLAS_TRANS : PRETEXT_CBLAS_NO_TRANS),
                    Int32(m), Int32(n), Int32(k), alpha,
                    a.baseAddress, Int32(lda), b.baseAddress, Int32(ldb), beta, c.baseAddress, Int32(ldc))
    }

    /// Threads OpenBLAS uses per call. Set it to 1 when the caller parallelizes itself, so
    /// BLAS threads are never nested inside application threads.
    public static func blasThreads() throws -> Int { Int(try OpenBLAS.shared().getThreads()) }

    public static func setBlasThreads(_ n: Int) throws { try OpenBLAS.shared().setThreads(Int32(n)) }
}
