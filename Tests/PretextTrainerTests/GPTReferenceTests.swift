import Foundation
import Testing
@testable import PretextTrainer

/// The Swift GPT-2 against PyTorch (HF `GPT2LMHeadModel`): the same tiny model from the same
/// safetensors file and batch, compared on the loss, the logits, every gradient and the losses
/// of 10 AdamW steps (rtol 1e-4, atol 1e-5; golden files from benchmarks/tools/gpt_reference.py,
/// see Fixtures/README.md). The batch's labels are already shifted (labels[t] = token t + 1),
/// as Pretext's loader gives them.
@Suite struct GPTReferenceTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/gpt-tiny"

    static func inputs() throws -> ModelInputs {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/batch.json"))
        let o = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        func rows(_ k: String) -> [[Int32]] { (o[k] as! [[NSNumber]]).map { $0.map(\.int32Value) } }
        let ids = rows("input_ids")
        let (b, t) = (ids.count, ids[0].count)
        return ModelInputs(batch: b, length: t, inputIDs: ids.flatMap { $0 }, tokenTypeIDs: Array(repeating: 0, count: b * t),
                           attentionMask: rows("attention_mask").flatMap { $0 }, labels: rows("labels").flatMap { $0 },
                           pairLabels: Array(repeating: -100, count: b))
    }

    static func model() throws -> GPTModel<Float> {
        let config = try ModelConfig.load(folder + "/config.json")
        let model = try GPTModel<Float>(config: config, maxBatch: 2, maxLength: 9)
        let (weights, _) = try SafeTensors.read(folder + "/init.safetensors")
        #expect(weights.count == model.table.entries.count)
        try model.table.load(weights, into: model.parameters, source: "init.safetensors")
        return model
    }

    @Test func configAndParameterTableMatchHuggingFace() throws {
        let config = try ModelConfig.load(Self.folder + "/config.json")
        #expect(config.modelType == "gpt2")
        #expect(config.vocabSize == 40 && config.hiddenSize == 16 && config.numHiddenLayers == 2 && config.numAttentionHeads == 2)
        #expect(config.intermediateSize == 24 && config.maxPositionEmbeddings == 16)
        #expect(config.activation == .tanh && config.layerNormEps == 1e-5)
        let model = try Self.model()
        // The 28 names of HF's state dict without the tied lm_head.weight (GPT2LMHeadModel has no buffers).
        let (weights, _) = try SafeTensors.read(Self.folder + "/init.safetensors")
        #expect(Set(model.table.entries.map(\.name)) == Set(weights.keys))
        #expect(model.table.entry("lm_head.weight") == nil)
    }

    /// gpt_reference.py's AdamW groups: no weight decay for biases and LayerNorm tensors
    /// (GPT-2 names them ln_1, ln_2, ln_f), decay for every other tensor, the tied wte included.
    @Test func weightDecayGroupsMatchPyTorch() throws {
        let model = try Self.model()
        for e in model.table.entries {
            let noDecay = e.name.hasSuffix(".bias") || e.name.contains(".ln_")
            #expect(e.decays == !noDecay, "\(e.name): decays \(e.decays), PyTorch group \(noDecay ? "no decay" : "decay")")
        }
    }

    @Test func forwardAndBackwardMatchPyTorch() throws {
        let (golden, _) = try SafeTensors.read(Self.folder + "/golden.safetensors")
        let model = try Self.model()
        let inputs = try Self.inputs()
        let step = try model.forward(inputs)
        #expect(step.predictions == 15)
        expectClose([Float(step.loss)], golden["loss"]!.values, "loss")
        expectClose([Float(step.mlmLoss)], golden["loss"]!.values, "mlmLoss (the LM loss)")
        expectClose(Array(UnsafeBufferPointer(start: model.logits, count: step.predictions * model.V)), golden["logits"]!.values, "logits")
        model.zeroGradients()
        model.backward(inputs)
        let H = model.H
        for e in model.table.entries {
            let expected = try #require(golden["grad." + e.name], "golden lacks grad.\(e.name)").values
            let actual = Array(UnsafeBufferPointer(rebasing: model.gradients[e.offset..<(e.offset + e.count)]))
            expectClose(actual, expected, "grad.\(e.name)")
            if e.name.hasSuffix("attn.c_attn.weight") || e.name.hasSuffix("attn.c_attn.bias") {
                // The fused [q | k | v] columns, each against its own scale: the query and key
                // gradients (≤ 2e-4) are ~100× smaller than the value gradients (≤ 3e-2).
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
    }

    @Test func tenAdamWStepsMatchPyTorch() throws {
        let (golden, _) = try SafeTensors.read(Self.folder + "/golden.safetensors")
        let model = try Self.model()
        let inputs = try Self.inputs()
        let losses = try adamWLosses(model, inputs, steps: 10)
        expectClose(losses, golden["adamw_losses"]!.values, "adamw_losses")
        let finals = golden.keys.filter { $0.hasPrefix("final.") }
        #expect(finals.count == 3)
        for name in finals {
            let e = try #require(model.table.entry(String(name.dropFirst(6))))
            let actual = Array(UnsafeBufferPointer(rebasing: model.parameters[e.offset..<(e.offset + e.count)]))
            expectClose(actual, golden[name]!.values, name)
            // Ten steps of a wrong weight decay (lr·wd = 1e-5 a step) move a LayerNorm weight of
            // ~1 by 1e-4, inside rtol 1e-4; so the final weights are also held to rtol 1e-5,
            // atol 1e-6. A correct run stays below 2.5e-7 here (PyTorch float32 vs float64: 1e-7).
            expectClose(actual, golden[name]!.values, name + " (rtol 1e-5)", rtol: 1e-5, atol: 1e-6)
        }
    }
}
