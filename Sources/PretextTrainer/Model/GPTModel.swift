#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// GPT-2 for causal language modelling (Hugging Face's `GPT2LMHeadModel`, pre-LN): token +
/// position embeddings → dropout; per layer `h += dropout(attn(ln_1(h)))` with causal fused-QKV
/// self-attention and `h += dropout(mlp(ln_2(h)))` with GELU (`gelu_new` by default); then
/// `ln_f` and the LM head tied to the token embeddings. Weights keep GPT-2's "Conv1D" layout
/// (`[in, out]`, `Linear`'s `.inputMajor`) and names, so checkpoints load in `transformers`. Loss = mean cross-entropy
/// over the labelled positions (the loader gives `tokens[1...]` as labels of `tokens[..<n−1]`).
///
/// Same discipline as `BertModel`: one arena for parameters and one for gradients, activation
/// buffers sized once for `maxBatch × maxLength`, forward/backward in pairs.
public final class GPTModel<T: TrainerFloat>: PretrainingModel {
    public let config: ModelConfig
    public let table: ParameterTable
    public let parameters: UnsafeMutableBufferPointer<T>
    public let gradients: UnsafeMutableBufferPointer<T>
    public let maxBatch: Int
    public let maxLength: Int
    public var dropoutSeed: UInt64 = 0
    public internal(set) var last = ModelStep()

    let H: Int, I: Int, V: Int, L: Int, NH: Int
    private let arena = BufferArena<T>()
    /// Workers for the loops between matrix products: `kernelThreads`, by default a pool of as
    /// many workers as OpenBLAS has threads. Results do not depend on the count.
    let threads: KernelThreads
    public var kernelThreads: KernelThreads { threads }
    // Residual stream: hs[l] enters layer l (L + 1 buffers); mid[l] after its attention half.
    let hs: [UnsafeMutablePointer<T>], mid: [UnsafeMutablePointer<T>]
    let a: [UnsafeMutablePointer<T>], aMean: [UnsafeMutablePointer<T>], aRstd: [UnsafeMutablePointer<T>]
    let qkv: [UnsafeMutablePointer<T>], probs: [UnsafeMutablePointer<T>], ctx: [UnsafeMutablePointer<T>]
    let m: [UnsafeMutablePointer<T>], mMean: [UnsafeMutablePointer<T>], mRstd: [UnsafeMutablePointer<T>]
    let fcPre: [UnsafeMutablePointer<T>], fcAct: [UnsafeMutablePointer<T>], branch: UnsafeMutablePointer<T>
    /// GELU's cached tanh/CDF term per layer [M×I].
    let fcGelu: [UnsafeMutablePointer<T>]
    let final: UnsafeMutablePointer<T>, fMean: UnsafeMutablePointer<T>, fRstd: UnsafeMutablePointer<T>
    let gathered: UnsafeMutablePointer<T>, logits: UnsafeMutablePointer<T>, probsLM: UnsafeMutablePointer<T>
    let dH: UnsafeMutablePointer<T>, dTmp: UnsafeMutablePointer<T>, dTmp2: UnsafeMutablePointer<T>, dQKV: UnsafeMutablePointer<T>
    /// `dAtt`: attention scratch, 2·T·T per head; `rowScratch`: one value per position.
    let dFFa: UnsafeMutablePointer<T>, dFFb: UnsafeMutablePointer<T>, dAtt: UnsafeMutablePointer<T>, dLogits: UnsafeMutablePointer<T>
    let rowScratch: UnsafeMutablePointer<T>
    let rows: UnsafeMutablePointer<Int>, targets: UnsafeMutablePointer<Int32>, positions: UnsafeMutablePointer<Int32>
    /// Per-layer tensor names, built once (a step builds no strings).
    struct LayerNames {
        let ln1Weight, ln1Bias, attnWeight, attnBias, projWeight, projBias, ln2Weight, ln2Bias, fcWeight, fcBias, mlpProjWeight, mlpProjBias: String
        init(_ l: Int) {
            let p = "transformer.h.\(l)."
            ln1Weight = p + "ln_1.weight"; ln1Bias = p + "ln_1.bias"; attnWeight = p + "attn.c_attn.weight"; attnBias = p + "attn.c_attn.bias"
            projWeight = p + "attn.c_proj.weight"; projBias = p + "attn.c_proj.bias"; ln2Weight = p + "ln_2.weight"; ln2Bias = p + "ln_2.bias"
            fcWeight = p + "mlp.c_fc.weight"; fcBias = p + "mlp.c_fc.bias"; mlpProjWeight = p + "mlp.c_proj.weight"; mlpProjBias = p + "mlp.c_proj.bias"
        }
    }
    let layerNames: [LayerNames]

