/// Layer normalization over the last dimension: `y = (x − mean) / sqrt(var + eps) · γ + β`
/// per row of `[rows × c]`, with the biased variance (as PyTorch). The forward pass keeps each
/// row's mean and 1/std for the backward pass. With `threads`, rows (and, for the parameter
/// gradients, columns) run on the workers; every value is computed as on one thread.
public enum LayerNorm {
    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(out: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
                                                inp: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>,
                                                rows: Int, channels c: Int, eps: T, threads: KernelThreads? = nil) {
        (threads ?? .serial).forRanges(rows, minimum: 64) { rows in
            for r in rows {
                let x = inp + r * c, y = out + r * c
                var m: T = 0
                for j in 0..<c { m += x[j] }
                m /= T(c)
                var v: T = 0
                for j in 0..<c { let d = x[j] - m; v += d * d }
                v /= T(c)
                let s = 1 / T.sqrt(v + eps)
                for j in 0..<c { y[j] = (x[j] - m) * s * weight[j] + bias[j] }
                mean[r] = m
                rstd[r] = s
            }
        }
    }

    /// `dinp += …` (accumulates, so a residual branch can add into the same buffer when the
    /// caller zeroed or filled it), `dweight += Σ dout · x̂`, `dbias += Σ dout`.
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dinp: UnsafeMutablePointer<T>, dweight: UnsafeMutablePointer<T>, dbias: UnsafeMutablePointer<T>,
                                                 dout: UnsafePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                 mean: UnsafePointer<T>, rstd: UnsafePointer<T>, rows: Int, channels c: Int,
                                                 threads: KernelThreads? = nil) {
        let threads = threads ?? .serial
        // dinp, row by row.
        threads.forRanges(rows, minimum: 64) { rows in
            for r in rows {
                let x = inp + r * c, dy = dout + r * c, dx = dinp + r * c
                let m = mean[r], s = rstd[r]
                // Means over the row of dŷ = dy·γ and of dŷ·x̂.
                var meanD: T = 0, meanDX: T = 0
                for j in 0..<c {
                    let xh = (x[j] - m) * s
                    let d = dy[j] * weight[j]
                    meanD += d
                    meanDX += d * xh
                }
                meanD /= T(c)
                meanDX /= T(c)
                for j in 0..<c {
                    let xh = (x[j] - m) * s
                    dx[j] += (dy[j] * weight[j] - meanD - xh * meanDX) * s
                }
            }
        }
        // dweight and dbias, column by column (each column summed over the rows in order).
        threads.forRanges(c, minimum: 16) { columns in
            for r in 0..<rows {
                let x = inp + r * c, dy = dout + r * c
                let m = mean[r], s = rstd[r]
                for j in columns {
                    dbias[j] += dy[j]
                    dweight[j] += dy[j] * ((x[j] - m) * s)
                }
            }
        }
    }
}
