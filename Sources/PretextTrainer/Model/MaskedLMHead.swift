/// The masked-LM head of the BERT family, computed only at the labelled positions: gather the
/// P labelled rows of the encoder output `[M × H]` → dense (H → E) → GELU → LayerNorm → logits
/// `[P × V]` against the word embeddings `[V × E]` (tied) plus the head's own bias → mean
/// softmax cross-entropy over the P positions. BERT's `cls.predictions`, ALBERT's
/// `predictions`, ELECTRA's `generator_predictions` + `generator_lm_head`.
final class MaskedLMHead<T: TrainerFloat> {
    typealias Names = MaskedLMTensorNames

    let names: Names
    let H: Int, E: Int, V: Int
    let activation: GELU.Variant
    let eps: T
    let access: ParameterAccess<T>
    let threads: KernelThreads
    // P rows each (P ≤ maxPredictions).
    let gathered: UnsafeMutablePointer<T>, pre: UnsafeMutablePointer<T>, act: UnsafeMutablePointer<T>, gelu: UnsafeMutablePointer<T>
    let out: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>
    /// `[P × V]` logits and their softmax (kept for the backward pass and for sampling).
    let logits: UnsafeMutablePointer<T>, probs: UnsafeMutablePointer<T>
    let rowScratch: UnsafeMutablePointer<T>, dLogits: UnsafeMutablePointer<T>, dA: UnsafeMutablePointer<T>, dB: UnsafeMutablePointer<T>

    /// `activation`: the transform's GELU (nil = the config's `hidden_act`; HF's ELECTRA
    /// generator always uses exact "gelu" there).
    init(names: Names, config: ModelConfig, hidden: Int, embeddingWidth: Int, access: ParameterAccess<T>, maxPredictions P: Int,
         arena: BufferArena<T>, threads: KernelThreads, activation: GELU.Variant? = nil) {
        self.names = names
        H = hidden; E = embeddingWidth; V = config.vocabSize
        self.activation = activation ?? config.activation
        eps = T(config.layerNormEps)
        self.access = access
        self.threads = threads
        let hw = max(H, E)
        gathered = arena.make(P * H); pre = arena.make(P * E); act = arena.make(P * E); gelu = arena.make(P * E)
        out = arena.make(P * E); mean = arena.make(P); rstd = arena.make(P)
        logits = arena.make(P * V); probs = arena.make(P * V)
        rowScratch = arena.make(P); dLogits = arena.make(P * V); dA = arena.make(P * hw); dB = arena.make(P * hw)
    }

    /// Adds the head's own tensors (the decoder weight is the word embeddings', added with them).
    static func addTensors(_ n: Names, to t: inout ParameterTable, config: ModelConfig, hidden h: Int, embeddingWidth e: Int) {
        t.add(n.transformWeight, [e, h])
        t.add(n.transformBias, [e])
        t.add(n.normWeight, [e])
        t.add(n.normBias, [e])
        t.add(n.decoderBias, [config.vocabSize])
    }

    /// Logits and loss at rows `rows[0..<P]` of `top` (`[M × H]`) against `targets`: returns
    /// the mean cross-entropy and how many arg-max predictions equal their target.
    func forward(top: UnsafePointer<T>, rows: UnsafePointer<Int>, targets: UnsafePointer<Int32>, count P: Int) -> (loss: Double, correct: Int) {
        guard P > 0 else { return (0, 0) }
        let a = access
        for k in 0..<P { (gathered + k * H).update(from: top + rows[k] * H, count: H) }
        Linear.forward(out: pre, inp: gathered, weight: a.w(names.transformWeight), bias: a.w(names.transformBias), rows: P, inputs: H, outputs: E)
        GELU.forward(out: act, inp: pre, count: P * E, variant: activation, cache: gelu, threads: threads)
        LayerNorm.forward(out: out, mean: mean, rstd: rstd, inp: act, weight: a.w(names.normWeight), bias: a.w(names.normBias),
                          rows: P, channels: E, eps: eps, threads: threads)
        Linear.forward(out: logits, inp: out, weight: a.w(names.decoderWeight), bias: a.w(names.decoderBias), rows: P, inputs: E, outputs: V)
        let loss = CrossEntropy.forward(probs: probs, logits: logits, targets: targets, rows: P, classes: V, threads: threads, rowLosses: rowScratch)
        let correct = CrossEntropy.correctPredictions(logits: logits, targets: targets, rows: P, classes: V, threads: threads, rowScratch: rowScratch)
        return (Double(loss), correct)
    }

    /// Adds the gradients of `scale · loss` of the last `forward` to the head's tensors and to
    /// `dTop` (`[M × H]`) at the gathered rows.
    func backward(dTop: UnsafeMutablePointer<T>, rows: UnsafePointer<Int>, targets: UnsafePointer<Int32>, count P: Int, scale: T) {
        guard P > 0 else { return }
        let a = access
        CrossEntropy.backward(dlogits: dLogits, probs: probs, targets: targets, rows: P, classes: V, weight: scale, threads: threads)
        Linear.backward(dinp: dA, dweight: a.g(names.decoderWeight), dbias: a.g(names.decoderBias), dout: dLogits, inp: out,
                        weight: a.w(names.decoderWeight), rows: P, inputs: E, outputs: V)
        dB.update(repeating: 0, count: P * E)
        LayerNorm.backward(dinp: dB, dweight: a.g(names.normWeight), dbias: a.g(names.normBias), dout: dA, inp: act,
                           weight: a.w(names.normWeight), mean: mean, rstd: rstd, rows: P, channels: E, threads: threads)
        GELU.backward(dinp: dA, dout: dB, inp: pre, count: P * E, variant: activation, cache: gelu, threads: threads)
        Linear.backward(dinp: dB, dweight: a.g(names.transformWeight), dbias: a.g(names.transformBias), dout: dA, inp: gathered,
                        weight: a.w(names.transformWeight), rows: P, inputs: H, outputs: E)
        for k in 0..<P {
            let dst = dTop + rows[k] * H, src = dB + k * H
            for j in 0..<H { dst[j] += src[j] }
        }
    }
}

/// The tensors of a `MaskedLMHead`.
struct MaskedLMTensorNames {
    var transformWeight, transformBias, normWeight, normBias: String
    /// The tied decoder (the word embeddings) and the head's bias `[V]`.
    var decoderWeight, decoderBias: String
}
