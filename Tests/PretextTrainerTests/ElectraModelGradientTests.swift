import PretextCore
import Testing
@testable import PretextTrainer

/// ELECTRA's gradients against finite differences, in Double: a few elements of every tensor of
/// both networks (the shared embeddings receive the generator's and the discriminator's), with
/// padding, dropout on, and the generator's samples drawn for real — a perturbation of 1e-6
/// does not move a sample across a CDF boundary, so the numeric gradient sees the sampling as
/// constant, which is what "no gradient through the sampling" means.
@Suite struct ElectraModelGradientTests {
    /// Discriminator H 8, E 6 (projected in both networks), generator width 4 (0.5 · 8), one
    /// head, FFN 16, two layers each; or E = H = 8 with a full-width generator (no projections).
    static func config(projected: Bool) -> ModelConfig {
        var c = ModelConfig(vocabSize: 23, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12)
        c.modelType = "electra"
        c.maxPositionEmbeddings = 16
        c.hiddenDropoutProb = 0.2
        c.attentionProbsDropoutProb = 0.1
        c.hiddenAct = "gelu_new"
        c.embeddingSize = projected ? 6 : 8
        c.generatorHiddenSize = projected ? 0.5 : 1
        c.discWeight = 50
        return c
    }

    @Test func generatorConfigFollowsElectra() throws {
        let g = Self.config(projected: true).generatorConfig
        #expect(g.hiddenSize == 4 && g.intermediateSize == 16 && g.numAttentionHeads == 1 && g.numHiddenLayers == 2 && g.embeddingWidth == 6)
        #expect(g.architectures == ["ElectraForMaskedLM"] && g.generatorHiddenSize == nil && g.discWeight == nil)
        // ELECTRA-Base: 768 · 1/3 = 256 wide, 4 heads, FFN 1024.
        var base = ModelConfig(vocabSize: 30522, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072)
        base.modelType = "electra"
        base.generatorHiddenSize = 1.0 / 3
        let b = base.generatorConfig
        #expect(b.hiddenSize == 256 && b.numAttentionHeads == 4 && b.intermediateSize == 1024 && b.numHiddenLayers == 12)
    }

    @Test func tensorsAreHuggingFaceNamesAndTheEmbeddingsAreShared() throws {
        let model = try ElectraModel<Double>(config: Self.config(projected: true), maxBatch: 1, maxLength: 4, maxPredictions: 2)
        let names = Set(model.table.entries.map(\.name))
        #expect(names.filter { $0.contains("word_embeddings") } == ["discriminator.electra.embeddings.word_embeddings.weight"])
        #expect(names.contains("discriminator.electra.embeddings_project.weight") && names.contains("generator.electra.embeddings_project.weight"))
        #expect(model.table.entry("generator.electra.encoder.layer.1.intermediate.dense.weight")?.shape == [16, 4])
        #expect(model.table.entry("discriminator.discriminator_predictions.dense_prediction.weight")?.shape == [1, 8])
        #expect(model.table.entry("generator.generator_predictions.dense.weight")?.shape == [6, 4])
        #expect(model.table.entry("generator.generator_lm_head.bias")?.decays == false)
        // The exported state dicts and back.
        var tensors: [String: SafeTensors.Tensor] = [:]
        for e in model.table.entries { tensors[e.name] = .init(shape: e.shape, values: (0..<e.count).map { Float($0 + e.offset) }) }
        let folders = TrainableModel.huggingFaceFolders(config: model.config, weights: tensors)
        #expect(folders.map(\.subfolder) == ["discriminator", "generator"])
        let generator = folders[1].weights
        #expect(generator["electra.embeddings.word_embeddings.weight"] == tensors["discriminator.electra.embeddings.word_embeddings.weight"])
        #expect(generator["generator_lm_head.weight"] == tensors["discriminator.electra.embeddings.word_embeddings.weight"])
        #expect(folders[0].weights["discriminator_predictions.dense.bias"] == tensors["discriminator.discriminator_predictions.dense.bias"])
        #expect(ElectraNames.combine(discriminator: folders[0].weights, generator: generator) == tensors)
    }

