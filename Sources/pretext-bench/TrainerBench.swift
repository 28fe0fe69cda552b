import PretextCore
import PretextTrainer

//   pretext-bench trainer [--vocab 30522] [--hidden 256] [--layers 4] [--heads 4] [--intermediate 1024]
//                         [--batch 32] [--length 128] [--steps 5] [--threads 2]
//
// Times training steps (forward, backward, AdamW) of a BERT of that shape on a synthetic batch
// with 15% labelled positions and NSP labels, OpenBLAS on --threads threads; prints tokens/s,
// the model's matrix FLOPs per step (forward + backward = 3 × forward), the achieved GFLOPS,
// two sgemm peaks and MFU against each: the best of the model's largest shapes run alone, and
// the replay of exactly the step's recorded products (GemmRecorder), timed after every step.
func benchTrainer(_ args: [String]) throws {
    func int(_ name: String, _ d: Int) -> Int { Int(option(name, args) ?? "") ?? d }
    let V = int("--vocab", 30522), H = int("--hidden", 256), L = int("--layers", 4), NH = int("--heads", 4), I = int("--intermediate", 1024)
    let B = int("--batch", 32), T = int("--length", 128), steps = int("--steps", 5), threads = int("--threads", 2)
    OpenBLAS.defaultThreads = threads
    _ = try OpenBLAS.shared()
    var config = ModelConfig(vocabSize: V, hiddenSize: H, numHiddenLayers: L, numAttentionHeads: NH, intermediateSize: I)
    config.maxPositionEmbeddings = max(512, T)
    config.attentionProbsDropoutProb = 0
    let perSequence = Int((Double(T) * 0.15).rounded())
    let model = try BertModel<Float>(config: config, maxBatch: B, maxLength: T, maxPredictions: B * perSequence)
    model.initialize(seed: 1)
    let optimizer = AdamW<Float>(table: model.table, threads: model.kernelThreads)
    var random = KeyedRandom(seed: 1, purpose: .testData, index: 7)
    let ids = (0..<(B * T)).map { _ in Int32(1000 + random.below(V - 1000)) }
    var labels = [Int32](repeating: -100, count: B * T)
    for b in 0..<B { for k in 0..<perSequence { let p = b * T + 1 + (k * 6) % (T - 1); labels[p] = ids[p] } }
    let inputs = BertModel<Float>.Inputs(batch: B, length: T, inputIDs: ids, tokenTypeIDs: (0..<(B * T)).map { Int32(($0 % T) >= T / 2 ? 1 : 0) },
                                         attentionMask: [Int32](repeating: 1, count: B * T), labels: labels,
                                         pairLabels: (0..<B).map { Int32($0 % 2) })
    func trainingStep(_ s: Int) throws {
        try model.forward(inputs, dropoutKey: UInt64(s))
        model.backward(inputs)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-4)
        model.zeroGradients()
    }
    // The step's matrix products, recorded once (a warm-up step), then replayed alone after
    // every timed step: the sgemm time for exactly the same shapes, measured within seconds
    // of the step it is compared with (this machine's speed drifts by tens of percent).
    let (recorder, step, replay, shareOfStep) = try timeSteps(steps, trainingStep)
    let M = Double(B * T), P = Double(B * perSequence), h = Double(H), i = Double(I), v = Double(V)
    let perLayer = 2 * M * h * 3 * h + 4 * Double(B) * Double(T * T) * h + 2 * M * h * h + 4 * M * h * i
    let forward = Double(L) * perLayer + 2 * P * h * h + 2 * P * h * v + 2 * Double(B) * h * h
    let flops = 3 * forward
    // sgemm peak on the model's largest shapes (QKV, FFN up, FFN down, decoder), best of 7 each.
    func gflops(_ m: Int, _ n: Int, _ k: Int) -> Double {
        let a = [Float](repeating: 0.5, count: m * k), bm = [Float](repeating: 0.25, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<7 {
            let t0 = now()
            Float.gemm(false, true, m, n, k, 1, a, k, bm, k, 0, &c, n)
            best = min(best, now() - t0)
        }
        return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
    }
    let shapes = [(B * T, 3 * H, H), (B * T, I, H), (B * T, H, I), (B * perSequence, V, H)]
    let peak = shapes.map { gflops($0.0, $0.1, $0.2) }.max() ?? 1
    let achieved = flops / step / 1e9
    print("trainer threads=\(threads) step_s=\(step) tokens_s=\(Double(B * T) / step) gflop_per_step=\(flops / 1e9) achieved_gflops=\(achieved) "
          + "sgemm_peak_gflops=\(peak) mfu=\(achieved / peak) gemm_calls=\(recorder.calls.count) gemm_gflop=\(recorder.flops / 1e9) "
          + "same_shapes_replay_s=\(replay) same_shapes_peak_gflops=\(recorder.flops / replay / 1e9) mfu_same_shapes=\(shareOfStep)")
}

/// Times `steps` training steps after one warm-up step that records the step's matrix products
/// (`GemmRecorder`), replaying them alone after every timed step. Returns the recorder, the
/// median step and replay seconds, and the median share replay / step.
func timeSteps(_ steps: Int, _ trainingStep: (Int) throws -> Void) throws -> (GemmRecorder, Double, Double, Double) {
    let recorder = GemmRecorder()
    GemmRecorder.active = recorder
    try trainingStep(0)
    GemmRecorder.active = nil
    var times: [Double] = [], replays: [Double] = []
    for s in 1...steps {
        let start = now()
        try trainingStep(s)
        times.append(now() - start)
        replays.append(recorder.replay())
    }
    let share = zip(replays, times).map { $0 / $1 }.sorted()[times.count / 2]
    return (recorder, times.sorted()[times.count / 2], replays.sorted()[replays.count / 2], share)
}
