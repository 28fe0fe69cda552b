import PretextCore
import PretextTrainer

//   pretext-bench electra-trainer [--vocab 30522] [--embedding 128] [--hidden 256] [--layers 4] [--heads 4]
//                                 [--intermediate 1024] [--generator 0.25] [--batch 32] [--length 128] [--steps 5] [--threads 2]
//
// Times ELECTRA training steps (generator forward, sampling, discriminator forward, both
// backward passes, AdamW) of that shape (ELECTRA-Small's with 4 layers) on a synthetic batch
// with 15% labelled positions (85% [MASK], 15% kept), OpenBLAS on --threads threads; prints
// tokens/s, the step's matrix FLOPs (every sgemm call recorded in a warm-up step), the achieved
// GFLOPS and MFU against the replay of exactly those products alone after every timed step —
// the same figures as `pretext-bench trainer` for BERT.
func benchElectraTrainer(_ args: [String]) throws {
    func int(_ name: String, _ d: Int) -> Int { Int(option(name, args) ?? "") ?? d }
    let V = int("--vocab", 30522), E = int("--embedding", 128), H = int("--hidden", 256), L = int("--layers", 4), NH = int("--heads", 4)
    let I = int("--intermediate", 1024), B = int("--batch", 32), T = int("--length", 128), steps = int("--steps", 5), threads = int("--threads", 2)
    let fraction = Double(option("--generator", args) ?? "") ?? 0.25
    OpenBLAS.defaultThreads = threads
    _ = try OpenBLAS.shared()
    var config = ModelConfig(vocabSize: V, hiddenSize: H, numHiddenLayers: L, numAttentionHeads: NH, intermediateSize: I)
    config.modelType = "electra"
    config.embeddingSize = E
    config.generatorHiddenSize = fraction
    config.maxPositionEmbeddings = max(512, T)
    config.attentionProbsDropoutProb = 0
    let perSequence = Int((Double(T) * 0.15).rounded())
    let model = try ElectraModel<Float>(config: config, maxBatch: B, maxLength: T, maxPredictions: B * perSequence)
    model.initialize(seed: 1)
    let optimizer = AdamW<Float>(table: model.table, threads: model.kernelThreads)
    var random = KeyedRandom(seed: 1, purpose: .testData, index: 7)
    var ids = (0..<(B * T)).map { _ in Int32(1000 + random.below(V - 1000)) }
    var labels = [Int32](repeating: -100, count: B * T)
    for b in 0..<B {
        for k in 0..<perSequence {
            let p = b * T + 1 + (k * 6) % (T - 1)
            labels[p] = ids[p]
            if random.unitDouble() < 0.85 { ids[p] = 103 }
        }
    }
    var inputs = ModelInputs(batch: B, length: T, inputIDs: ids, tokenTypeIDs: [Int32](repeating: 0, count: B * T),
                             attentionMask: [Int32](repeating: 1, count: B * T), labels: labels, pairLabels: [Int32](repeating: -100, count: B))
    func trainingStep(_ s: Int) throws {
        inputs.sampleKey = UInt64(s)
        try model.forward(inputs, dropoutKey: UInt64(s))
        model.backward(inputs)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-4)
        model.zeroGradients()
    }
    let (recorder, step, replay, shareOfStep) = try timeSteps(steps, trainingStep)
    print("electra_trainer threads=\(threads) step_s=\(step) tokens_s=\(Double(B * T) / step) gemm_calls=\(recorder.calls.count) "
          + "gemm_gflop=\(recorder.flops / 1e9) achieved_gflops=\(recorder.flops / step / 1e9) same_shapes_replay_s=\(replay) "
          + "same_shapes_peak_gflops=\(recorder.flops / replay / 1e9) mfu_same_shapes=\(shareOfStep) generator_hidden=\(model.generatorConfig.hiddenSize)")
}
