import Testing
@testable import PretextTrainer

/// The Swift GPT-2 against PyTorch (HF `GPT2LMHeadModel`): the same tiny model from the same
/// safetensors file and batch, compared on the loss, the logits, every gradient and the losses
/// of 10 AdamW steps (rtol 1e-4, atol 1e-5; golden files from benchmarks/tools/torch_reference.py
/// --model gpt, see Fixtures/README.md). The batch's labels are already shifted
/// (labels[t] = token t + 1), as Pretext's loader gives them.
@Suite struct GPTReferenceTests {
    static let fixture = ReferenceFixture("gpt-tiny")

    static func model() throws -> GPTModel<Float> {
        try fixture.load(GPTModel<Float>(config: fixture.config(), maxBatch: 2, maxLength: 9))
    }

    @Test func configAndParameterTableMatchHuggingFace() throws {
        let config = try Self.fixture.config()
        #expect(config.modelType == "gpt2")
        #expect(config.vocabSize == 40 && config.hiddenSize == 16 && config.numHiddenLayers == 2 && config.numAttentionHeads == 2)
        #expect(config.intermediateSize == 24 && config.maxPositionEmbeddings == 16)
        #expect(config.activation == .tanh && config.layerNormEps == 1e-5)
        let model = try Self.model()
        // The 28 names of HF's state dict without the tied lm_head.weight (GPT2LMHeadModel has no buffers).
        #expect(Set(model.table.entries.map(\.name)) == Set(try Self.fixture.initial().keys))
        #expect(model.table.entry("lm_head.weight") == nil)
    }

    /// The GPT adapter's AdamW groups (gpt_reference.py): no weight decay for biases and LayerNorm tensors
    /// (GPT-2 names them ln_1, ln_2, ln_f), decay for every other tensor, the tied wte included.
    @Test func weightDecayGroupsMatchPyTorch() throws {
        expectDecayGroups(try Self.model().table) { $0.hasSuffix(".bias") || $0.contains(".ln_") }
    }

    @Test func forwardAndBackwardMatchPyTorch() throws {
        let golden = try Self.fixture.golden()
        let model = try Self.model()
        let inputs = try Self.fixture.inputs()
        let step = try model.forward(inputs)
        #expect(step.predictions == 15)
        expectClose([Float(step.loss)], golden["loss"]!.values, "loss")
        expectClose([Float(step.mlmLoss)], golden["loss"]!.values, "mlmLoss (the LM loss)")
        expectClose(Array(UnsafeBufferPointer(start: model.logits, count: step.predictions * model.V)), golden["logits"]!.values, "logits")
        model.zeroGradients()
        model.backward(inputs)
        try expectGradientsMatch(model, golden)
        let H = model.H
        for e in model.table.entries where e.name.hasSuffix("attn.c_attn.weight") || e.name.hasSuffix("attn.c_attn.bias") {
            // The fused [q | k | v] columns, each against its own scale: the query and key
            // gradients (≤ 2e-4) are ~100× smaller than the value gradients (≤ 3e-2).
            let actual = values(model.gradients, e), expected = golden["grad." + e.name]!.values
            let rows = e.shape.count == 2 ? e.shape[0] : 1
            for (part, name) in ["query", "key", "value"].enumerated() {
                func slice(_ x: [Float]) -> [Float] {
                    var out: [Float] = []
                    for r in 0..<rows {
                        let start: Int = r * 3 * H + part * H
                        out += x[start..<(start + H)]
                    }
                    return out
                }
                if rows == 1 && name == "key" {
                    // Exactly zero in theory (softmax is invariant to a shift of a query's scores).
                    #expect(slice(actual).allSatisfy { abs($0) < 1e-6 }, "\(e.name) key part")
                } else {
                    expectClose(slice(actual), slice(expected), "grad.\(e.name) \(name) part")
                }
            }
        }
    }

    @Test func tenAdamWStepsMatchPyTorch() throws {
        try expectAdamWMatchesGolden(Self.model(), Self.fixture.inputs(), Self.fixture.golden(), finals: 3)
    }
}
