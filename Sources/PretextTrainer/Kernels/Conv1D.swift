/// GPT-2's "Conv1D" (Hugging Face's name for a dense layer stored input-major):
/// `out[M×O] = inp[M×I] · W + b` with `W[I×O]` — the transpose of `Linear`'s layout, kept so
/// GPT-2 checkpoints load as they are.
public enum Conv1D {
    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(out: UnsafeMutablePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                bias: UnsafePointer<T>?, rows m: Int, inputs i: Int, outputs o: Int) {
        if let bias {
            for r in 0..<m { (out + r * o).update(from: bias, count: o) }
            T.gemm(false, false, m, o, i, 1, inp, i, weight, o, 1, out, o)
        } else {
            T.gemm(false, false, m, o, i, 1, inp, i, weight, o, 0, out, o)
        }
    }

    /// `dW += inpᵀ · dout`, `db += Σ_rows dout`, `dinp = dout · Wᵀ` (or `+=` with `accumulate`).
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dinp: UnsafeMutablePointer<T>?, dweight: UnsafeMutablePointer<T>, dbias: UnsafeMutablePointer<T>?,
                                                 dout: UnsafePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                 rows m: Int, inputs i: Int, outputs o: Int, accumulate: Bool = false) {
        T.gemm(true, false, i, o, m, 1, inp, i, dout, o, 1, dweight, o)
        if let dbias {
            for r in 0..<m {
                let row = dout + r * o
                for j in 0..<o { dbias[j] += row[j] }
            }
        }
        if let dinp { T.gemm(false, true, m, i, o, 1, dout, o, weight, o, accumulate ? 1 : 0, dinp, i) }
    }
}
