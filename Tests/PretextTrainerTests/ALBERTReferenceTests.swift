import Testing
@testable import PretextTrainer

/// The Swift ALBERT (`BertModel`, model_type "albert") against PyTorch (HF
/// `AlbertForPreTraining`): factorized embeddings (E = 8, H = 16), two layers that read one
/// shared layer (HF's ALBERT = Pretext's sharing "all"), gelu_new, MLM + SOP. The same tiny model
/// from the same safetensors file and batch, compared on the losses, the logits, every gradient
/// (each summed over both layers' uses of the shared tensors), the losses of 10 AdamW steps and
/// the final weights (golden files from benchmarks/tools/torch_reference.py --model albert, see
/// Fixtures/README.md).
@Suite struct ALBERTReferenceTests {
    static let fixture = ReferenceFixture("albert-tiny", pairLabels: "sentence_order_label")

    @Test func configAndParameterTableMatchHuggingFace() throws {
        let config = try Self.fixture.config()
        #expect(config.modelType == "albert" && config.sharing == .all)
        #expect(config.vocabSize == 40 && config.embeddingWidth == 8 && config.hiddenSize == 16 && config.numHiddenLayers == 2)
        #expect(config.numAttentionHeads == 2 && config.intermediateSize == 24 && config.maxPositionEmbeddings == 24)
        #expect(config.activation == .tanh && config.layerNormEps == 1e-12)
        let model = try Self.fixture.bertModel()
        // HF's 34 state-dict names less the tied predictions.decoder.weight and .bias: 32, of
        // which 16 are the one shared layer's.
        let names = Set(model.table.entries.map(\.name))
        #expect(names == Set(try Self.fixture.initial().keys))
        #expect(names.count == 32)
        #expect(names.filter { $0.hasPrefix("albert.encoder.albert_layer_groups.0.albert_layers.0.") }.count == 16)
        #expect(!names.contains { $0.hasPrefix("predictions.decoder.") || $0.hasPrefix("albert.encoder.layer.") })
    }

    /// torch_reference.py's ALBERT groups: no weight decay for biases and LayerNorm tensors, which
    /// ALBERT also names `full_layer_layer_norm`.
    @Test func weightDecayGroupsMatchPyTorch() throws {
        expectDecayGroups(try Self.fixture.bertModel().table) { $0.hasSuffix(".bias") || $0.contains("LayerNorm") || $0.contains("layer_norm") }
    }

    @Test func forwardAndBackwardMatchPyTorch() throws {
        try expectBertFamilyMatchesGolden(Self.fixture.bertModel(), Self.fixture.inputs(), Self.fixture.golden(), pair: "sop")
    }

    @Test func tenAdamWStepsMatchPyTorch() throws {
        try expectAdamWMatchesGolden(Self.fixture.bertModel(), Self.fixture.inputs(), Self.fixture.golden(), finals: 5)
    }
}
