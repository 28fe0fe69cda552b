import Foundation
import Testing
@testable import PretextTrainer

/// Records a failure naming the worst element when `actual` and `expected` differ by more than
/// atol + rtol·|expected|; atol is 1e-5, or 1e-3 of the tensor's largest magnitude when that is
/// smaller (so a tensor of tiny gradients cannot pass as all zeros). The comparison of the
/// PyTorch reference tests.
func expectClose(_ actual: [Float], _ expected: [Float], _ what: String, rtol: Float = 1e-4, atol: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    let scale = expected.map(abs).max() ?? 0
    let tolerance = scale > 0 ? min(atol, max(1e-3 * scale, 1e-9)) : 1e-9
    var worst: (Float, Int) = (0, -1)
    for i in 0..<min(actual.count, expected.count) {
        let excess = abs(actual[i] - expected[i]) - (tolerance + rtol * abs(expected[i]))
        if excess > worst.0 { worst = (excess, i) }
    }
    #expect(worst.1 < 0, "\(what)[\(worst.1)]: \(worst.1 >= 0 ? actual[worst.1] : 0) vs \(worst.1 >= 0 ? expected[worst.1] : 0)",
            sourceLocation: sourceLocation)
}

/// The losses before each of `steps` AdamW updates on one batch, with the settings of the
/// PyTorch reference scripts (lr 1e-3, betas 0.9/0.999, eps 1e-6, weight decay 0.01 except on
/// biases and LayerNorm). Updates `model` in place.
/// `trainMode`: each forward pass gets a dropout key (the trainer's path), so dropout runs at
/// the config's rates.
func adamWLosses<M: PretrainingModel>(_ model: M, _ inputs: ModelInputs, steps: Int, trainMode: Bool = false) throws -> [Float] where M.Element == Float {
    let optimizer = AdamW<Float>(table: model.table, threads: model.kernelThreads)
    optimizer.epsilon = 1e-6
    optimizer.weightDecay = 0.01
    var losses: [Float] = []
    for step in 0..<steps {
        losses.append(Float(try model.forward(inputs, dropoutKey: trainMode ? UInt64(step) : nil).loss))
        model.zeroGradients()
        model.backward(inputs, scale: 1)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-3)
    }
    return losses
}

/// A folder of Fixtures/ written by benchmarks/tools/torch_reference.py: config.json, batch.json,
/// init.safetensors and golden.safetensors (see Fixtures/README.md).
struct ReferenceFixture {
    let folder: String
    /// batch.json's key of the BERT family's pair labels (`next_sentence_label`,
    /// `sentence_order_label`); nil for a causal model.
    let pairLabels: String?

    init(_ name: String, pairLabels: String? = nil) {
        folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/" + name
        self.pairLabels = pairLabels
    }

    func config() throws -> ModelConfig { try ModelConfig.load(folder + "/config.json") }
    func initial() throws -> [String: SafeTensors.Tensor] { try SafeTensors.read(folder + "/init.safetensors").tensors }
    func golden() throws -> [String: SafeTensors.Tensor] { try SafeTensors.read(folder + "/golden.safetensors").tensors }
    /// The same AdamW steps with the HF model in train mode (`torch_reference.py --golden-train`).
    func goldenTrain() throws -> [String: SafeTensors.Tensor] { try SafeTensors.read(folder + "/golden-train.safetensors").tensors }

    /// batch.json. A causal batch has no token types (all 0) and no pair labels (all −100).
    func inputs() throws -> ModelInputs {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/batch.json"))
        let o = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        func rows(_ k: String) -> [[Int32]]? { (o[k] as? [[NSNumber]])?.map { $0.map(\.int32Value) } }
        let ids = rows("input_ids")!
        let (b, t) = (ids.count, ids[0].count)
        return ModelInputs(batch: b, length: t, inputIDs: ids.flatMap { $0 },
                           tokenTypeIDs: rows("token_type_ids")?.flatMap { $0 } ?? Array(repeating: 0, count: b * t),
                           attentionMask: rows("attention_mask")!.flatMap { $0 }, labels: rows("labels")!.flatMap { $0 },
                           pairLabels: pairLabels.map { (o[$0] as! [NSNumber]).map(\.int32Value) } ?? Array(repeating: -100, count: b))
    }

    /// `model` with the weights of init.safetensors, which must hold exactly the model's tensors.
    func load<M: PretrainingModel>(_ model: M) throws -> M where M.Element == Float {
        let weights = try initial()
        #expect(weights.count == model.table.entries.count)
        try model.table.load(weights, into: model.parameters, source: "init.safetensors")
        return model
    }

