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
/// With `threads`, the (batch, head) pairs are spread over the workers; worker w uses the
/// scratch at `scratch + w·T·T` (forward) or `scratch + w·2·T·T` (backward), so scratch
/// buffers hold `threads.count` times the sizes above.
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
        forEachPair(batch: batch, heads: heads, threads: threads) { worker, b, h in
            let scratch = scratch.map { $0 + worker * t * t }
            let q = qkv + b * t * ld + h * d, k = q + hidden, v = q + 2 * hidden
            let p = probs + (b * heads + h) * t * t
            T.gemm(false, true, t, t, d, scale, q, ld, k, ld, 0, p, t)
            for i in 0..<t {
                let row = p + i * t
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
            if let dropout, dropout.p > 0, let scratch {
                scratch.update(from: p, count: t * t)
                Dropout.apply(scratch, count: t * t, p: dropout.p, seed: dropout.seed, key: dropout.key, site: dropout.site + UInt64(b * heads + h))
                T.gemm(false, false, t, d, t, 1, scratch, t, v, ld, 0, out + b * t * hidden + h * d, hidden)
            } else {
                T.gemm(false, false, t, d, t, 1, p, t, v, ld, 0, out + b * t * hidden + h * d, hidden)
            }
        }
    }

    /// Runs `body(worker, b, h)` for every (batch, head) pair: in order on the caller, or
    /// spread over `threads` with OpenBLAS on one thread meanwhile (each pair's products are
    /// small; the pairs are independent, so the result does not depend on the split).
    @inline(__always)
    static func forEachPair(batch: Int, heads: Int, threads: KernelThreads?, _ body: (_ worker: Int, _ b: Int, _ h: Int) -> Void) {
        if let threads, threads.count > 1 {
            BLASThreads.withOne { threads.forEach(batch * heads) { worker, pair in body(worker, pair / heads, pair % heads) } }
        } else {
            for b in 0..<batch { for h in 0..<heads { body(0, b, h) } }
        }
    }

    @inline(__always)
    static func visible(_ mask: UnsafePointer<Int32>?, _ b: Int, _ t: Int, _ i: Int, _ j: Int, _ causal: Bool) -> Bool {
        if causal && j > i { return false }
        if let mask { return mask[b * t + j] != 0 }
        return true
    }

    /// `dqkv` (overwritten) from `dout`; `scratch` holds `2 · T × T` values (per worker).
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dqkv: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
                                                 qkv: UnsafePointer<T>, probs: UnsafePointer<T>,
                                                 batch: Int, length: Int, hidden: Int, heads: Int, dropout: DropoutKey? = nil,
                                                 threads: KernelThreads? = nil) {
        let d = hidden / heads, ld = 3 * hidden, t = length
        let scale = 1 / T.sqrt(T(d))
        forEachPair(batch: batch, heads: heads, threads: threads) { worker, b, h in
            let scratch = scratch + worker * 2 * t * t
            let q = qkv + b * t * ld + h * d, k = q + hidden, v = q + 2 * hidden
            let dq = dqkv + b * t * ld + h * d, dk = dq + hidden, dv = dq + 2 * hidden
            let p = probs + (b * heads + h) * t * t
            let dO = dout + b * t * hidden + h * d
            // dP = dO · Vᵀ ; dV = Pᵀ · dO (P after dropout, drawn again; dP back through its mask)
            T.gemm(false, true, t, t, d, 1, dO, hidden, v, ld, 0, scratch, t)
            if let dropout, dropout.p > 0 {
                let dropped = scratch + t * t
                dropped.update(from: p, count: t * t)
                let site = dropout.site + UInt64(b * heads + h)
                Dropout.apply(dropped, count: t * t, p: dropout.p, seed: dropout.seed, key: dropout.key, site: site)
                T.gemm(true, false, t, d, t, 1, dropped, t, dO, hidden, 0, dv, ld)
                Dropout.apply(scratch, count: t * t, p: dropout.p, seed: dropout.seed, key: dropout.key, site: site)
            } else {
                T.gemm(true, false, t, d, t, 1, p, t, dO, hidden, 0, dv, ld)
            }
            // Softmax backward in place: dS = P ⊙ (dP − Σ_j dP·P).
            for i in 0..<t {
                let pr = p + i * t, ds = scratch + i * t
                var dot: T = 0
                for j in 0..<t { dot += ds[j] * pr[j] }
                for j in 0..<t { ds[j] = pr[j] * (ds[j] - dot) }
            }
            // dQ = dS · K · scale ; dK = dSᵀ · Q · scale
            T.gemm(false, false, t, d, t, scale, scratch, t, k, ld, 0, dq, ld)
            T.gemm(true, false, t, d, t, scale, scratch, t, q, ld, 0, dk, ld)
        }
    }
}
