/// The post-LN transformer layers of the BERT family (BERT, ALBERT, ELECTRA's generator and
/// discriminator): per layer, fused-QKV self-attention with an additive padding mask → output
/// dense → dropout → residual → LayerNorm; dense → GELU → dense → dropout → residual →
/// LayerNorm. Hugging Face's `BertLayer` (and `ElectraLayer`, `AlbertLayer`: the same
/// computation under other names).
///
/// Shapes: `xs[0]` is the input `[M × H]` (M = batch · length rows), written by the caller;
/// `xs[L]` the output. Activations are sized once for `maxBatch × maxLength` and kept for the
/// backward pass. Dropout sites: layer l's hidden dropouts are `siteBase + 1 + 2l` and
/// `siteBase + 2 + 2l`, its attention probabilities from `siteBase + (l + 1)·2^32` (site 0 is
/// the embeddings').
final class TransformerEncoder<T: TrainerFloat> {
    let H: Int, I: Int, L: Int, NH: Int
    let activation: GELU.Variant
    let eps: T
    let hiddenDropout: Double, attentionDropout: Double
    /// The tensors each layer reads (ALBERT's layers read the same shared names).
    let layers: [BertNames.Layer]
    let access: ParameterAccess<T>
    let threads: KernelThreads
    /// L + 1 layer inputs/outputs `[M × H]`.
    let xs: [UnsafeMutablePointer<T>]
    let qkv: [UnsafeMutablePointer<T>], probs: [UnsafeMutablePointer<T>], ctx: [UnsafeMutablePointer<T>]
    let res1: [UnsafeMutablePointer<T>], x1: [UnsafeMutablePointer<T>], mean1: [UnsafeMutablePointer<T>], rstd1: [UnsafeMutablePointer<T>]
    let ffPre: [UnsafeMutablePointer<T>], ffAct: [UnsafeMutablePointer<T>], res2: [UnsafeMutablePointer<T>]
    /// GELU's cached CDF/tanh term per layer `[M × I]`.
    let ffGelu: [UnsafeMutablePointer<T>]
    let mean2: [UnsafeMutablePointer<T>], rstd2: [UnsafeMutablePointer<T>]
    /// Backward scratch: `dRes`, `dTmp` `[M × H]`, `dQKV` `[M × 3H]`, `dFFa`/`dFFb` `[M × I]`,
    /// and `dAtt`, the attention kernel's scratch (2·T·T per head).
    let dRes: UnsafeMutablePointer<T>, dTmp: UnsafeMutablePointer<T>, dQKV: UnsafeMutablePointer<T>
    let dFFa: UnsafeMutablePointer<T>, dFFb: UnsafeMutablePointer<T>, dAtt: UnsafeMutablePointer<T>

    /// `config` gives the widths, activation, epsilon and dropout rates; `layers` the tensors.
    init(config: ModelConfig, layers: [BertNames.Layer], access: ParameterAccess<T>, maxBatch: Int, maxLength ml: Int,
         arena: BufferArena<T>, threads: KernelThreads) {
        H = config.hiddenSize; I = config.intermediateSize; L = layers.count; NH = config.numAttentionHeads
        activation = config.activation
        eps = T(config.layerNormEps)
        hiddenDropout = config.hiddenDropoutProb
        attentionDropout = config.attentionProbsDropoutProb
        self.layers = layers
        self.access = access
        self.threads = threads
        let M = maxBatch * ml, h = H, ii = I, ll = layers.count, nh = NH
        func perLayer(_ n: Int) -> [UnsafeMutablePointer<T>] { (0..<ll).map { _ in arena.make(n) } }
        xs = (0...ll).map { _ in arena.make(M * h) }
        qkv = perLayer(M * 3 * h); probs = perLayer(maxBatch * nh * ml * ml); ctx = perLayer(M * h)
        res1 = perLayer(M * h); x1 = perLayer(M * h); mean1 = perLayer(M); rstd1 = perLayer(M)
        ffPre = perLayer(M * ii); ffAct = perLayer(M * ii); ffGelu = perLayer(M * ii)
        res2 = perLayer(M * h); mean2 = perLayer(M); rstd2 = perLayer(M)
        dRes = arena.make(M * h); dTmp = arena.make(M * h); dQKV = arena.make(M * 3 * h)
        dFFa = arena.make(M * ii); dFFb = arena.make(M * ii); dAtt = arena.make(nh * 2 * ml * ml)
    }

