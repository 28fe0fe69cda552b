import Foundation
import Testing
import PretextPipeline
import PretextTestSupport
@testable import PretextTrainer

/// Training end to end on real shards: the loss falls, a resumed run logs exactly the losses of
/// an uninterrupted one, and the checkpoint holds Hugging Face names.
@Suite(.serialized) struct TrainerResumeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let shards: String = {
        let en = try! String(contentsOfFile: root + "/corpora/en-sample.txt", encoding: .utf8)
        let corpus = try! TemporaryFolder.shared.file(named: "trainer-corpus.txt", text: en.components(separatedBy: "\n\n").prefix(40).joined(separator: "\n\n"))
        let out = try! TemporaryFolder.shared.folder(named: "trainer-shards")
        var c = PipelineConfig()
        c.inputPaths = [corpus]
        c.tokenizerPath = root + "/Tests/PretextTextTests/Fixtures/wordpiece-2k.tokenizer.json"
        c.maskingMode = .dynamic
        c.maxSequenceLength = 32
        c.outputPath = out
        _ = try! BuildRunner(config: c, threads: 2).run()
        return out
    }()

    static func config() -> ModelConfig {
        var c = ModelConfig(vocabSize: 2000, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32)
        c.maxPositionEmbeddings = 32
        c.hiddenDropoutProb = 0.1
        c.attentionProbsDropoutProb = 0
        return c
    }

    static func options(steps: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.steps = steps
        o.batchSize = 4
        o.accumulation = 2
        o.warmupSteps = 2
        o.learningRate = 3e-3
        o.logEvery = 1000
        return o
    }

    @Test func resumedRunLogsTheSameLosses() throws {
        let straight = try TemporaryFolder.shared.folder(named: "run-straight")
        let full = try Trainer(shards: Self.shards, config: Self.config(), options: Self.options(steps: 8), run: straight)
        full.log = { _ in }
        let reference = try full.train().map(\.loss)
        #expect(reference.count == 8)

        let split = try TemporaryFolder.shared.folder(named: "run-split")
        // A run stopped after step 3 (its final checkpoint), then resumed to 8 steps.
        var stopped = Self.options(steps: 3)
        stopped.checkpointEvery = 3
        let b = try Trainer(shards: Self.shards, config: Self.config(), options: stopped, run: split)
        b.log = { _ in }
        try b.train()
        let resumed = try Trainer.resume(run: split, steps: 8)
        resumed.log = { _ in }
        #expect(resumed.step == 3)
        let rest = try resumed.train().map(\.loss)
        #expect(rest == Array(reference[3...]), "losses after resume differ")
        // metrics.jsonl ends as the uninterrupted run's.
        let lines = try String(contentsOfFile: split + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
    }

    @Test func checkpointHasHuggingFaceNamesAndTheLossFalls() throws {
        let run = try TemporaryFolder.shared.folder(named: "run-names")
        var o = Self.options(steps: 80)
        o.accumulation = 1
        o.batchSize = 8
        o.learningRate = 1e-2
        o.decay = .constant
        let t = try Trainer(shards: Self.shards, config: Self.config(), options: o, run: run)
        t.log = { _ in }
        let history = try t.train()
        let first = history.prefix(3).map(\.mlmLoss).reduce(0, +) / 3, last = history.suffix(3).map(\.mlmLoss).reduce(0, +) / 3
        #expect(last < first - 0.5, "MLM loss \(first) → \(last)")
        let folder = try #require(Trainer.latestCheckpoint(run: run))
        let (weights, metadata) = try SafeTensors.read(folder + "/model.safetensors")
        #expect(metadata["format"] == "pt")
        #expect(weights["bert.encoder.layer.0.attention.self.query.weight"]?.shape == [16, 16])
        #expect(weights["cls.predictions.decoder.weight"] == nil)  // tied to the word embeddings
        #expect(FileManager.default.fileExists(atPath: run + "/loss.svg"))
        let evaluated = try Evaluator.evaluate(model: try CheckpointLoader.model(folder: folder, shards: Self.shards, batchSize: 4),
                                               shards: Self.shards, batchSize: 4, batches: 5)
        #expect(evaluated.batches == 5 && evaluated.mlmLoss.isFinite)
    }
}
