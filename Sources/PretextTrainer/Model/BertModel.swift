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
    private let arena = BufferArena<T>()
    /// Workers for the loops between matrix products: `kernelThreads`, by default a pool of as
    /// many workers as OpenBLAS has threads. Results do not depend on the count.
    let threads: KernelThreads
    public var kernelThreads: KernelThreads { threads }
    let embeddings: EmbeddingStack<T>
    let encoder: TransformerEncoder<T>
    let mlmHead: MaskedLMHead<T>
    /// The MLM logits `[P × V]` of the last forward pass.
    var mlmLogits: UnsafeMutablePointer<T> { mlmHead.logits }
    /// `dX`: the gradient of the encoder output, then of each layer's input `[M × H]`.
    let dX: UnsafeMutablePointer<T>
    // Pair head (B rows).
    let clsRows: UnsafeMutablePointer<T>, pooledPre: UnsafeMutablePointer<T>, pooled: UnsafeMutablePointer<T>
    let pairLogits: UnsafeMutablePointer<T>, pairProbs: UnsafeMutablePointer<T>
    let dHeadA: UnsafeMutablePointer<T>, dHeadB: UnsafeMutablePointer<T>
    // Index buffers.
    let maskedRows: UnsafeMutablePointer<Int>, maskedTargets: UnsafeMutablePointer<Int32>
    let pairRows: UnsafeMutablePointer<Int>, pairTargets: UnsafeMutablePointer<Int32>

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
        let layers = (0..<config.numHiddenLayers).map { n.layer($0) }
        let h = H, e = E
        let embeddingNames = EmbeddingTensorNames(word: n.word, position: n.position, tokenType: n.tokenType, normWeight: n.embeddingNormWeight,
                                                     normBias: n.embeddingNormBias, projectionWeight: n.albert ? n.mappingWeight : nil,
                                                     projectionBias: n.albert ? n.mappingBias : nil)
        let headNames = MaskedLMTensorNames(transformWeight: n.transformWeight, transformBias: n.transformBias, normWeight: n.transformNormWeight,
                                              normBias: n.transformNormBias, decoderWeight: n.word, decoderBias: n.decoderBias)
        var t = ParameterTable()
        EmbeddingStack<T>.addTensors(embeddingNames, to: &t, config: config, embeddingWidth: e, hidden: h)
        // Shared ALBERT tensors are added once (by layer 0).
        TransformerEncoder<T>.addTensors(layers, to: &t, hidden: h, intermediate: I)
        t.add(n.poolerWeight, [h, h])
        t.add(n.poolerBias, [h])
        MaskedLMHead<T>.addTensors(headNames, to: &t, config: config, hidden: h, embeddingWidth: e)
        t.add(n.pairWeight, [2, h])
        t.add(n.pairBias, [2])
        table = t

        let arena = self.arena
        parameters = .allocate(capacity: t.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: t.count)
        gradients.initialize(repeating: 0)
        let access = ParameterAccess(table: t, parameters: parameters.baseAddress!, gradients: gradients.baseAddress!)
        let M = maxBatch * maxLength, P = max(1, maxPredictions), B = maxBatch
        encoder = TransformerEncoder(config: config, layers: layers, access: access, maxBatch: maxBatch, maxLength: maxLength, arena: arena, threads: threads)
        embeddings = EmbeddingStack(names: embeddingNames, config: config, embeddingWidth: e, hidden: h, access: access, maxBatch: maxBatch,
                                    maxLength: maxLength, output: encoder.xs[0], arena: arena, threads: threads)
        mlmHead = MaskedLMHead(names: headNames, config: config, hidden: h, embeddingWidth: e, access: access, maxPredictions: P, arena: arena, threads: threads)
        dX = arena.make(M * h)
        clsRows = arena.make(B * h); pooledPre = arena.make(B * h); pooled = arena.make(B * h); pairLogits = arena.make(B * 2); pairProbs = arena.make(B * 2)
        dHeadA = arena.make(B * h); dHeadB = arena.make(B * h)
        maskedRows = arena.makeRows(P); maskedTargets = arena.makeIndices(P)
        pairRows = arena.makeRows(B); pairTargets = arena.makeIndices(B)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
    }

    /// Parameter `name`'s values.
    public func parameter(_ name: String) -> UnsafeMutablePointer<T> { parameters.baseAddress! + table.offset(name) }
    /// Parameter `name`'s gradient.
    public func gradient(_ name: String) -> UnsafeMutablePointer<T> { gradients.baseAddress! + table.offset(name) }

    /// BERT's initialization: N(0, initializer_range) for weight matrices and embeddings (the
    /// padding row of the word embeddings zeroed), zeros for biases, ones for LayerNorm
    /// weights. Values come from `KeyedRandom(seed, modelInit, tensor index)` (Box–Muller).
    public func initialize(seed: UInt64) {
        table.initializeBertFamily(parameters.baseAddress!, range: config.initializerRange, seed: seed,
                                   wordEmbeddings: names.word, padTokenId: config.padTokenId)
    }

    public func zeroGradients() { gradients.update(repeating: 0) }
}
