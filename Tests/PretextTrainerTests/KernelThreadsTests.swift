import Foundation
import Testing
@testable import PretextTrainer

/// The kernel worker pool: every item runs once, and models give the same bits with 1, 2 or 3
/// kernel workers (attention pairs, softmax rows, GELU and LayerNorm ranges split differently).
@Suite struct KernelThreadsTests {
    @Test func everyItemRunsExactlyOnce() {
        let pool = KernelThreads(count: 3)
        for items in [0, 1, 2, 7, 1000] {
            var seen = [Int](repeating: 0, count: items)
            seen.withUnsafeMutableBufferPointer { seen in
                let p = seen.baseAddress
                pool.forEach(items, grain: 3) { _, i in p![i] += 1 }
            }
            #expect(seen.allSatisfy { $0 == 1 }, "items \(items)")
            var covered = [Int](repeating: 0, count: items)
            covered.withUnsafeMutableBufferPointer { covered in
                let p = covered.baseAddress
                pool.forRanges(items, minimum: 10) { range in for i in range { p![i] += 1 } }
            }
            #expect(covered.allSatisfy { $0 == 1 }, "ranges over \(items)")
        }
    }

    /// The loss, every gradient and the parameters after an AdamW step of `make(pool)` for
    /// pools of 1, 2 and 3 workers that split even tiny loops, as bit patterns.
    static func runs<M: PretrainingModel>(_ inputs: ModelInputs, _ make: (KernelThreads) throws -> M) throws -> [[UInt32]] where M.Element == Float {
        try [1, 2, 3].map { workers in
            let model = try make(KernelThreads(count: workers, splitsTinyLoops: true))
            model.initialize(seed: 9)
            model.dropoutSeed = 4
            let step = try model.forward(inputs, dropoutKey: 1)
            model.zeroGradients()
            model.backward(inputs, scale: 1)
            AdamW<Float>(table: model.table, threads: model.kernelThreads).update(parameters: model.parameters, gradients: model.gradients, lr: 1e-2)
            return [Float(step.loss).bitPattern] + model.gradients.map(\.bitPattern) + model.parameters.map(\.bitPattern)
        }
    }

    /// The same bits whatever the worker count: BERT with hidden and attention dropout and
    /// padding, ALBERT, GPT-2 causal.
    @Test func modelsGiveTheSameBitsForAnyWorkerCount() throws {
        let b = BertModelGradientTests.batch()
        let inputs = ModelInputs(batch: b.batch, length: b.length, inputIDs: b.inputIDs, tokenTypeIDs: b.tokenTypeIDs,
                                 attentionMask: b.attentionMask, labels: b.labels, pairLabels: b.pairLabels)
        for config in BertModelGradientTests.configs().prefix(2) {
            let runs = try Self.runs(inputs) { try BertModel<Float>(config: config, maxBatch: 3, maxLength: 7, maxPredictions: 21, kernelThreads: $0) }
            #expect(runs[1] == runs[0] && runs[2] == runs[0], "\(config.modelType)")
        }
        let ids: [Int32] = [1, 5, 9, 3, 11, 7, 2, 14, 6, 3, 18, 4]
        let gptInputs = ModelInputs(batch: 2, length: 6, inputIDs: ids, tokenTypeIDs: [Int32](repeating: 0, count: 12),
                                    attentionMask: [Int32](repeating: 1, count: 12), labels: Array(ids.dropFirst()) + [-100], pairLabels: [-100, -100])
        let gpt = try GPTModelGradientTests.config()
        let runs = try Self.runs(gptInputs) { try GPTModel<Float>(config: gpt, maxBatch: 2, maxLength: 6, kernelThreads: $0) }
        #expect(runs[1] == runs[0] && runs[2] == runs[0], "gpt2")
    }
}
