/// Multi-head scaled dot-product attention over a fused QKV buffer.
///
/// Shapes: `qkv[B·T × 3H]`, row `b·T + t` = `[q (H) | k (H) | v (H)]`, head h owning columns
/// `h·d ..< (h+1)·d` of each part (d = H / heads); `out[B·T × H]` with the same head
/// columns; `probs[B × heads × T × T]` keeps the softmax for the backward pass. Keys where
/// `mask[b·T + t] == 0` (padding) get probability exactly 0; with `causal`, keys after the
/// query too. Per (batch, head), the two products are gemms on strided views of the buffers.
///
/// Attention-probability dropout (`dropout` non-nil): the values are multiplied by a keyed
/// mask of the probabilities — site `dropout.site + b·heads + h` — drawn again in the backward
/// pass; `probs` keeps the probabilities before dropout. It needs a `T × T` scratch buffer.
///
/// Sequence by sequence, the products of all heads are sgemm calls made in order (OpenBLAS
/// threads them), and the softmax rows of all heads (forward and backward) run on `threads`
/// in between: rows are independent, so the split never changes a bit, and OpenBLAS is never
/// called from the workers.
public enum Attention {
    /// Dropout of the attention probabilities: rate, seed, key (micro-batch) and first site.
    public struct DropoutKey: Sendable {
        public var p: Double, seed: UInt64, key: UInt64, site: UInt64
        public init(p: Double, seed: UInt64, key: UInt64, site: UInt64) { self.p = p; self.seed = seed; self.key = key; self.site = site }
    }

    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(out: UnsafeMutablePointer<T>, probs: UnsafeMutablePointer<T>, qkv: UnsafePointer<T>,
                                                mask: UnsafePointer<Int32>?, batch: Int, length: Int, hidden: Int, heads: Int, causal: Bool,
                                                dropout: DropoutKey? = nil, scratch: UnsafeMutablePointer<T>? = nil,
                                                threads: KernelThreads? = nil) {
        let d = hidden / heads, ld = 3 * hidden, t = length
        let scale = 1 / T.sqrt(T(d))
        for b in 0..<batch {
            // Scores of every head of this sequence, then their softmax rows on the workers.
            for h in 0..<heads {
                let q = qkv + b * t * ld + h * d, k = q + hidden
                T.gemm(false, true, t, t, d, scale, q, ld, k, ld, 0, probs + (b * heads + h) * t * t, t)
            }
            (threads ?? .serial).forRanges(heads * t, minimum: 64) { rows in
                for r in rows {
                    let i = r % t, row = probs + (b * heads + r / t) * t * t + i * t
                    var maxS = -T.greatestFiniteMagnitude
                    var any = false
                    for j in 0..<t where visible(mask, b, t, i, j, causal) {
                        if row[j] > maxS { maxS = row[j] }
                        any = true
                    }
                    var sum: T = 0
                    for j in 0..<t {
                        if any && visible(mask, b, t, i, j, causal) {
                            let e = T.exp(row[j] - maxS)
                            row[j] = e
                            sum += e
                        } else {
                            row[j] = 0
                        }
                    }
                    if sum > 0 {
                        let inv = 1 / sum
                        for j in 0..<t { row[j] *= inv }
                    }
                }
            }
            for h in 0..<heads {
                let v = qkv + b * t * ld + h * d + 2 * hidden
                let p = probs + (b * heads + h) * t * t
                if let dropout, dropout.p > 0, let scratch {
                    scratch.update(from: p, count: t * t)
                    Dropout.apply(scratch, count: t * t, p: dropout.p, seed: dropout.seed, key: dropout.key, site: dropout.site + UInt64(b * heads + h))
                    T.gemm(false, false, t, d, t, 1, scratch, t, v, ld, 0, out + b * t * hidden + h * d, hidden)
                } else {
                    T.gemm(false, false, t, d, t, 1, p, t, v, ld, 0, out + b * t * hidden + h * d, hidden)
                }
            }
        }
    }

    @inline(__always)
    static func visible(_ mask: UnsafePointer<Int32>?, _ b: Int, _ t: Int, _ i: Int, _ j: Int, _ causal: Bool) -> Bool {
        if causal && j > i { return false }
        if let mask { return mask[b * t + j] != 0 }
        return true
    }

    /// `dqkv` (overwritten) from `dout`; `scratch` holds `heads · 2 · T × T` values.
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dqkv: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
                                                 qkv: UnsafePointer<T>, probs: UnsafePointer<T>,
                                                 batch: Int, length: Int, hidden: Int, heads: Int, dropout: DropoutKey? = nil,
                                                 threads: KernelThreads? = nil) {
        let d = hidden / heads, ld = 3 * hidden, t = length
        let scale = 1 / T.sqrt(T(d))
        for b in 0..<batch {
            for h in 0..<heads {
                let v = qkv + b * t * ld + h * d + 2 * hidden
                let dv = dqkv + b * t * ld + h * d + 2 * hidden
                let p = probs + (b * heads + h) * t * t
                let dO = dout + b * t * hidden + h * d
                let dP = scratch + h * 2 * t * t
                // dP = dO · Vᵀ ; dV = Pᵀ · dO (P after dropout, drawn again; dP back through its mask)
                T.gemm(false, true, t, t, d, 1, dO, hidden, v, ld, 0, dP, t)
                if let dropout, dropout.p > 0 {
                    let dropped = dP + t * t
                    dropped.update(from: p, count: t * t)
                    let site = dropout.site + UInt64(b * heads + h)
                    Dropout.apply(dropped, count: t * t, p: dropout.p, seed: dropout.seed, key: dropout.key, site: site)
                    T.gemm(true, false, t, d, t, 1, dropped, t, dO, hidden, 0, dv, ld)
                    Dropout.apply(dP, count: t * t, p: dropout.p, seed: dropout.seed, key: dropout.key, site: site)
                } else {
                    T.gemm(true, false, t, d, t, 1, p, t, dO, hidden, 0, dv, ld)
                }
            }
            // Softmax backward in place, every head's rows on the workers: dS = P ⊙ (dP − Σ_j dP·P).
            (threads ?? .serial).forRanges(heads * t, minimum: 64) { rows in
                for r in rows {
                    let h = r / t, i = r % t
                    let pr = probs + (b * heads + h) * t * t + i * t, ds = scratch + h * 2 * t * t + i * t
                    var dot: T = 0
                    for j in 0..<t { dot += ds[j] * pr[j] }
                    for j in 0..<t { ds[j] = pr[j] * (ds[j] - dot) }
                }
            }
            // dQ = dS · K · scale ; dK = dSᵀ · Q · scale
            for h in 0..<heads {
                let q = qkv + b * t * ld + h * d, k = q + hidden
                let dq = dqkv + b * t * ld + h * d, dk = dq + hidden
                let dS = scratch + h * 2 * t * t
                T.gemm(false, false, t, d, t, scale, dS, t, k, ld, 0, dq, ld)
                T.gemm(true, false, t, d, t, scale, dS, t, q, ld, 0, dk, ld)
            }
        }
    }
}
