#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// ELECTRA (Clark et al., 2020): a small generator fills the masked positions by sampling
/// from its masked-LM distribution, and a discriminator learns, at every position, whether
/// the token is the original or a replacement. Hugging Face's `ElectraForMaskedLM`
/// (generator) and `ElectraForPreTraining` (discriminator), with the embeddings shared as in
/// google-research/electra (`ElectraNames`).
///
/// One step on a batch `[B × T]` of masked inputs (labels = the original ids at the P
/// labelled positions, −100 elsewhere):
/// 1. generator: embeddings (E) → projection to its width Hg when E ≠ Hg → encoder → the
///    masked-LM head at the labelled positions (dense → exact GELU → LayerNorm → logits tied
///    to the word embeddings + bias); `mlmLoss` = mean cross-entropy over the P positions;
/// 2. samples: at each labelled position a token drawn from the generator's softmax
///    (temperature 1) by inverse CDF with one uniform of `KeyedRandom(seed,
///    replacedTokenSampling, sampleKey, b·T + t)`; no gradient flows through the sampling;
/// 3. discriminator input: the original ids with the samples at the labelled positions; label
///    1 where the sample differs from the original (a sample equal to the original is
///    "original", as in the paper);
/// 4. discriminator: embeddings (the same tables) → projection to H when E ≠ H → encoder →
///    dense → `hidden_act` → dense to one logit per position; `rtd.loss` = mean binary
///    cross-entropy over the positions with attention mask 1;
/// 5. loss = mlmLoss + λ · rtd.loss (λ = `disc_weight`, default 50).
///
/// Dropout: the generator's sites from `generatorSites` (2^56) up, the discriminator's from 0;
/// the same seed. Parameters, gradients and activations as in `BertModel`: one arena each,
/// buffers sized once, a step allocates nothing.
public final class ElectraModel<T: TrainerFloat>: PretrainingModel {
    public let config: ModelConfig
    /// The generator's HF config (`config.generatorConfig`).
    public let generatorConfig: ModelConfig
    public let table: ParameterTable
    public let parameters: UnsafeMutableBufferPointer<T>
    public let gradients: UnsafeMutableBufferPointer<T>
    public let maxBatch: Int
    public let maxLength: Int
    public let maxPredictions: Int
    public var dropoutSeed: UInt64 = 0
    /// λ: the weight of the replaced-token-detection loss.
    public let discWeight: Double
    /// Test hook: the tokens to put at the labelled positions (row-major order) instead of
    /// sampling — what the PyTorch reference does to compare the two deterministically.
    public var fixedSamples: [Int32]?

    let names: ElectraNames
    let H: Int, Hg: Int, V: Int
    let threads: KernelThreads
    public var kernelThreads: KernelThreads { threads }
    private let arena = BufferArena<T>()
    let generatorEmbeddings: EmbeddingStack<T>, discriminatorEmbeddings: EmbeddingStack<T>
    let generator: TransformerEncoder<T>, discriminator: TransformerEncoder<T>
    let generatorHead: MaskedLMHead<T>
    // Discriminator head, M rows: dense output, its activation (and GELU cache), logits.
    let headPre: UnsafeMutablePointer<T>, headAct: UnsafeMutablePointer<T>, headGelu: UnsafeMutablePointer<T>
    let rtdLogits: UnsafeMutablePointer<T>, dRTDLogits: UnsafeMutablePointer<T>
    /// Gradients of the encoders' outputs `[M × Hg]`, `[M × H]`; head scratch `[M × H]`.
    let dGenerator: UnsafeMutablePointer<T>, dDiscriminator: UnsafeMutablePointer<T>, dHead: UnsafeMutablePointer<T>, dHeadPre: UnsafeMutablePointer<T>
    let maskedRows: UnsafeMutablePointer<Int>, maskedTargets: UnsafeMutablePointer<Int32>
    /// The sampled token of each labelled position `[P]`; the discriminator's ids and labels `[M]`.
    let samples: UnsafeMutablePointer<Int32>, discriminatorIDs: UnsafeMutablePointer<Int32>, rtdLabels: UnsafeMutablePointer<Int32>
    public private(set) var last = ModelStep()

    /// First dropout site of the generator (the discriminator's start at 0).
    static var generatorSites: UInt64 { 1 << 56 }