    /// Adds each layer's tensors to `table` (a name added twice — a shared layer — once);
    /// query, key and value stay adjacent (one `[3H × H]` matrix, one `[3H]` vector).
    static func addTensors(_ layers: [BertNames.Layer], to t: inout ParameterTable, hidden h: Int, intermediate ii: Int) {
        for ly in layers {
            for name in [ly.query, ly.key, ly.value] { t.add(name, [h, h]) }
            for name in [ly.queryBias, ly.keyBias, ly.valueBias] { t.add(name, [h]) }
            t.add(ly.attentionOutWeight, [h, h])
            t.add(ly.attentionOutBias, [h])
            t.add(ly.attentionNormWeight, [h])
            t.add(ly.attentionNormBias, [h])
            t.add(ly.ffnInWeight, [ii, h])
            t.add(ly.ffnInBias, [ii])
            t.add(ly.ffnOutWeight, [h, ii])
            t.add(ly.ffnOutBias, [h])
            t.add(ly.ffnNormWeight, [h])
            t.add(ly.ffnNormBias, [h])
        }
    }

    private func attentionDropout(_ l: Int, _ sites: DropoutSites?) -> Attention.DropoutKey? {
        guard let s = sites, attentionDropout > 0 else { return nil }
        return Attention.DropoutKey(p: attentionDropout, seed: s.seed, key: s.key, site: s.siteBase + (UInt64(l + 1) << 32))
    }

    /// `xs[0]` → `xs[L]` for `batch × length` rows; `mask[b·T + t] == 0` marks padding.
    func forward(mask: UnsafePointer<Int32>, batch B: Int, length Tn: Int, dropout sites: DropoutSites?) {
        let M = B * Tn, a = access
        for l in 0..<L {
            let ly = layers[l], x = xs[l], r1 = res1[l], r2 = res2[l], y1 = x1[l]
            Linear.forward(out: qkv[l], inp: x, weight: a.w(ly.qkvWeight), bias: a.w(ly.qkvBias), rows: M, inputs: H, outputs: 3 * H)
            Attention.forward(out: ctx[l], probs: probs[l], qkv: qkv[l], mask: mask, batch: B, length: Tn, hidden: H, heads: NH, causal: false,
                              dropout: attentionDropout(l, sites), scratch: dAtt, threads: threads)
            Linear.forward(out: r1, inp: ctx[l], weight: a.w(ly.attentionOutWeight), bias: a.w(ly.attentionOutBias), rows: M, inputs: H, outputs: H)
            if let s = sites { Dropout.apply(r1, count: M * H, p: hiddenDropout, seed: s.seed, key: s.key, site: s.siteBase + UInt64(1 + 2 * l), threads: threads) }
            threads.forRanges(M * H) { r in for i in r { r1[i] += x[i] } }
            LayerNorm.forward(out: y1, mean: mean1[l], rstd: rstd1[l], inp: r1, weight: a.w(ly.attentionNormWeight),
                              bias: a.w(ly.attentionNormBias), rows: M, channels: H, eps: eps, threads: threads)
            Linear.forward(out: ffPre[l], inp: y1, weight: a.w(ly.ffnInWeight), bias: a.w(ly.ffnInBias), rows: M, inputs: H, outputs: I)
            GELU.forward(out: ffAct[l], inp: ffPre[l], count: M * I, variant: activation, cache: ffGelu[l], threads: threads)
            Linear.forward(out: r2, inp: ffAct[l], weight: a.w(ly.ffnOutWeight), bias: a.w(ly.ffnOutBias), rows: M, inputs: I, outputs: H)
            if let s = sites { Dropout.apply(r2, count: M * H, p: hiddenDropout, seed: s.seed, key: s.key, site: s.siteBase + UInt64(2 + 2 * l), threads: threads) }
            threads.forRanges(M * H) { r in for i in r { r2[i] += y1[i] } }
            LayerNorm.forward(out: xs[l + 1], mean: mean2[l], rstd: rstd2[l], inp: r2, weight: a.w(ly.ffnNormWeight),
                              bias: a.w(ly.ffnNormBias), rows: M, channels: H, eps: eps, threads: threads)
        }
    }

