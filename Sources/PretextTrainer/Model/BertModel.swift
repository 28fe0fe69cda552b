#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// BERT for pretraining (Hugging Face's `BertForPreTraining`, post-LN): embeddings (word +
/// position + segment → LayerNorm → dropout), `numHiddenLayers` encoder layers (fused-QKV
/// self-attention with an additive padding mask → output dense → dropout → residual →
/// LayerNorm; dense → GELU → dense → dropout → residual → LayerNorm), a pooler (tanh dense on
/// [CLS]) with the 2-way pair head (NSP/SOP), and the masked-LM head (dense → GELU →
/// LayerNorm → decoder tied to the word embeddings, plus its own bias) computed only at the
/// labelled positions. Loss = mean MLM cross-entropy over the labelled positions + mean pair
/// cross-entropy over rows with a pair label.
///
/// Paired forward/backward functions over flat buffers: parameters and gradients in one
/// arena each (`ParameterTable` layout), activations in buffers sized once for `maxBatch ×
/// maxLength` and `maxPredictions` labelled positions — a step allocates nothing.
public final class BertModel<T: TrainerFloat>: PretrainingModel {
    public let config: ModelConfig
    public let table: ParameterTable
    public let parameters: UnsafeMutableBufferPointer<T>
    public let gradients: UnsafeMutableBufferPointer<T>
    public let maxBatch: Int
    public let maxLength: Int
    public let maxPredictions: Int
    /// Seed of the dropout masks.
    public var dropoutSeed: UInt64 = 0

    let H: Int, I: Int, V: Int, L: Int, NH: Int
    /// Embedding width (ALBERT's factorized E; H for BERT).
    let E: Int
    let names: BertNames
    /// Per-layer tensor names, built once (a step builds no strings).
    let layerNames: [BertNames.Layer]
    private let arena = BufferArena<T>()
    /// Workers for the loops between matrix products: `kernelThreads`, by default a pool of as
    /// many workers as OpenBLAS has threads. Results do not depend on the count.
    let threads: KernelThreads
    public var kernelThreads: KernelThreads { threads }
    // Activations (B·T rows unless noted).
    let embSum: UnsafeMutablePointer<T>, embMean: UnsafeMutablePointer<T>, embRstd: UnsafeMutablePointer<T>
    /// Embedding LayerNorm output [M×E] (for BERT the same buffer as xs[0]).
    let embOut: UnsafeMutablePointer<T>
    let xs: [UnsafeMutablePointer<T>]            // L + 1 layer inputs/outputs [M×H]
    let qkv: [UnsafeMutablePointer<T>], probs: [UnsafeMutablePointer<T>], ctx: [UnsafeMutablePointer<T>]
    let res1: [UnsafeMutablePointer<T>], x1: [UnsafeMutablePointer<T>], mean1: [UnsafeMutablePointer<T>], rstd1: [UnsafeMutablePointer<T>]
    let ffPre: [UnsafeMutablePointer<T>], ffAct: [UnsafeMutablePointer<T>], res2: [UnsafeMutablePointer<T>]
    /// GELU's cached CDF/tanh term per layer [M×I] and for the MLM head [P×E].
    let ffGelu: [UnsafeMutablePointer<T>], tGelu: UnsafeMutablePointer<T>
    let mean2: [UnsafeMutablePointer<T>], rstd2: [UnsafeMutablePointer<T>]
    // Pair head (B rows).
    let clsRows: UnsafeMutablePointer<T>, pooledPre: UnsafeMutablePointer<T>, pooled: UnsafeMutablePointer<T>
    let pairLogits: UnsafeMutablePointer<T>, pairProbs: UnsafeMutablePointer<T>
    // MLM head (P rows).
    let gathered: UnsafeMutablePointer<T>, tPre: UnsafeMutablePointer<T>, tAct: UnsafeMutablePointer<T>, tOut: UnsafeMutablePointer<T>
    let tMean: UnsafeMutablePointer<T>, tRstd: UnsafeMutablePointer<T>, mlmLogits: UnsafeMutablePointer<T>, mlmProbs: UnsafeMutablePointer<T>
    // Gradient scratch.
    let dX: UnsafeMutablePointer<T>, dRes: UnsafeMutablePointer<T>, dTmp: UnsafeMutablePointer<T>, dQKV: UnsafeMutablePointer<T>
    /// `dAtt`: attention scratch, 2·T·T per head; `rowScratch`: one value per prediction.
    let dFFa: UnsafeMutablePointer<T>, dFFb: UnsafeMutablePointer<T>, dAtt: UnsafeMutablePointer<T>, rowScratch: UnsafeMutablePointer<T>
    let dHeadA: UnsafeMutablePointer<T>, dHeadB: UnsafeMutablePointer<T>, dLogits: UnsafeMutablePointer<T>
    // Index buffers.
    let maskedRows: UnsafeMutablePointer<Int>, maskedTargets: UnsafeMutablePointer<Int32>
    let pairRows: UnsafeMutablePointer<Int>, pairTargets: UnsafeMutablePointer<Int32>
    let positionIDs: UnsafeMutablePointer<Int32>

