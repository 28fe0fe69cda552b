/// A fully connected layer in PyTorch's layout: `out[M×O] = inp[M×I] · Wᵀ + b`, with the
/// weight `W[O×I]` (row-major, out × in) and the bias `b[O]` (optional).
public enum Linear {
    /// `out = inp · Wᵀ + b` — one gemm over all M rows.
    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(out: UnsafeMutablePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                bias: UnsafePointer<T>?, rows m: Int, inputs i: Int, outputs o: Int) {
        if let bias {
            for r in 0..<m { (out + r * o).update(from: bias, count: o) }
            T.gemm(false, true, m, o, i, 1, inp, i, weight, i, 1, out, o)
        } else {
            T.gemm(false, true, m, o, i, 1, inp, i, weight, i, 0, out, o)
        }
    }

    /// Gradients: `dW += doutᵀ · inp`, `db += Σ_rows dout`, and `dinp = dout · W` (or `+=` when
    /// `accumulate`; nil skips it, for the first layer's input).
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dinp: UnsafeMutablePointer<T>?, dweight: UnsafeMutablePointer<T>, dbias: UnsafeMutablePointer<T>?,
                                                 dout: UnsafePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                 rows m: Int, inputs i: Int, outputs o: Int, accumulate: Bool = false) {
        T.gemm(true, false, o, i, m, 1, dout, o, inp, i, 1, dweight, i)
        if let dbias {
            for r in 0..<m {
                let row = dout + r * o
                for j in 0..<o { dbias[j] += row[j] }
            }
        }
        if let dinp { T.gemm(false, false, m, i, o, 1, dout, o, weight, i, accumulate ? 1 : 0, dinp, i) }
    }
}