    /// Through `y = LayerNorm(dropout(sub) + x)`: `dX` holds d(y) on entry and d(x) on return
    /// (the residual path), `dRes` d(sub) (d(x) through the same dropout mask, site `site`).
    private func residualNormBackward(dX: UnsafeMutablePointer<T>, normWeight: String, normBias: String, inp: UnsafePointer<T>,
                                      mean: UnsafePointer<T>, rstd: UnsafePointer<T>, rows M: Int, site: Int, sites: DropoutSites?) {
        dRes.update(repeating: 0, count: M * H)
        LayerNorm.backward(dinp: dRes, dweight: access.g(normWeight), dbias: access.g(normBias), dout: dX, inp: inp,
                           weight: access.w(normWeight), mean: mean, rstd: rstd, rows: M, channels: H, threads: threads)
        dX.update(from: dRes, count: M * H)
        if let s = sites { Dropout.apply(dRes, count: M * H, p: hiddenDropout, seed: s.seed, key: s.key, site: s.siteBase + UInt64(site), threads: threads) }
    }

    /// Backward pass of the last `forward` (same shape and sites): `dX` holds d(xs[L]) on entry
    /// and d(xs[0]) on return; the layers' gradients are added to the gradient arena.
    func backward(dX: UnsafeMutablePointer<T>, batch B: Int, length Tn: Int, dropout sites: DropoutSites?) {
        let M = B * Tn, a = access
        for l in stride(from: L - 1, through: 0, by: -1) {
            let ly = layers[l]
            // dX holds d(xs[l+1]); res2 = dropout(ffOut) + x1.
            residualNormBackward(dX: dX, normWeight: ly.ffnNormWeight, normBias: ly.ffnNormBias, inp: res2[l], mean: mean2[l], rstd: rstd2[l],
                                 rows: M, site: 2 + 2 * l, sites: sites)
            Linear.backward(dinp: dFFa, dweight: a.g(ly.ffnOutWeight), dbias: a.g(ly.ffnOutBias), dout: dRes, inp: ffAct[l],
                            weight: a.w(ly.ffnOutWeight), rows: M, inputs: I, outputs: H)
            GELU.backward(dinp: dFFb, dout: dFFa, inp: ffPre[l], count: M * I, variant: activation, cache: ffGelu[l], threads: threads)
            Linear.backward(dinp: dX, dweight: a.g(ly.ffnInWeight), dbias: a.g(ly.ffnInBias), dout: dFFb, inp: x1[l],
                            weight: a.w(ly.ffnInWeight), rows: M, inputs: H, outputs: I, accumulate: true)
            // dX holds d(x1); res1 = dropout(attentionOut) + xs[l].
            residualNormBackward(dX: dX, normWeight: ly.attentionNormWeight, normBias: ly.attentionNormBias, inp: res1[l], mean: mean1[l],
                                 rstd: rstd1[l], rows: M, site: 1 + 2 * l, sites: sites)
            Linear.backward(dinp: dTmp, dweight: a.g(ly.attentionOutWeight), dbias: a.g(ly.attentionOutBias), dout: dRes, inp: ctx[l],
                            weight: a.w(ly.attentionOutWeight), rows: M, inputs: H, outputs: H)
            Attention.backward(dqkv: dQKV, scratch: dAtt, dout: dTmp, qkv: qkv[l], probs: probs[l], batch: B, length: Tn, hidden: H, heads: NH,
                               dropout: attentionDropout(l, sites), threads: threads)
            Linear.backward(dinp: dX, dweight: a.g(ly.qkvWeight), dbias: a.g(ly.qkvBias), dout: dQKV, inp: xs[l],
                            weight: a.w(ly.qkvWeight), rows: M, inputs: H, outputs: 3 * H, accumulate: true)
            // dX holds d(xs[l]).
        }
    }
}