    public init(config: ModelConfig, maxBatch: Int, maxLength: Int, maxPredictions: Int, kernelThreads: KernelThreads? = nil) throws {
        try config.validate()
        let generatorConfig = config.generatorConfig
        try generatorConfig.validate()
        guard maxLength <= config.maxPositionEmbeddings else {
            throw ModelShapeError(message: "sequence length \(maxLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        let blasThreads = Int(try OpenBLAS.shared().getThreads())
        threads = kernelThreads ?? KernelThreads(count: blasThreads)
        self.config = config
        self.generatorConfig = generatorConfig
        self.maxBatch = maxBatch
        self.maxLength = maxLength
        self.maxPredictions = max(1, maxPredictions)
        discWeight = config.discWeight ?? ModelConfig.electraDiscWeight
        H = config.hiddenSize; Hg = generatorConfig.hiddenSize; V = config.vocabSize
        let E = config.embeddingWidth, n = ElectraNames(config: config)
        names = n
        var t = ParameterTable()
        EmbeddingStack<T>.addTensors(n.discriminatorEmbeddings, to: &t, config: config, embeddingWidth: E, hidden: H)
        TransformerEncoder<T>.addTensors(n.discriminatorLayers, to: &t, hidden: H, intermediate: config.intermediateSize)
        t.add(n.headDense, [H, H]); t.add(n.headDenseBias, [H])
        t.add(n.headPrediction, [1, H]); t.add(n.headPredictionBias, [1])
        EmbeddingStack<T>.addTensors(n.generatorEmbeddings, to: &t, config: config, embeddingWidth: E, hidden: Hg)
        TransformerEncoder<T>.addTensors(n.generatorLayers, to: &t, hidden: Hg, intermediate: generatorConfig.intermediateSize)
        MaskedLMHead<T>.addTensors(n.generatorHead, to: &t, config: config, hidden: Hg, embeddingWidth: E)
        table = t

        parameters = .allocate(capacity: t.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: t.count)
        gradients.initialize(repeating: 0)
        let access = ParameterAccess(table: t, parameters: parameters.baseAddress!, gradients: gradients.baseAddress!)
        let M = maxBatch * maxLength, P = self.maxPredictions, arena = self.arena
        discriminator = TransformerEncoder(config: config, layers: n.discriminatorLayers, access: access, maxBatch: maxBatch, maxLength: maxLength,
                                           arena: arena, threads: threads)
        generator = TransformerEncoder(config: generatorConfig, layers: n.generatorLayers, access: access, maxBatch: maxBatch, maxLength: maxLength,
                                       arena: arena, threads: threads)
        discriminatorEmbeddings = EmbeddingStack(names: n.discriminatorEmbeddings, config: config, embeddingWidth: E, hidden: H, access: access,
                                                 maxBatch: maxBatch, maxLength: maxLength, output: discriminator.xs[0], arena: arena, threads: threads)
        generatorEmbeddings = EmbeddingStack(names: n.generatorEmbeddings, config: config, embeddingWidth: E, hidden: Hg, access: access,
                                             maxBatch: maxBatch, maxLength: maxLength, output: generator.xs[0], arena: arena, threads: threads)
        generatorHead = MaskedLMHead(names: n.generatorHead, config: config, hidden: Hg, embeddingWidth: E, access: access, maxPredictions: P,
                                     arena: arena, threads: threads, activation: .exact)
        headPre = arena.make(M * H); headAct = arena.make(M * H); headGelu = arena.make(M * H)
        rtdLogits = arena.make(M); dRTDLogits = arena.make(M)
        dGenerator = arena.make(M * Hg); dDiscriminator = arena.make(M * H); dHead = arena.make(M * H); dHeadPre = arena.make(M * H)
        maskedRows = arena.makeRows(P); maskedTargets = arena.makeIndices(P); samples = arena.makeIndices(P)
        discriminatorIDs = arena.makeIndices(M); rtdLabels = arena.makeIndices(M)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
    }

    /// BERT's initialization (`ParameterTable.initializeBertFamily`) over both networks.
    public func initialize(seed: UInt64) {
        table.initializeBertFamily(parameters.baseAddress!, range: config.initializerRange, seed: seed,
                                   wordEmbeddings: names.embeddings.word, padTokenId: config.padTokenId)
    }

    public func zeroGradients() { gradients.update(repeating: 0) }

    /// The generator's logits `[P × V]` of the last forward pass (the discriminator's `[M]` are
    /// `rtdLogits`).
    var mlmLogits: UnsafeMutablePointer<T> { generatorHead.logits }

    private func sites(_ key: UInt64?, generator: Bool) -> DropoutSites? {
        key.map { DropoutSites(key: $0, seed: dropoutSeed, siteBase: generator ? Self.generatorSites : 0) }
    }

    /// Forward pass of both networks and the loss; `dropoutKey` (the micro-batch counter)
    /// switches dropout on, nil = evaluation. The samples are keyed by `inputs.sampleKey`.
    @_specialize(exported: true, where T == Float)
    @discardableResult
    public func forward(_ inputs: ModelInputs, dropoutKey: UInt64? = nil) throws -> ModelStep {
        let B = inputs.batch, Tn = inputs.length, M = B * Tn
        try inputs.checkShape(maxBatch: maxBatch, maxLength: maxLength, pairs: false)
        guard inputs.tokenTypeIDs.count == M else { throw ModelShapeError(message: "token types do not match \(B) × \(Tn)") }
        try inputs.checkIDs(vocabulary: V, types: config.typeVocabSize)
        var step = ModelStep()
        step.batch = B; step.length = Tn; step.dropoutKey = dropoutKey
        let P = try inputs.gatherLabels(rows: maskedRows, targets: maskedTargets, limit: maxPredictions, vocabulary: V)
        step.predictions = P
        if let fixed = fixedSamples, fixed.count != P { throw ModelShapeError(message: "\(fixed.count) fixed samples for \(P) labelled positions") }

        // 1. Generator on the masked input.
        let generatorSites = sites(dropoutKey, generator: true)
        inputs.inputIDs.withUnsafeBufferPointer { ids in
            inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
                generatorEmbeddings.forward(ids: ids.baseAddress!, types: types.baseAddress!, batch: B, length: Tn, dropout: generatorSites)
            }
        }
        inputs.attentionMask.withUnsafeBufferPointer { mask in generator.forward(mask: mask.baseAddress!, batch: B, length: Tn, dropout: generatorSites) }
        (step.mlmLoss, step.mlmCorrect) = generatorHead.forward(top: generator.xs[generator.L], rows: maskedRows, targets: maskedTargets, count: P)

        // 2–3. Samples, the corrupted input and its labels.
        for r in 0..<M { discriminatorIDs[r] = inputs.inputIDs[r]; rtdLabels[r] = 0 }
        for k in 0..<P {
            let row = maskedRows[k]
            samples[k] = fixedSamples?[k] ?? sample(probabilities: generatorHead.probs + k * V, key: inputs.sampleKey, row: row)
            discriminatorIDs[row] = samples[k]
            rtdLabels[row] = samples[k] == maskedTargets[k] ? 0 : 1
        }

        // 4. Discriminator on the corrupted input.
        let discriminatorSites = sites(dropoutKey, generator: false)
        inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
            discriminatorEmbeddings.forward(ids: discriminatorIDs, types: types.baseAddress!, batch: B, length: Tn, dropout: discriminatorSites)
        }
        inputs.attentionMask.withUnsafeBufferPointer { mask in discriminator.forward(mask: mask.baseAddress!, batch: B, length: Tn, dropout: discriminatorSites) }
        let a = ParameterAccess(table: table, parameters: parameters.baseAddress!, gradients: gradients.baseAddress!)
        Linear.forward(out: headPre, inp: discriminator.xs[discriminator.L], weight: a.w(names.headDense), bias: a.w(names.headDenseBias),
                       rows: M, inputs: H, outputs: H)
        GELU.forward(out: headAct, inp: headPre, count: M * H, variant: config.activation, cache: headGelu, threads: threads)
        Linear.forward(out: rtdLogits, inp: headAct, weight: a.w(names.headPrediction), bias: a.w(names.headPredictionBias), rows: M, inputs: H, outputs: 1)
        var rtd = ReplacedTokenCounts(), total = 0.0
        for r in 0..<M where inputs.attentionMask[r] != 0 {
            let z = Double(rtdLogits[r]), y = rtdLabels[r] == 1
            // Binary cross-entropy with logits, stable for either sign: max(z, 0) − z·y + log(1 + e^−|z|).
            total += max(z, 0) - (y ? z : 0) + log1p(exp(-abs(z)))
            rtd.positions += 1
            let predicted = z > 0
            if y { rtd.replaced += 1 }
            if predicted { rtd.predictedReplaced += 1 }
            if predicted && y { rtd.truePositives += 1 }
            if predicted == y { rtd.correct += 1 }
        }
        rtd.loss = rtd.positions > 0 ? total / Double(rtd.positions) : 0
        step.rtd = rtd
        step.loss = step.mlmLoss + discWeight * rtd.loss
        last = step
        return step
    }