    public typealias Step = ModelStep
    public typealias Inputs = ModelInputs
    public internal(set) var last = Step()

    public typealias ShapeError = ModelShapeError

    public init(config: ModelConfig, maxBatch: Int, maxLength: Int, maxPredictions: Int, kernelThreads: KernelThreads? = nil) throws {
        try config.validate()
        let blasThreads = Int(try OpenBLAS.shared().getThreads())
        threads = kernelThreads ?? KernelThreads(count: blasThreads)
        guard maxLength <= config.maxPositionEmbeddings else {
            throw ShapeError(message: "sequence length \(maxLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        self.config = config
        self.maxBatch = maxBatch
        self.maxLength = maxLength
        self.maxPredictions = max(1, maxPredictions)
        H = config.hiddenSize; I = config.intermediateSize; V = config.vocabSize; L = config.numHiddenLayers; NH = config.numAttentionHeads
        E = config.embeddingWidth
        let n = BertNames(config: config)
        names = n
        layerNames = (0..<config.numHiddenLayers).map { n.layer($0) }
        let h = H, ii = I, v = V, e = E
        var t = ParameterTable()
        t.add(n.word, [v, e])
        t.add(n.position, [config.maxPositionEmbeddings, e])
        t.add(n.tokenType, [config.typeVocabSize, e])
        t.add(n.embeddingNormWeight, [e])
        t.add(n.embeddingNormBias, [e])
        if n.albert {
            t.add(n.mappingWeight, [h, e])
            t.add(n.mappingBias, [h])
        }
        // Shared ALBERT tensors are added once (by layer 0); query, key and value stay adjacent.
        for l in 0..<config.numHiddenLayers {
            let ly = n.layer(l)
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
        t.add(n.poolerWeight, [h, h])
        t.add(n.poolerBias, [h])
        t.add(n.transformWeight, [e, h])
        t.add(n.transformBias, [e])
        t.add(n.transformNormWeight, [e])
        t.add(n.transformNormBias, [e])
        t.add(n.decoderBias, [v])
        t.add(n.pairWeight, [2, h])
        t.add(n.pairBias, [2])
        table = t

        let arena = self.arena
        func buffer(_ n: Int) -> UnsafeMutablePointer<T> { arena.make(n) }
        parameters = .allocate(capacity: t.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: t.count)
        gradients.initialize(repeating: 0)
        let ll = config.numHiddenLayers, nh = config.numAttentionHeads, ml = maxLength
        let M = maxBatch * ml, P = max(1, maxPredictions), B = maxBatch
        let hw = max(h, e)  // buffers that hold either width
        embSum = buffer(M * e); embMean = buffer(M); embRstd = buffer(M)
        xs = (0...ll).map { _ in buffer(M * h) }
        embOut = n.albert ? buffer(M * e) : xs[0]
        qkv = (0..<ll).map { _ in buffer(M * 3 * h) }
        probs = (0..<ll).map { _ in buffer(B * nh * ml * ml) }
        ctx = (0..<ll).map { _ in buffer(M * h) }
        res1 = (0..<ll).map { _ in buffer(M * h) }
        x1 = (0..<ll).map { _ in buffer(M * h) }
        mean1 = (0..<ll).map { _ in buffer(M) }
        rstd1 = (0..<ll).map { _ in buffer(M) }
        ffPre = (0..<ll).map { _ in buffer(M * ii) }
        ffAct = (0..<ll).map { _ in buffer(M * ii) }
        ffGelu = (0..<ll).map { _ in buffer(M * ii) }
        tGelu = buffer(P * e)
        res2 = (0..<ll).map { _ in buffer(M * h) }
        mean2 = (0..<ll).map { _ in buffer(M) }
        rstd2 = (0..<ll).map { _ in buffer(M) }
        clsRows = buffer(B * h); pooledPre = buffer(B * h); pooled = buffer(B * h); pairLogits = buffer(B * 2); pairProbs = buffer(B * 2)
        gathered = buffer(P * h); tPre = buffer(P * e); tAct = buffer(P * e); tOut = buffer(P * e); tMean = buffer(P); tRstd = buffer(P)
        mlmLogits = buffer(P * v); mlmProbs = buffer(P * v)
        dX = buffer(M * h); dRes = buffer(M * hw); dTmp = buffer(M * hw); dQKV = buffer(M * 3 * h)
        dFFa = buffer(M * ii); dFFb = buffer(M * ii); dAtt = buffer(nh * 2 * ml * ml); rowScratch = buffer(P)
        dHeadA = buffer(max(P, B) * hw); dHeadB = buffer(max(P, B) * hw); dLogits = buffer(P * v)
        maskedRows = .allocate(capacity: P); maskedTargets = .allocate(capacity: P)
        pairRows = .allocate(capacity: B); pairTargets = .allocate(capacity: B)
        positionIDs = .allocate(capacity: maxLength)
        for i in 0..<maxLength { positionIDs[i] = Int32(i) }
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        maskedRows.deallocate(); maskedTargets.deallocate(); pairRows.deallocate(); pairTargets.deallocate(); positionIDs.deallocate()
    }

    /// Parameter `name`'s values.
    public func parameter(_ name: String) -> UnsafeMutablePointer<T> { parameters.baseAddress! + table.offset(name) }
    /// Parameter `name`'s gradient.
    public func gradient(_ name: String) -> UnsafeMutablePointer<T> { gradients.baseAddress! + table.offset(name) }

    /// BERT's initialization: N(0, initializer_range) for weight matrices and embeddings (the
    /// padding row of the word embeddings zeroed), zeros for biases, ones for LayerNorm
    /// weights. Values come from `KeyedRandom(seed, modelInit, tensor index)` (Box–Muller).
    public func initialize(seed: UInt64) {
        for (k, e) in table.entries.enumerated() {
            let p = parameters.baseAddress! + e.offset
            if e.name.hasSuffix("LayerNorm.weight") || e.name.hasSuffix("layer_norm.weight") {
                for i in 0..<e.count { p[i] = 1 }
            } else if e.shape.count == 1 {
                for i in 0..<e.count { p[i] = 0 }
            } else {
                fillNormal(p, count: e.count, std: config.initializerRange, seed: seed, index: UInt64(k))
                if e.name == names.word && config.padTokenId < V {
                    for j in 0..<E { p[config.padTokenId * E + j] = 0 }
                }
            }
        }
    }

    public func zeroGradients() { gradients.update(repeating: 0) }
}
