import Foundation
import PretextCore
import Testing
import PretextTestSupport
@testable import PretextTrainer

/// ELECTRA through the trainer on real shards (dynamic masks): a resumed run logs the same
/// metrics and ends with the same checkpoint bytes as an uninterrupted one, the checkpoint
/// holds the two Hugging Face folders, the discriminator learns, and eval reports its figures.
@Suite(.serialized) struct ElectraTrainerTests {
    static func config() -> ModelConfig {
        var c = ModelConfig(vocabSize: ModelConfig.autoVocabSize, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32)
        c.modelType = "electra"
        c.embeddingSize = 8
        c.generatorHiddenSize = 0.5
        c.maxPositionEmbeddings = 32
        c.hiddenDropoutProb = 0.1
        c.attentionProbsDropoutProb = 0
        return c
    }

    static func options(steps: Int) -> TrainingOptions {
        var o = TrainerResumeTests.options(steps: steps)
        o.learningRate = 3e-3
        return o
    }

    static func files(_ folder: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for name in ["discriminator/model.safetensors", "discriminator/config.json", "generator/model.safetensors", "generator/config.json",
                     "optimizer.safetensors", "config.json"] {
            out[name] = try PosixFile(path: folder + "/" + name, mode: .readOnly).readAll()
        }
        return out
    }

    @Test func resumedRunGivesTheSameMetricsAndCheckpoint() throws {
        let straight = try TemporaryFolder.shared.folder(named: "electra-straight")
        let full = try Trainer(shards: TrainerResumeTests.shards, config: Self.config(), options: Self.options(steps: 6), run: straight)
        full.log = { _ in }
        let reference = try full.train()
        #expect(reference.allSatisfy { $0.rtd != nil && $0.rtd!.positions > 0 })

        let split = try TemporaryFolder.shared.folder(named: "electra-split")
        var stopped = Self.options(steps: 2)
        stopped.checkpointEvery = 2
        let first = try Trainer(shards: TrainerResumeTests.shards, config: Self.config(), options: stopped, run: split)
        first.log = { _ in }
        try first.train()
        let resumed = try Trainer.resume(run: split, steps: 6)
        resumed.log = { _ in }
        #expect(resumed.step == 2)
        let rest = try resumed.train()
        #expect(rest.map(\.loss) == Array(reference[2...]).map(\.loss))
        #expect(rest.map(\.rtd) == Array(reference[2...]).map(\.rtd))
        let a = try #require(Trainer.latestCheckpoint(run: straight)), b = try #require(Trainer.latestCheckpoint(run: split))
        #expect(try Self.files(a) == Self.files(b), "checkpoint bytes differ after resume")
    }

    @Test func checkpointHoldsBothHuggingFaceModelsAndTheDiscriminatorLearns() throws {
        let run = try TemporaryFolder.shared.folder(named: "electra-learns")
        var o = Self.options(steps: 60)
        o.accumulation = 1
        o.batchSize = 8
        o.learningRate = 1e-2
        o.decay = .constant
        let t = try Trainer(shards: TrainerResumeTests.shards, config: Self.config(), options: o, run: run)
        t.log = { _ in }
        let history = try t.train()
        let tail = history.suffix(10).compactMap(\.rtd).reduce(ReplacedTokenCounts()) { $0.adding($1) }
        // Beyond the prior: the RTD loss below the binary entropy of the replaced share (what a
        // discriminator that only learned how often tokens are replaced would reach).
        let p = Double(tail.replaced) / Double(tail.positions), prior = -(p * log(p) + (1 - p) * log(1 - p))
        #expect(tail.loss < prior - 0.005, "RTD loss \(tail.loss), prior entropy \(prior), accuracy \(tail.accuracy ?? 0) vs \(tail.baselineAccuracy ?? 0)")
        let folder = try #require(Trainer.latestCheckpoint(run: run))
        let discriminator = try SafeTensors.read(folder + "/discriminator/model.safetensors").tensors
        let generator = try SafeTensors.read(folder + "/generator/model.safetensors").tensors
        #expect(discriminator["electra.embeddings.word_embeddings.weight"] == generator["electra.embeddings.word_embeddings.weight"])
        #expect(generator["generator_lm_head.weight"] == generator["electra.embeddings.word_embeddings.weight"])
        #expect(discriminator["discriminator_predictions.dense_prediction.weight"]?.shape == [1, 16])
        #expect(generator["electra.encoder.layer.0.attention.self.query.weight"]?.shape == [8, 8])
        #expect(!discriminator.keys.contains { $0.hasPrefix("discriminator.") || $0.hasPrefix("generator") })
        let generatorConfig = try ModelConfig.load(folder + "/generator/config.json")
        #expect(generatorConfig.architectures == ["ElectraForMaskedLM"] && generatorConfig.hiddenSize == 8 && generatorConfig.embeddingWidth == 8)
        #expect(try ModelConfig.load(folder + "/discriminator/config.json").architectures == ["ElectraForPreTraining"])
        #expect(try ModelConfig.load(folder + "/config.json").generatorHiddenSize == 0.5)
        let svg = try String(contentsOfFile: run + "/loss.svg", encoding: .utf8)
        #expect(svg.contains("discriminator RTD loss") && svg.contains("generator MLM loss"))
        let model = try CheckpointLoader.model(folder: folder, shards: TrainerResumeTests.shards, batchSize: 4)
        let evaluated = try Evaluator.evaluate(model: model, shards: TrainerResumeTests.shards, batchSize: 4, batches: 5)
        #expect(evaluated.batches == 5 && evaluated.rtd.positions > 0 && evaluated.rtd.accuracy != nil)
        let again = try Evaluator.evaluate(model: model, shards: TrainerResumeTests.shards, batchSize: 4, batches: 5)
        #expect(again.rtd == evaluated.rtd && again.mlmLoss == evaluated.mlmLoss, "evaluation is deterministic")
    }
}
