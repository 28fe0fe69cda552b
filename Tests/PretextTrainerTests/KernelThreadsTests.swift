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

    /// Loss, every gradient and the parameters after an AdamW step bit-identical whatever the kernel worker count (BERT with
    /// hidden and attention dropout, padding; ALBERT; GPT-2 causal).
    @Test func modelsGiveTheSameBitsForAnyWorkerCount() throws {
        let inputs = BertModelGradientTests.batch()
        let floatInputs = ModelInputs(batch: inputs.batch, length: inputs.length, inputIDs: inputs.inputIDs, tokenTypeIDs: inputs.tokenTypeIDs,
                                      attentionMask: inputs.attentionMask, labels: inputs.labels, pairLabels: inputs.pairLabels)
        for config in BertModelGradientTests.configs().prefix(2) {
            var runs: [(Double, [Float])] = []
            for workers in [1, 2, 3] {
                let model = try BertModel<Float>(config: config, maxBatch: 3, maxLength: 7, maxPredictions: 21, kernelThreads: KernelThreads(count: workers, splitsTinyLoops: true))
                model.initialize(seed: 9)
                model.dropoutSeed = 4
                let step = try model.forward(floatInputs, dropoutKey: 1)
                model.zeroGradients()
                model.backward(floatInputs)
                AdamW<Float>(table: model.table, threads: model.kernelThreads).update(parameters: model.parameters, gradients: model.gradients, lr: 1e-2)
                runs.append((step.loss, Array(model.gradients) + Array(model.parameters)))
            }
            #expect(runs.allSatisfy { $0.0.bitPattern == runs[0].0.bitPattern && $0.1.map(\.bitPattern) == runs[0].1.map(\.bitPattern) }, "\(config.modelType)")
        }
        let gpt = try GPTModelGradientTests.config()
        let ids: [Int32] = [1, 5, 9, 3, 11, 7, 2, 14, 6, 3, 18, 4]
        let gptInputs = ModelInputs(batch: 2, length: 6, inputIDs: ids, tokenTypeIDs: [Int32](repeating: 0, count: 12),
                                    attentionMask: [Int32](repeating: 1, count: 12), labels: Array(ids.dropFirst()) + [-100], pairLabels: [-100, -100])
        var runs: [(Double, [Float])] = []
        for workers in [1, 2, 3] {
            let model = try GPTModel<Float>(config: gpt, maxBatch: 2, maxLength: 6, kernelThreads: KernelThreads(count: workers, splitsTinyLoops: true))
            model.initialize(seed: 9)
            model.dropoutSeed = 4
            let step = try model.forward(gptInputs, dropoutKey: 1)
            model.zeroGradients()
            model.backward(gptInputs)
            AdamW<Float>(table: model.table, threads: model.kernelThreads).update(parameters: model.parameters, gradients: model.gradients, lr: 1e-2)
            runs.append((step.loss, Array(model.gradients) + Array(model.parameters)))
        }
        #expect(runs.allSatisfy { $0.0.bitPattern == runs[0].0.bitPattern && $0.1.map(\.bitPattern) == runs[0].1.map(\.bitPattern) }, "gpt2")
    }
}
