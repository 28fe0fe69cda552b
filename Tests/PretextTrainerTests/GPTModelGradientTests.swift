import Testing
@testable import PretextTrainer

/// GPT-2's gradients against finite differences in Double (causal attention, pre-LN, tied
/// head, dropout on), a few elements of every tensor.
@Suite struct GPTModelGradientTests {
    static func config() throws -> ModelConfig {
        let json = """
            {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 19, "n_embd": 8, "n_layer": 2, "n_head": 2, "n_inner": 12, "n_positions": 8,
             "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.2, "embd_pdrop": 0.2, "attn_pdrop": 0.1}
            """
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        try config.validate()
        return config
    }

    @Test func configRoundTripsWithGPT2Names() throws {
        let c = try Self.config()
        #expect(c.hiddenSize == 8 && c.numHiddenLayers == 2 && c.intermediateSize == 12 && c.activation == .tanh)
        #expect(c.json.contains("\"n_embd\" : 8") && !c.json.contains("hidden_size"))
        #expect(try JSONDecoder().decode(ModelConfig.self, from: Data(c.json.utf8)) == c)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let model = try GPTModel<Double>(config: try Self.config(), maxBatch: 2, maxLength: 6)
        model.initialize(seed: 5)
        for i in model.parameters.indices { model.parameters[i] *= 10 }
        for e in model.table.entries where e.shape.count == 1 {
            for i in 0..<e.count { model.parameters[e.offset + i] += 0.1 * Double((i * 7 + e.offset) % 5) - 0.2 }
        }
        model.dropoutSeed = 3
        let ids: [Int32] = [1, 5, 9, 3, 11, 7, 2, 14, 6, 3, 18, 4]
        var labels = Array(ids.dropFirst()) + [-100]
        labels[5] = -100
        let inputs = ModelInputs(batch: 2, length: 6, inputIDs: ids, tokenTypeIDs: [Int32](repeating: 0, count: 12),
                                 attentionMask: [Int32](repeating: 1, count: 12), labels: labels, pairLabels: [-100, -100])
        _ = try model.forward(inputs, dropoutKey: 2)
        model.zeroGradients()
        model.backward(inputs)
        let worst = try GradientCheck.worstModelError(model, inputs, dropoutKey: 2, salt: 11)
        #expect(worst.0 < 1e-5, "worst: \(worst.1)")
    }

    @Test func causalMaskHidesTheFuture() throws {
        let model = try GPTModel<Double>(config: try Self.config(), maxBatch: 1, maxLength: 6)
        model.initialize(seed: 1)
        func logitsAtFirstPositions(_ last: Int32) throws -> [Double] {
            let ids: [Int32] = [1, 2, 3, 4, 5, last]
            _ = try model.forward(ModelInputs(batch: 1, length: 6, inputIDs: ids, tokenTypeIDs: [0, 0, 0, 0, 0, 0], attentionMask: [1, 1, 1, 1, 1, 1],
                                              labels: [2, 3, 4, 5, 6, 7], pairLabels: [-100]), dropoutKey: nil)
            return Array(UnsafeBufferPointer(start: model.logits, count: 5 * 19))
        }
        #expect(try logitsAtFirstPositions(7) == logitsAtFirstPositions(12))
    }
}

import Foundation
