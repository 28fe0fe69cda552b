#if canImport(Glibc)
import Glibc
#endif
import CBLAS

/// The element type of the trainer's kernels: `Float` for training, `Double` for the
/// finite-difference gradient checks, which run the very same kernel code.
public protocol TrainerFloat: BinaryFloatingPoint, Sendable {
    /// `C (m×n) = alpha · op(A) · op(B) + beta · C`, row-major, through OpenBLAS (s/dgemm).
    static func gemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Self,
                     _ a: UnsafePointer<Self>, _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int,
                     _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
}

/// Shape checks shared by both precisions (BLAS reads out of bounds on bad leading dimensions
/// and returns no status, so they are checked here, on every call).
@inline(__always)
func checkGemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ lda: Int, _ ldb: Int, _ ldc: Int) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative shape \(m)×\(n)×\(k)")
    precondition(lda >= max(1, ta ? m : k) && ldb >= max(1, tb ? k : n) && ldc >= max(1, n),
                 "gemm: leading dimensions \(lda), \(ldb), \(ldc) below the row lengths")
    precondition(max(m, n, k, lda, ldb, ldc) <= Int(Int32.max), "gemm: dimension exceeds Int32")
}

extension Float: TrainerFloat {
    @inline(__always)
    public static func gemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                            _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                            _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        checkGemm(ta, tb, m, n, k, lda, ldb, ldc)
        if m == 0 || n == 0 { return }
        if let recorder = GemmRecorder.active { recorder.record(ta, tb, m, n, k, lda, ldb, ldc, beta) }
        blasGemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// `cblas_sgemm` itself (no checks, no recording).
    @inline(__always)
    static func blasGemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                         _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                         _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        OpenBLAS.loaded.sgemm(Int32(PRETEXT_CBLAS_ROW_MAJOR), Int32(ta ? PRETEXT_CBLAS_TRANS : PRETEXT_CBLAS_NO_TRANS),
                              Int32(tb ? PRETEXT_CBLAS_TRANS : PRETEXT_CBLAS_NO_TRANS), Int32(m), Int32(n), Int32(k),
                              alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) public static func sqrt(_ x: Float) -> Float { sqrtf(x) }
}

extension Double: TrainerFloat {
    @inline(__always)
    public static func gemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
                            _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                            _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        checkGemm(ta, tb, m, n, k, lda, ldb, ldc)
        if m == 0 || n == 0 { return }
        OpenBLAS.loaded.dgemm(Int32(PRETEXT_CBLAS_ROW_MAJOR), Int32(ta ? PRETEXT_CBLAS_TRANS : PRETEXT_CBLAS_NO_TRANS),
                              Int32(tb ? PRETEXT_CBLAS_TRANS : PRETEXT_CBLAS_NO_TRANS), Int32(m), Int32(n), Int32(k),
                              alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) public static func sqrt(_ x: Double) -> Double { Glibc.sqrt(x) }
}