    /// A `BertModel` (BERT or ALBERT, as config.json says) sized for batch.json, with the
    /// weights of init.safetensors.
    func bertModel() throws -> BertModel<Float> {
        let batch = try inputs()
        return try load(BertModel<Float>(config: config(), maxBatch: batch.batch, maxLength: batch.length,
                                         maxPredictions: batch.batch * batch.length))
    }
}

/// The values of `buffer`'s tensor `entry` (a parameter or its gradient).
func values(_ buffer: UnsafeMutableBufferPointer<Float>, _ entry: ParameterTable.Entry) -> [Float] {
    Array(UnsafeBufferPointer(rebasing: buffer[entry.offset..<(entry.offset + entry.count)]))
}

/// Every gradient after one forward and backward pass against golden `grad.<name>`. The
/// attention key biases are held to |g| < 1e-6 instead: their gradient is exactly zero in theory
/// (the softmax is invariant to a shift of all of a query's scores), the golden value rounding noise.
func expectGradientsMatch<M: PretrainingModel>(_ model: M, _ golden: [String: SafeTensors.Tensor]) throws where M.Element == Float {
    for e in model.table.entries {
        let expected = try #require(golden["grad." + e.name], "golden lacks grad.\(e.name)").values
        let actual = values(model.gradients, e)
        if e.name.hasSuffix("key.bias") {
            #expect(actual.allSatisfy { abs($0) < 1e-6 }, "\(e.name)")
        } else {
            expectClose(actual, expected, "grad.\(e.name)")
        }
    }
}

/// BERT or ALBERT (`BertModel`) against its golden file: the three losses, the MLM logits at the
/// labelled positions, the pair logits, then every gradient. `pair` is the golden's name of the
/// sentence-pair task ("nsp", "sop").
func expectBertFamilyMatchesGolden(_ model: BertModel<Float>, _ inputs: ModelInputs, _ golden: [String: SafeTensors.Tensor],
                                   pair: String) throws {
    let step = try model.forward(inputs)
    expectClose([Float(step.loss)], golden["loss"]!.values, "loss")
    expectClose([Float(step.mlmLoss)], golden["mlm_loss"]!.values, "mlm_loss")
    expectClose([Float(step.pairLoss)], golden[pair + "_loss"]!.values, pair + "_loss")
    expectClose(Array(UnsafeBufferPointer(start: model.mlmLogits, count: step.predictions * model.V)), golden["mlm_logits"]!.values, "mlm_logits")
    expectClose(Array(UnsafeBufferPointer(start: model.pairLogits, count: step.pairs * 2)), golden[pair + "_logits"]!.values, pair + "_logits")
    model.zeroGradients()
    model.backward(inputs)
    try expectGradientsMatch(model, golden)
}

/// Ten AdamW steps (`adamWLosses`) against the golden `adamw_losses` and the `finals` tensors
/// `final.<name>`. Ten steps of a wrong weight decay (lr·wd = 1e-5 a step) move a LayerNorm
/// weight of ~1 by 1e-4, inside rtol 1e-4; so the final weights are also held to rtol 1e-5,
/// atol 1e-6 (PyTorch float32 vs float64 differ by ≤ 2.2e-7 there).
func expectAdamWMatchesGolden<M: PretrainingModel>(_ model: M, _ inputs: ModelInputs, _ golden: [String: SafeTensors.Tensor],
                                                  finals: Int, trainMode: Bool = false) throws where M.Element == Float {
    let losses = try adamWLosses(model, inputs, steps: 10, trainMode: trainMode)
    expectClose(losses, golden["adamw_losses"]!.values, "adamw_losses")
    let names = golden.keys.filter { $0.hasPrefix("final.") }
    #expect(names.count == finals)
    for name in names {
        let e = try #require(model.table.entry(String(name.dropFirst(6))))
        let actual = values(model.parameters, e)
        expectClose(actual, golden[name]!.values, name)
        expectClose(actual, golden[name]!.values, name + " (rtol 1e-5)", rtol: 1e-5, atol: 1e-6)
    }
}

/// The reference script's AdamW groups: the tensors for which `noDecay` holds get no weight
/// decay, every other tensor (the tied word embedding included) decays.
func expectDecayGroups(_ table: ParameterTable, noDecay: (String) -> Bool) {
    for e in table.entries {
        #expect(e.decays == !noDecay(e.name), "\(e.name): decays \(e.decays), PyTorch group \(noDecay(e.name) ? "no decay" : "decay")")
    }
}
