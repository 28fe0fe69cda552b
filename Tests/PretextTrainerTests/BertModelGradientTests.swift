import Testing
@testable import PretextTrainer

/// The whole BERT model's gradients against finite differences, in Double: a few elements of
/// every parameter tensor, with padding, a row without labels and hidden dropout on.
@Suite struct BertModelGradientTests {
    static func tinyConfig() -> ModelConfig {
        var c = ModelConfig(vocabSize: 23, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12)
        c.maxPositionEmbeddings = 16
        c.hiddenDropoutProb = 0.2
        c.attentionProbsDropoutProb = 0.1
        c.layerNormEps = 1e-12
        return c
    }

    static func batch() -> BertModel<Double>.Inputs {
        // 3 rows × 7: row 1 padded after 4 tokens; row 2 has no masked label.
        let ids: [Int32] = [2, 5, 9, 3, 11, 7, 3,
                            2, 14, 6, 3, 0, 0, 0,
                            2, 8, 19, 21, 3, 4, 3]
        let types: [Int32] = [0, 0, 0, 0, 1, 1, 1,  0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 1, 1, 1, 1]
        let mask: [Int32] = ids.map { $0 == 0 ? 0 : 1 }
        var labels = [Int32](repeating: -100, count: 21)
        labels[1] = 13; labels[5] = 7; labels[9] = 15
        return .init(batch: 3, length: 7, inputIDs: ids, tokenTypeIDs: types, attentionMask: mask, labels: labels, pairLabels: [1, 0, 1])
    }

    /// BERT, and ALBERT (embedding width 6 ≠ hidden 8) with every sharing mode.
    static func configs() -> [ModelConfig] {
        var out = [tinyConfig()]
        for sharing in [ModelConfig.Sharing.all, .attention, .ffn, .none] {
            var c = tinyConfig()
            c.modelType = "albert"
            c.embeddingSize = 6
            c.hiddenAct = "gelu_new"
            c.sharing = sharing
            out.append(c)
        }
        return out
    }

    @Test func albertSharesTensorsAsConfigured() throws {
        let names = try Self.configs().map { try BertModel<Double>(config: $0, maxBatch: 1, maxLength: 4, maxPredictions: 2).table.entries.map(\.name) }
        let layered = names.map { $0.filter { $0.hasPrefix("bert.encoder.layer.") || $0.hasPrefix("albert.encoder.layer.") || $0.hasPrefix("albert.encoder.albert_layer_groups.") }.count }
        // 16 tensors a layer: 10 of attention, 6 of feed-forward. BERT: 2 × 16; ALBERT all: 16
        // shared; attention: 10 shared + 2 × 6; ffn: 6 shared + 2 × 10; none: 2 × 16.
        #expect(layered == [32, 16, 22, 26, 32])
        #expect(names[1].contains("albert.encoder.embedding_hidden_mapping_in.weight") && names[1].contains("sop_classifier.classifier.weight"))
        let albert = try BertModel<Double>(config: Self.configs()[1], maxBatch: 1, maxLength: 4, maxPredictions: 2)
        #expect(albert.table.entry("albert.embeddings.word_embeddings.weight")?.shape == [23, 6])
        #expect(albert.table.entry("predictions.dense.weight")?.shape == [6, 8])
        #expect(albert.table.entry("albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.weight")?.decays == false)
    }

    @Test(arguments: 0..<5)
    func gradientsMatchFiniteDifferences(_ which: Int) throws {
        let model = try BertModel<Double>(config: Self.configs()[which], maxBatch: 3, maxLength: 7, maxPredictions: 8)
        model.initialize(seed: 3)
        // Larger weights than BERT's 0.02 so every path carries signal.
        for i in model.parameters.indices { model.parameters[i] *= 10 }
        for e in model.table.entries where e.name.contains("LayerNorm") || e.shape.count == 1 {
            for i in 0..<e.count { model.parameters[e.offset + i] += 0.1 * Double((i * 7 + e.offset) % 5) - 0.2 }
        }
        model.dropoutSeed = 9
        let inputs = Self.batch()
        let step = try model.forward(inputs, dropoutKey: 4)
        #expect(step.predictions == 3 && step.pairs == 3)
        model.zeroGradients()
        model.backward(inputs)
        // Elements spread over every tensor, and rows of the word embeddings that are used.
        let worst = try GradientCheck.worstModelError(model, inputs, dropoutKey: 4, salt: 13) { e in
            e.name.hasSuffix("word_embeddings.weight") ? [5, 13, 7, 2].map { $0 * e.shape[1] + 3 } : []
        }
        #expect(worst.0 < 1e-5, "worst: \(worst.1)")
    }
}
