/// The input embeddings of the BERT family: word + position + token type (width E) →
/// LayerNorm → dropout (site `siteBase`), then, when E ≠ H, a projection to the encoder's
/// width H (ALBERT's `embedding_hidden_mapping_in`, ELECTRA's `embeddings_project`).
///
/// Activations for `maxBatch × maxLength` rows are owned here, so two stacks over the same
/// tables (ELECTRA's generator and discriminator embed different ids with shared tables) keep
/// their own. `output` is the encoder's input `[M × H]`, which the caller owns; without a
/// projection the LayerNorm writes straight into it.
final class EmbeddingStack<T: TrainerFloat> {
    typealias Names = EmbeddingTensorNames

    let names: Names
    let E: Int, H: Int, V: Int, types: Int, positions: Int
    let eps: T
    let dropout: Double
    let access: ParameterAccess<T>
    let threads: KernelThreads
    /// `[M × E]` sum of the three lookups; LayerNorm statistics `[M]`.
    let sum: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>
    /// `[M × E]` LayerNorm output (the same buffer as `output` without a projection).
    let normed: UnsafeMutablePointer<T>
    let output: UnsafeMutablePointer<T>
    /// Backward scratch `[M × E]` each.
    let dNormed: UnsafeMutablePointer<T>, dSum: UnsafeMutablePointer<T>
    /// 0 ..< maxLength, the position ids of every row.
    let positionIDs: UnsafeMutablePointer<Int32>

    init(names: Names, config: ModelConfig, embeddingWidth: Int, hidden: Int, access: ParameterAccess<T>, maxBatch: Int, maxLength: Int,
         output: UnsafeMutablePointer<T>, arena: BufferArena<T>, threads: KernelThreads) {
        precondition((names.projectionWeight != nil) == (embeddingWidth != hidden), "a projection exactly when E ≠ H")
        self.names = names
        E = embeddingWidth; H = hidden; V = config.vocabSize; types = config.typeVocabSize; positions = config.maxPositionEmbeddings
        eps = T(config.layerNormEps)
        dropout = config.hiddenDropoutProb
        self.access = access
        self.threads = threads
        let M = maxBatch * maxLength
        sum = arena.make(M * E); mean = arena.make(M); rstd = arena.make(M)
        self.output = output
        normed = embeddingWidth == hidden ? output : arena.make(M * E)
        dNormed = arena.make(M * E); dSum = arena.make(M * E)
        positionIDs = arena.makeIndices(maxLength)
        for i in 0..<maxLength { positionIDs[i] = Int32(i) }
    }

    /// Adds the tables' shapes to `table` (once; shared tensors are added by the first stack).
    static func addTensors(_ names: Names, to table: inout ParameterTable, config: ModelConfig, embeddingWidth e: Int, hidden h: Int) {
        table.add(names.word, [config.vocabSize, e])
        table.add(names.position, [config.maxPositionEmbeddings, e])
        table.add(names.tokenType, [config.typeVocabSize, e])
        table.add(names.normWeight, [e])
        table.add(names.normBias, [e])
        if let w = names.projectionWeight, let b = names.projectionBias {
            table.add(w, [h, e])
            table.add(b, [h])
        }
    }

    /// Embeds `ids`/`types` (`batch × length`, validated by the caller) into `output`.
    func forward(ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, batch B: Int, length Tn: Int, dropout sites: DropoutSites?) {
        let M = B * Tn, a = access
        Embedding.forward(out: sum, table: a.w(names.word), ids: ids, rows: M, channels: E, vocabulary: V, accumulate: false)
        for b in 0..<B {
            Embedding.forward(out: sum + b * Tn * E, table: a.w(names.position), ids: positionIDs, rows: Tn, channels: E,
                              vocabulary: positions, accumulate: true)
        }
        Embedding.forward(out: sum, table: a.w(names.tokenType), ids: types, rows: M, channels: E, vocabulary: self.types, accumulate: true)
        LayerNorm.forward(out: normed, mean: mean, rstd: rstd, inp: sum, weight: a.w(names.normWeight), bias: a.w(names.normBias),
                          rows: M, channels: E, eps: eps, threads: threads)
        if let s = sites { Dropout.apply(normed, count: M * E, p: dropout, seed: s.seed, key: s.key, site: s.siteBase, threads: threads) }
        if let w = names.projectionWeight, let bias = names.projectionBias {
            Linear.forward(out: output, inp: normed, weight: a.w(w), bias: a.w(bias), rows: M, inputs: E, outputs: H)
        }
    }

    /// Adds the tables' gradients for `dOutput` (`[M × H]`, the gradient of `output`; it is
    /// overwritten when there is no projection).
    func backward(dOutput: UnsafeMutablePointer<T>, ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>, batch B: Int, length Tn: Int,
                  dropout sites: DropoutSites?) {
        let M = B * Tn, a = access
        var dNorm = dOutput
        if let w = names.projectionWeight, let bias = names.projectionBias {
            Linear.backward(dinp: dNormed, dweight: a.g(w), dbias: a.g(bias), dout: dOutput, inp: normed, weight: a.w(w), rows: M, inputs: E, outputs: H)
            dNorm = dNormed
        }
        if let s = sites { Dropout.apply(dNorm, count: M * E, p: dropout, seed: s.seed, key: s.key, site: s.siteBase, threads: threads) }
        dSum.update(repeating: 0, count: M * E)
        LayerNorm.backward(dinp: dSum, dweight: a.g(names.normWeight), dbias: a.g(names.normBias), dout: dNorm, inp: sum,
                           weight: a.w(names.normWeight), mean: mean, rstd: rstd, rows: M, channels: E, threads: threads)
        Embedding.backward(dtable: a.g(names.word), dout: dSum, ids: ids, rows: M, channels: E)
        for b in 0..<B {
            Embedding.backward(dtable: a.g(names.position), dout: dSum + b * Tn * E, ids: positionIDs, rows: Tn, channels: E)
        }
        Embedding.backward(dtable: a.g(names.tokenType), dout: dSum, ids: types, rows: M, channels: E)
    }
}

/// The tensors of an `EmbeddingStack`.
struct EmbeddingTensorNames {
    var word, position, tokenType, normWeight, normBias: String
    /// The E → H projection's weight `[H × E]` and bias `[H]`, when E ≠ H.
    var projectionWeight: String? = nil, projectionBias: String? = nil
}
