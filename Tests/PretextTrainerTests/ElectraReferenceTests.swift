import Foundation
import Testing
@testable import PretextTrainer

/// The Swift ELECTRA (`ElectraModel`) against PyTorch: HF `ElectraForMaskedLM` (generator,
/// width 12 = 0.75 · 16, one head, FFN 48) and `ElectraForPreTraining` (discriminator, H 16,
/// two heads, gelu_new) sharing embeddings of width 8 (both networks project them), built from
/// the same safetensors file, with the generator's sampling replaced by the same fixed tokens
/// on both sides (batch.json `samples`). Compared on the three losses (generator MLM,
/// discriminator RTD, MLM + 50 · RTD), the generator's logits at the labelled positions, the
/// discriminator's logit at every position, every gradient (the shared embeddings' summed over
/// both networks), the losses of 10 AdamW steps and five final tensors (golden files from
/// benchmarks/tools/torch_reference.py --model electra, see Fixtures/README.md).
@Suite struct ElectraReferenceTests {
    static let fixture = ReferenceFixture("electra-tiny")

    static func model() throws -> ElectraModel<Float> {
        let batch = try fixture.inputs()
        let model = try fixture.load(ElectraModel<Float>(config: fixture.config(), maxBatch: batch.batch, maxLength: batch.length,
                                                         maxPredictions: batch.batch * batch.length))
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture.folder + "/batch.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        model.fixedSamples = (object["samples"] as! [NSNumber]).map(\.int32Value)
        return model
    }

    @Test func configAndParameterTableMatchHuggingFace() throws {
        let model = try Self.model()
        #expect(model.config.embeddingWidth == 8 && model.H == 16 && model.Hg == 12 && model.discWeight == 50)
        #expect(model.generatorConfig.numAttentionHeads == 1 && model.generatorConfig.intermediateSize == 48)
        // HF's stored names of the pair: every tensor of the file, each once (the shared embeddings
        // and the tied lm head are aliases).
        #expect(Set(model.table.entries.map(\.name)) == Set(try Self.fixture.initial().keys))
    }

    @Test func weightDecayGroupsMatchPyTorch() throws {
        expectDecayGroups(try Self.model().table) { $0.hasSuffix(".bias") || $0.contains("LayerNorm") }
    }

    @Test func forwardAndBackwardMatchPyTorch() throws {
        let model = try Self.model(), inputs = try Self.fixture.inputs(), golden = try Self.fixture.golden()
        let step = try model.forward(inputs)
        expectClose([Float(step.loss)], golden["loss"]!.values, "loss")
        expectClose([Float(step.mlmLoss)], golden["mlm_loss"]!.values, "mlm_loss")
        expectClose([Float(step.rtd.loss)], golden["rtd_loss"]!.values, "rtd_loss")
        #expect(step.rtd.replaced == 4 && step.rtd.positions == 30)
        expectClose(Array(UnsafeBufferPointer(start: model.mlmLogits, count: step.predictions * model.V)), golden["mlm_logits"]!.values, "mlm_logits")
        expectClose(Array(UnsafeBufferPointer(start: model.rtdLogits, count: inputs.batch * inputs.length)), golden["rtd_logits"]!.values, "rtd_logits")
        model.zeroGradients()
        model.backward(inputs)
        try expectGradientsMatch(model, golden)
    }

    @Test func tenAdamWStepsMatchPyTorch() throws {
        try expectAdamWMatchesGolden(Self.model(), Self.fixture.inputs(), Self.fixture.golden(), finals: 5)
    }
}
