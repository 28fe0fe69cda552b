/// A fully connected layer `out[M×O] = inp[M×I] · op(W) + b` with the bias `b[O]` optional and
/// the weight in either layout:
/// - `.outputMajor`: `W[O×I]`, PyTorch's `nn.Linear` (out × in), so `op(W) = Wᵀ`;
/// - `.inputMajor`: `W[I×O]`, GPT-2's "Conv1D" (in × out), so `op(W) = W` — kept so GPT-2
///   checkpoints load as they are.
public enum Linear {
    public enum Layout: Sendable { case outputMajor, inputMajor }

    /// `out = inp · op(W) + b` — one gemm over all M rows.
    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(out: UnsafeMutablePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                bias: UnsafePointer<T>?, rows m: Int, inputs i: Int, outputs o: Int,
                                                layout: Layout = .outputMajor) {
        if let bias { for r in 0..<m { (out + r * o).update(from: bias, count: o) } }
        let outputMajor = layout == .outputMajor
        T.gemm(false, outputMajor, m, o, i, 1, inp, i, weight, outputMajor ? i : o, bias == nil ? 0 : 1, out, o)
    }

    /// Gradients: `dW += ∂(inp · op(W))`, `db += Σ_rows dout`, and `dinp = dout · op(W)ᵀ` (or
    /// `+=` when `accumulate`; nil skips it, for the first layer's input).
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dinp: UnsafeMutablePointer<T>?, dweight: UnsafeMutablePointer<T>, dbias: UnsafeMutablePointer<T>?,
                                                 dout: UnsafePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                 rows m: Int, inputs i: Int, outputs o: Int, accumulate: Bool = false,
                                                 layout: Layout = .outputMajor) {
        switch layout {
        case .outputMajor: T.gemm(true, false, o, i, m, 1, dout, o, inp, i, 1, dweight, i)   // dW[O×I] += doutᵀ · inp
        case .inputMajor: T.gemm(true, false, i, o, m, 1, inp, i, dout, o, 1, dweight, o)    // dW[I×O] += inpᵀ · dout
        }
        if let dbias {
            for r in 0..<m {
                let row = dout + r * o
                for j in 0..<o { dbias[j] += row[j] }
            }
        }
        if let dinp {
            let outputMajor = layout == .outputMajor
            T.gemm(false, !outputMajor, m, i, o, 1, dout, o, weight, outputMajor ? i : o, accumulate ? 1 : 0, dinp, i)
        }
    }
}