    /// The token whose cumulative probability first exceeds one uniform draw (the last token
    /// with a non-zero probability when rounding leaves the sum short of the draw).
    private func sample(probabilities p: UnsafePointer<T>, key: UInt64, row: Int) -> Int32 {
        var random = KeyedRandom(seed: dropoutSeed, purpose: .replacedTokenSampling, index: key, subindex: UInt64(row))
        let u = random.unitDouble()
        var cumulative = 0.0, lastPositive = 0
        for j in 0..<V {
            let q = Double(p[j])
            guard q > 0 else { continue }
            cumulative += q
            lastPositive = j
            if u < cumulative { return Int32(j) }
        }
        return Int32(lastPositive)
    }

    /// Adds the gradients of `scale · loss` of the last forward pass (same inputs): the
    /// discriminator's through its head, encoder and embeddings (weight λ), then the
    /// generator's; the shared embedding tables receive both.
    @_specialize(exported: true, where T == Float)
    public func backward(_ inputs: ModelInputs, scale: Double = 1) {
        let s = last
        let B = s.batch, Tn = s.length, M = B * Tn, P = s.predictions
        let a = ParameterAccess(table: table, parameters: parameters.baseAddress!, gradients: gradients.baseAddress!)
        let discriminatorSites = sites(s.dropoutKey, generator: false), generatorSites = sites(s.dropoutKey, generator: true)

        // Discriminator: d(mean BCE)/dz = (σ(z) − y) / N on non-padding positions.
        let weight = s.rtd.positions > 0 ? scale * discWeight / Double(s.rtd.positions) : 0
        for r in 0..<M {
            if inputs.attentionMask[r] == 0 { dRTDLogits[r] = 0; continue }
            let z = Double(rtdLogits[r])
            dRTDLogits[r] = T((1 / (1 + exp(-z)) - Double(rtdLabels[r])) * weight)
        }
        Linear.backward(dinp: dHead, dweight: a.g(names.headPrediction), dbias: a.g(names.headPredictionBias), dout: dRTDLogits, inp: headAct,
                        weight: a.w(names.headPrediction), rows: M, inputs: H, outputs: 1)
        GELU.backward(dinp: dHeadPre, dout: dHead, inp: headPre, count: M * H, variant: config.activation, cache: headGelu, threads: threads)
        Linear.backward(dinp: dDiscriminator, dweight: a.g(names.headDense), dbias: a.g(names.headDenseBias), dout: dHeadPre,
                        inp: discriminator.xs[discriminator.L], weight: a.w(names.headDense), rows: M, inputs: H, outputs: H)
        discriminator.backward(dX: dDiscriminator, batch: B, length: Tn, dropout: discriminatorSites)
        inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
            discriminatorEmbeddings.backward(dOutput: dDiscriminator, ids: discriminatorIDs, types: types.baseAddress!, batch: B, length: Tn,
                                             dropout: discriminatorSites)
        }

        // Generator: the masked-LM loss only (the samples carry no gradient).
        dGenerator.update(repeating: 0, count: M * Hg)
        generatorHead.backward(dTop: dGenerator, rows: maskedRows, targets: maskedTargets, count: P, scale: T(scale))
        generator.backward(dX: dGenerator, batch: B, length: Tn, dropout: generatorSites)
        inputs.inputIDs.withUnsafeBufferPointer { ids in
            inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
                generatorEmbeddings.backward(dOutput: dGenerator, ids: ids.baseAddress!, types: types.baseAddress!, batch: B, length: Tn,
                                             dropout: generatorSites)
            }
        }
    }
}