    public init(config: ModelConfig, maxBatch: Int, maxLength: Int, kernelThreads: KernelThreads? = nil) throws {
        try config.validate()
        guard config.modelType == "gpt2" else { throw ModelShapeError(message: "GPTModel needs model_type gpt2, not \(config.modelType)") }
        let blasThreads = Int(try OpenBLAS.shared().getThreads())
        threads = kernelThreads ?? KernelThreads(count: blasThreads)
        guard maxLength <= config.maxPositionEmbeddings else {
            throw ModelShapeError(message: "sequence length \(maxLength) exceeds n_positions \(config.maxPositionEmbeddings)")
        }
        self.config = config
        self.maxBatch = maxBatch
        self.maxLength = maxLength
        let h = config.hiddenSize, ii = config.intermediateSize, v = config.vocabSize, ll = config.numHiddenLayers
        H = h; I = ii; V = v; L = ll; NH = config.numAttentionHeads
        layerNames = (0..<ll).map(LayerNames.init)
        var t = ParameterTable()
        t.add("transformer.wte.weight", [v, h])
        t.add("transformer.wpe.weight", [config.maxPositionEmbeddings, h])
        for l in 0..<ll {
            let p = "transformer.h.\(l)."
            t.add(p + "ln_1.weight", [h], decays: false); t.add(p + "ln_1.bias", [h])
            t.add(p + "attn.c_attn.weight", [h, 3 * h]); t.add(p + "attn.c_attn.bias", [3 * h])
            t.add(p + "attn.c_proj.weight", [h, h]); t.add(p + "attn.c_proj.bias", [h])
            t.add(p + "ln_2.weight", [h], decays: false); t.add(p + "ln_2.bias", [h])
            t.add(p + "mlp.c_fc.weight", [h, ii]); t.add(p + "mlp.c_fc.bias", [ii])
            t.add(p + "mlp.c_proj.weight", [ii, h]); t.add(p + "mlp.c_proj.bias", [h])
        }
        t.add("transformer.ln_f.weight", [h], decays: false); t.add("transformer.ln_f.bias", [h])
        table = t
        let arena = self.arena
        func buffer(_ n: Int) -> UnsafeMutablePointer<T> { arena.make(n) }
        parameters = .allocate(capacity: t.count); parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: t.count); gradients.initialize(repeating: 0)
        let M = maxBatch * maxLength, nh = config.numAttentionHeads
        hs = (0...ll).map { _ in buffer(M * h) }
        mid = (0..<ll).map { _ in buffer(M * h) }
        a = (0..<ll).map { _ in buffer(M * h) }; aMean = (0..<ll).map { _ in buffer(M) }; aRstd = (0..<ll).map { _ in buffer(M) }
        qkv = (0..<ll).map { _ in buffer(M * 3 * h) }
        probs = (0..<ll).map { _ in buffer(maxBatch * nh * maxLength * maxLength) }
        ctx = (0..<ll).map { _ in buffer(M * h) }
        m = (0..<ll).map { _ in buffer(M * h) }; mMean = (0..<ll).map { _ in buffer(M) }; mRstd = (0..<ll).map { _ in buffer(M) }
        fcPre = (0..<ll).map { _ in buffer(M * ii) }; fcAct = (0..<ll).map { _ in buffer(M * ii) }
        fcGelu = (0..<ll).map { _ in buffer(M * ii) }
        branch = buffer(M * h)
        final = buffer(M * h); fMean = buffer(M); fRstd = buffer(M)
        gathered = buffer(M * h); logits = buffer(M * v); probsLM = buffer(M * v)
        dH = buffer(M * h); dTmp = buffer(M * h); dTmp2 = buffer(M * h); dQKV = buffer(M * 3 * h)
        dFFa = buffer(M * ii); dFFb = buffer(M * ii); dAtt = buffer(config.numAttentionHeads * 2 * maxLength * maxLength); dLogits = buffer(M * v)
        rowScratch = buffer(M)
        rows = .allocate(capacity: M); targets = .allocate(capacity: M)
        positions = .allocate(capacity: maxLength)
        for i in 0..<maxLength { positions[i] = Int32(i) }
    }

    deinit {
        parameters.deallocate(); gradients.deallocate()
        rows.deallocate(); targets.deallocate(); positions.deallocate()
    }

    public func parameter(_ name: String) -> UnsafeMutablePointer<T> { parameters.baseAddress! + table.offset(name) }
    public func gradient(_ name: String) -> UnsafeMutablePointer<T> { gradients.baseAddress! + table.offset(name) }
    public func zeroGradients() { gradients.update(repeating: 0) }

    /// GPT-2's initialization: N(0, initializer_range) for weights and embeddings, the residual
    /// projections (`c_proj`) scaled by 1/√(2·n_layer), zeros for biases, ones for LayerNorm
    /// weights; values from `KeyedRandom(seed, modelInit, tensor index)` (Box–Muller).
    public func initialize(seed: UInt64) {
        for (k, e) in table.entries.enumerated() {
            let p = parameters.baseAddress! + e.offset
            if e.name.contains("ln_") && e.name.hasSuffix(".weight") {
                for i in 0..<e.count { p[i] = 1 }
            } else if e.shape.count == 1 {
                for i in 0..<e.count { p[i] = 0 }
            } else {
                let std = config.initializerRange * (e.name.hasSuffix("c_proj.weight") ? 1 / (2 * Double(L)).squareRoot() : 1)
                fillNormal(p, count: e.count, std: std, seed: seed, index: UInt64(k))
            }
        }
    }

    @_specialize(exported: true, where T == Float)
    @discardableResult
    public func forward(_ inputs: ModelInputs, dropoutKey: UInt64? = nil) throws -> ModelStep {
        let B = inputs.batch, Tn = inputs.length, M = B * Tn
        try inputs.checkShape(maxBatch: maxBatch, maxLength: maxLength, pairs: false)
        var step = ModelStep()
        step.batch = B; step.length = Tn; step.dropoutKey = dropoutKey
        let P = try inputs.gatherLabels(rows: rows, targets: targets, limit: M, vocabulary: V)
        step.predictions = P
        let pDrop = dropoutKey == nil ? 0 : config.hiddenDropoutProb
        let eps = T(config.layerNormEps)
        func w(_ n: String) -> UnsafeMutablePointer<T> { parameter(n) }
        try inputs.inputIDs.withUnsafeBufferPointer { ids in
            try inputs.attentionMask.withUnsafeBufferPointer { mask in
                for id in ids where id < 0 || Int(id) >= V { throw ModelShapeError(message: "token id \(id) outside the vocabulary of \(V)") }
                Embedding.forward(out: hs[0], table: w("transformer.wte.weight"), ids: ids.baseAddress!, rows: M, channels: H, vocabulary: V, accumulate: false)
                for b in 0..<B {
                    Embedding.forward(out: hs[0] + b * Tn * H, table: w("transformer.wpe.weight"), ids: positions, rows: Tn, channels: H,
                                      vocabulary: config.maxPositionEmbeddings, accumulate: true)
                }
                if let key = dropoutKey { Dropout.apply(hs[0], count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: 0, threads: threads) }
                for l in 0..<L {
                    let n = layerNames[l]
                    LayerNorm.forward(out: a[l], mean: aMean[l], rstd: aRstd[l], inp: hs[l], weight: w(n.ln1Weight), bias: w(n.ln1Bias),
                                      rows: M, channels: H, eps: eps, threads: threads)
                    Linear.forward(out: qkv[l], inp: a[l], weight: w(n.attnWeight), bias: w(n.attnBias), rows: M, inputs: H, outputs: 3 * H, layout: .inputMajor)
                    Attention.forward(out: ctx[l], probs: probs[l], qkv: qkv[l], mask: mask.baseAddress!, batch: B, length: Tn, hidden: H, heads: NH, causal: true,
                                      dropout: .forLayer(l, key: dropoutKey, config: config, seed: dropoutSeed), scratch: dAtt, threads: threads)
                    Linear.forward(out: branch, inp: ctx[l], weight: w(n.projWeight), bias: w(n.projBias), rows: M, inputs: H, outputs: H, layout: .inputMajor)
                    if let key = dropoutKey { Dropout.apply(branch, count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(1 + 2 * l), threads: threads) }
                    for i in 0..<(M * H) { mid[l][i] = hs[l][i] + branch[i] }
                    LayerNorm.forward(out: m[l], mean: mMean[l], rstd: mRstd[l], inp: mid[l], weight: w(n.ln2Weight), bias: w(n.ln2Bias),
                                      rows: M, channels: H, eps: eps, threads: threads)
                    Linear.forward(out: fcPre[l], inp: m[l], weight: w(n.fcWeight), bias: w(n.fcBias), rows: M, inputs: H, outputs: I, layout: .inputMajor)
                    GELU.forward(out: fcAct[l], inp: fcPre[l], count: M * I, variant: config.activation, cache: fcGelu[l], threads: threads)
                    Linear.forward(out: branch, inp: fcAct[l], weight: w(n.mlpProjWeight), bias: w(n.mlpProjBias), rows: M, inputs: I, outputs: H, layout: .inputMajor)
                    if let key = dropoutKey { Dropout.apply(branch, count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(2 + 2 * l), threads: threads) }
                    for i in 0..<(M * H) { hs[l + 1][i] = mid[l][i] + branch[i] }
                }
            }
        }
        LayerNorm.forward(out: final, mean: fMean, rstd: fRstd, inp: hs[L], weight: w("transformer.ln_f.weight"), bias: w("transformer.ln_f.bias"),
                          rows: M, channels: H, eps: eps, threads: threads)
        if P > 0 {
            for k in 0..<P { (gathered + k * H).update(from: final + rows[k] * H, count: H) }
            Linear.forward(out: logits, inp: gathered, weight: w("transformer.wte.weight"), bias: nil, rows: P, inputs: H, outputs: V)
            step.mlmLoss = Double(CrossEntropy.forward(probs: probsLM, logits: logits, targets: targets, rows: P, classes: V,
                                                       threads: threads, rowLosses: rowScratch))
            step.mlmCorrect = CrossEntropy.correctPredictions(logits: logits, targets: targets, rows: P, classes: V,
                                                              threads: threads, rowScratch: rowScratch)
        }
        step.loss = step.mlmLoss
        last = step
        return step
    }

    @_specialize(exported: true, where T == Float)
    public func backward(_ inputs: ModelInputs, scale: Double = 1) {
        let s = last
        let B = s.batch, Tn = s.length, M = B * Tn, P = s.predictions
        let pDrop = s.dropoutKey == nil ? 0 : config.hiddenDropoutProb
        func w(_ n: String) -> UnsafeMutablePointer<T> { parameter(n) }
        func g(_ n: String) -> UnsafeMutablePointer<T> { gradient(n) }
        // d(final) rows from the LM head.
        dTmp.update(repeating: 0, count: M * H)
        if P > 0 {
            CrossEntropy.backward(dlogits: dLogits, probs: probsLM, targets: targets, rows: P, classes: V, weight: T(scale), threads: threads)
            Linear.backward(dinp: dTmp2, dweight: g("transformer.wte.weight"), dbias: nil, dout: dLogits, inp: gathered,
                            weight: w("transformer.wte.weight"), rows: P, inputs: H, outputs: V)
            for k in 0..<P {
                let dst = dTmp + rows[k] * H, src = dTmp2 + k * H
                for j in 0..<H { dst[j] += src[j] }
            }
        }
        dH.update(repeating: 0, count: M * H)
        LayerNorm.backward(dinp: dH, dweight: g("transformer.ln_f.weight"), dbias: g("transformer.ln_f.bias"), dout: dTmp, inp: hs[L],
                           weight: w("transformer.ln_f.weight"), mean: fMean, rstd: fRstd, rows: M, channels: H, threads: threads)
        for l in stride(from: L - 1, through: 0, by: -1) {
            let n = layerNames[l]
            // dH = d hs[l+1]; MLP half: hs[l+1] = mid + dropout(mlp(ln_2(mid))).
            dTmp.update(from: dH, count: M * H)
            if let key = s.dropoutKey { Dropout.apply(dTmp, count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(2 + 2 * l), threads: threads) }
            Linear.backward(dinp: dFFa, dweight: g(n.mlpProjWeight), dbias: g(n.mlpProjBias), dout: dTmp, inp: fcAct[l],
                            weight: w(n.mlpProjWeight), rows: M, inputs: I, outputs: H, layout: .inputMajor)
            GELU.backward(dinp: dFFb, dout: dFFa, inp: fcPre[l], count: M * I, variant: config.activation, cache: fcGelu[l], threads: threads)
            Linear.backward(dinp: dTmp2, dweight: g(n.fcWeight), dbias: g(n.fcBias), dout: dFFb, inp: m[l],
                            weight: w(n.fcWeight), rows: M, inputs: H, outputs: I, layout: .inputMajor)
            LayerNorm.backward(dinp: dH, dweight: g(n.ln2Weight), dbias: g(n.ln2Bias), dout: dTmp2, inp: mid[l],
                               weight: w(n.ln2Weight), mean: mMean[l], rstd: mRstd[l], rows: M, channels: H, threads: threads)
            // dH = d mid; attention half: mid = hs[l] + dropout(attn(ln_1(hs[l]))).
            dTmp.update(from: dH, count: M * H)
            if let key = s.dropoutKey { Dropout.apply(dTmp, count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(1 + 2 * l), threads: threads) }
            Linear.backward(dinp: dTmp2, dweight: g(n.projWeight), dbias: g(n.projBias), dout: dTmp, inp: ctx[l],
                            weight: w(n.projWeight), rows: M, inputs: H, outputs: H, layout: .inputMajor)
            Attention.backward(dqkv: dQKV, scratch: dAtt, dout: dTmp2, qkv: qkv[l], probs: probs[l], batch: B, length: Tn, hidden: H, heads: NH,
                               dropout: .forLayer(l, key: s.dropoutKey, config: config, seed: dropoutSeed), threads: threads)
            Linear.backward(dinp: dTmp, dweight: g(n.attnWeight), dbias: g(n.attnBias), dout: dQKV, inp: a[l],
                            weight: w(n.attnWeight), rows: M, inputs: H, outputs: 3 * H, layout: .inputMajor)
            LayerNorm.backward(dinp: dH, dweight: g(n.ln1Weight), dbias: g(n.ln1Bias), dout: dTmp, inp: hs[l],
                               weight: w(n.ln1Weight), mean: aMean[l], rstd: aRstd[l], rows: M, channels: H, threads: threads)
            // dH = d hs[l].
        }
        if let key = s.dropoutKey { Dropout.apply(dH, count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: 0, threads: threads) }
        inputs.inputIDs.withUnsafeBufferPointer { ids in
            Embedding.backward(dtable: g("transformer.wte.weight"), dout: dH, ids: ids.baseAddress!, rows: M, channels: H)
        }
        for b in 0..<B {
            Embedding.backward(dtable: g("transformer.wpe.weight"), dout: dH + b * Tn * H, ids: positions, rows: Tn, channels: H)
        }
    }
}