    static func batch() -> ModelInputs {
        // 3 rows × 7: row 1 padded after 4 tokens; row 2 has no labelled position. Id 4 plays [MASK].
        let ids: [Int32] = [2, 4, 9, 3, 11, 4, 3,
                            2, 14, 4, 3, 0, 0, 0,
                            2, 8, 19, 21, 3, 4, 3]
        let types: [Int32] = [0, 0, 0, 0, 1, 1, 1,  0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 1, 1, 1, 1]
        var labels = [Int32](repeating: -100, count: 21)
        labels[1] = 13; labels[5] = 7; labels[9] = 15; labels[2] = 9   // position 2 keeps its token (9)
        var inputs = ModelInputs(batch: 3, length: 7, inputIDs: ids, tokenTypeIDs: types, attentionMask: ids.map { $0 == 0 ? 0 : 1 },
                                 labels: labels, pairLabels: [-100, -100, -100])
        inputs.sampleKey = 6
        return inputs
    }

    static func model(projected: Bool) throws -> ElectraModel<Double> {
        let model = try ElectraModel<Double>(config: Self.config(projected: projected), maxBatch: 3, maxLength: 7, maxPredictions: 8)
        model.initialize(seed: 3)
        // Larger weights than BERT's 0.02 so every path carries signal.
        for i in model.parameters.indices { model.parameters[i] *= 10 }
        for e in model.table.entries where e.name.contains("LayerNorm") || e.shape.count == 1 {
            for i in 0..<e.count { model.parameters[e.offset + i] += 0.1 * Double((i * 7 + e.offset) % 5) - 0.2 }
        }
        model.dropoutSeed = 9
        return model
    }

    @Test(arguments: [true, false])
    func gradientsMatchFiniteDifferences(projected: Bool) throws {
        let model = try Self.model(projected: projected)
        let inputs = Self.batch()
        let step = try model.forward(inputs, dropoutKey: 4)
        #expect(step.predictions == 4 && step.rtd.positions == 18)
        #expect(step.rtd.replaced > 0, "the samples replace some tokens")
        #expect(abs(step.loss - (step.mlmLoss + 50 * step.rtd.loss)) < 1e-12)
        model.zeroGradients()
        model.backward(inputs)
        let worst = try GradientCheck.worstModelError(model, inputs, dropoutKey: 4, salt: 17) { e in
            e.name.hasSuffix("word_embeddings.weight") ? [4, 9, 13, 21].map { $0 * e.shape[1] + 1 } : []
        }
        #expect(worst.0 < 1e-5, "worst: \(worst.1)")
    }

    /// A sample equal to the original token counts as original: the discriminator sees the
    /// samples at the labelled positions and the originals (not [MASK]) elsewhere.
    @Test func aSampleEqualToTheOriginalIsOriginal() throws {
        let model = try Self.model(projected: true)
        let inputs = Self.batch()
        model.fixedSamples = [13, 4, 7, 1]   // positions 1, 2, 5, 9 hold originals 13, 9, 7, 15
        let step = try model.forward(inputs)
        #expect(step.rtd.replaced == 2 && step.rtd.positions == 18)
        let ids = (0..<21).map { model.discriminatorIDs[$0] }, labels = (0..<21).map { model.rtdLabels[$0] }
        #expect(ids == [2, 13, 4, 3, 11, 7, 3, 2, 14, 1, 3, 0, 0, 0, 2, 8, 19, 21, 3, 4, 3])
        #expect(labels.enumerated().filter { $0.element == 1 }.map(\.offset) == [2, 9])
        model.fixedSamples = [1, 2]
        #expect(throws: ModelShapeError.self) { try model.forward(inputs) }
    }

    /// The samples follow the generator's softmax: over 4000 sample keys the frequency of each
    /// token at one position is within 5 standard errors of its probability; the same key gives
    /// the same samples.
    @Test func samplesFollowTheGeneratorsDistribution() throws {
        let model = try Self.model(projected: true)
        var inputs = Self.batch()
        let first = try model.forward(inputs)
        let again = try model.forward(inputs)
        #expect(first.loss == again.loss)
        let probabilities = (0..<model.V).map { model.generatorHead.probs[$0] }   // labelled position 0 (row 1)
        var counts = [Int](repeating: 0, count: model.V)
        let n = 4000
        for key in 0..<n {
            inputs.sampleKey = UInt64(key)
            _ = try model.forward(inputs)
            counts[Int(model.samples[0])] += 1
        }
        for (j, p) in probabilities.enumerated() {
            let se = (p * (1 - p) / Double(n)).squareRoot()
            #expect(abs(Double(counts[j]) / Double(n) - p) <= 5 * se + 1e-3, "token \(j): \(counts[j]) of \(n), p \(p)")
        }
    }
}
