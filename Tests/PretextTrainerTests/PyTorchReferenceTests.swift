import Foundation
import Testing
@testable import PretextTrainer

/// The Swift BERT against PyTorch (HF `BertForPreTraining`): the same tiny model from the same
/// safetensors file and batch, compared on the loss, the logits, every gradient and the losses
/// of 10 AdamW steps (rtol 1e-4, atol 1e-5; golden files from benchmarks/tools/torch_reference.py,
/// see Fixtures/README.md).
@Suite struct PyTorchReferenceTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/bert-tiny"

    static func inputs() throws -> BertModel<Float>.Inputs {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/batch.json"))
        let o = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        func rows(_ k: String) -> [[Int32]] { (o[k] as! [[NSNumber]]).map { $0.map(\.int32Value) } }
        let ids = rows("input_ids")
        return .init(batch: ids.count, length: ids[0].count, inputIDs: ids.flatMap { $0 }, tokenTypeIDs: rows("token_type_ids").flatMap { $0 },
                     attentionMask: rows("attention_mask").flatMap { $0 }, labels: rows("labels").flatMap { $0 },
                     pairLabels: (o["next_sentence_label"] as! [NSNumber]).map(\.int32Value))
    }

    static func model() throws -> BertModel<Float> {
        let config = try ModelConfig.load(folder + "/config.json")
        let model = try BertModel<Float>(config: config, maxBatch: 3, maxLength: 11, maxPredictions: 33)
        let (weights, _) = try SafeTensors.read(folder + "/init.safetensors")
        #expect(weights.count == model.table.entries.count)
        try model.table.load(weights, into: model.parameters, source: "init.safetensors")
        return model
    }

    @Test func forwardAndBackwardMatchPyTorch() throws {
        let (golden, _) = try SafeTensors.read(Self.folder + "/golden.safetensors")
        let model = try Self.model()
        let inputs = try Self.inputs()
        let step = try model.forward(inputs)
        expectClose([Float(step.loss)], golden["loss"]!.values, "loss")
        expectClose([Float(step.mlmLoss)], golden["mlm_loss"]!.values, "mlm_loss")
        expectClose([Float(step.pairLoss)], golden["nsp_loss"]!.values, "nsp_loss")
        expectClose(Array(UnsafeBufferPointer(start: model.mlmLogits, count: step.predictions * model.V)), golden["mlm_logits"]!.values, "mlm_logits")
        expectClose(Array(UnsafeBufferPointer(start: model.pairLogits, count: step.pairs * 2)), golden["nsp_logits"]!.values, "nsp_logits")
        model.zeroGradients()
        model.backward(inputs)
        for e in model.table.entries {
            let expected = try #require(golden["grad." + e.name], "golden lacks grad.\(e.name)").values
            let actual = Array(UnsafeBufferPointer(rebasing: model.gradients[e.offset..<(e.offset + e.count)]))
            if e.name.hasSuffix("attention.self.key.bias") {
                // Exactly zero in theory (softmax is invariant to a shift of every key score).
                #expect(actual.allSatisfy { abs($0) < 1e-6 }, "\(e.name)")
            } else {
                expectClose(actual, expected, "grad.\(e.name)")
            }
        }
    }

    @Test func tenAdamWStepsMatchPyTorch() throws {
        let (golden, _) = try SafeTensors.read(Self.folder + "/golden.safetensors")
        let model = try Self.model()
        let inputs = try Self.inputs()
        let losses = try adamWLosses(model, inputs, steps: 10)
        expectClose(losses, golden["adamw_losses"]!.values, "adamw_losses")
        for (name, tensor) in golden where name.hasPrefix("final.") {
            let e = try #require(model.table.entry(String(name.dropFirst(6))))
            expectClose(Array(UnsafeBufferPointer(rebasing: model.parameters[e.offset..<(e.offset + e.count)])), tensor.values, name)
        }
    }
}
