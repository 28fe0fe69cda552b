import Foundation
import PretextCore
import PretextLabeling
import PretextLoader

/// Trains a BERT model on a shard folder: the loader's batches (dynamic or static masks) →
/// forward → backward (micro-batches accumulated) → global-norm clipping → AdamW with warmup
/// and decay. Every step appends a line to `<run>/metrics.jsonl`; checkpoints go to
/// `<run>/checkpoints/step-NNNNNN/` (`model.safetensors` with Hugging Face names,
/// `optimizer.safetensors`, `config.json`, `trainer_state.json` written last); the loss curve
/// to `<run>/loss.svg`.
///
/// Determinism: initial weights from (seed, tensor), dropout from (seed, micro-batch, site),
/// batches from the loader's keys — so a run resumed from a checkpoint logs the same losses
/// as one that never stopped.
public final class Trainer {
    public let run: String
    /// The shard folder, absolute (`TrainingShards.absolute`), and its build's identity: both
    /// recorded in every checkpoint so a resume finds and checks the same build.
    public let shards: String
    public let shardsIdentity: String
    public let options: TrainingOptions
    public let model: TrainableModel
    let optimizer: AdamW<Float>
    let loader: ShardLoader
    public private(set) var step = 0

    /// Sets the step counter (resume).
    func restore(step: Int) { self.step = step }
    public var log: (String) -> Void = { print($0) }

    /// One step's figures (also a metrics.jsonl line).
    public struct Metrics: Sendable {
        public var step: Int
        public var loss, mlmLoss, pairLoss: Double
        public var mlmAccuracy, pairAccuracy: Double?
        public var learningRate: Double
        public var gradientNorm: Double
        public var tokensPerSecond: Double
        public var seconds: Double
        /// ELECTRA's replaced-token detection over the step's micro-batches (nil for other models).
        public var rtd: ReplacedTokenCounts?

        var json: String {
            func f(_ v: Double?) -> String { v.map { $0.isFinite ? String($0) : "null" } ?? "null" }
            var text = "{\"step\": \(step), \"loss\": \(f(loss)), \"mlm_loss\": \(f(mlmLoss)), \"pair_loss\": \(f(pairLoss)), "
                + "\"mlm_accuracy\": \(f(mlmAccuracy)), \"pair_accuracy\": \(f(pairAccuracy)), \"lr\": \(f(learningRate)), "
                + "\"grad_norm\": \(f(gradientNorm)), \"tokens_per_s\": \(f(tokensPerSecond)), \"seconds\": \(f(seconds))"
            if let r = rtd {
                text += ", \"rtd_loss\": \(f(r.loss)), \"rtd_accuracy\": \(f(r.accuracy)), \"rtd_baseline_accuracy\": \(f(r.baselineAccuracy)), "
                    + "\"rtd_precision\": \(f(r.precision)), \"rtd_recall\": \(f(r.recall))"
            }
            return text + "}"
        }
    }
    public private(set) var history: [Metrics] = []

    /// A new run of `config` on `shards`, written to `run`.
    public init(shards: String, config given: ModelConfig, options: TrainingOptions, run: String) throws {
        var config = given
        try options.validate()
        if options.blasThreads > 0 { OpenBLAS.defaultThreads = options.blasThreads }
        self.run = run
        self.shards = TrainingShards.absolute(shards)
        shardsIdentity = try TrainingShards.identity(of: shards)
        self.options = options
        var loaderOptions = LoaderOptions()
        loaderOptions.batchSize = options.batchSize
        loaderOptions.prefetchThreads = 1
        loader = try ShardLoader(folder: shards, options: loaderOptions)
        // Buffers for the longest batch and the most labelled positions a batch can have.
        let perSequence = try Self.maxPredictionsPerSequence(shards: shards, length: loader.maxLength)
        guard (config.modelType == "gpt2") == (loader.task == "causal") else {
            throw TrainingError(message: "a \(config.modelType) model cannot train on \(loader.task) shards (gpt2 needs causal shards; bert, albert and electra the others)")
        }
        // "auto": the shards' vocabulary, the one their token ids index.
        if config.vocabSize == ModelConfig.autoVocabSize { config.vocabSize = loader.vocabularySize }
        if config.modelType == "gpt2", let eod = loader.endOfDocumentID, eod < config.vocabSize {
            // What HF's generate() starts and stops with; GPT-2's default (50256) may not exist here.
            config.bosTokenId = config.bosTokenId ?? eod
            config.eosTokenId = config.eosTokenId ?? eod
        }
        model = try TrainableModel(config: config, maxBatch: options.batchSize, maxLength: loader.maxLength,
                              maxPredictions: options.batchSize * perSequence)
        model.setDropoutSeed(options.seed)
        optimizer = AdamW(table: model.table, threads: model.kernelThreads)
        optimizer.beta1 = options.beta1
        optimizer.beta2 = options.beta2
        optimizer.epsilon = options.epsilon
        optimizer.weightDecay = options.weightDecay
        guard config.vocabSize >= loader.vocabularySize else {
            throw TrainingError(message: "vocab_size \(config.vocabSize) is smaller than the shards' vocabulary \(loader.vocabularySize)")
        }
        model.initialize(seed: options.seed)
        try PosixFile.makeDirectories(run)
    }

    static func maxPredictionsPerSequence(shards: String, length: Int) throws -> Int {
        if let file = try? MaskingFile.read(folder: shards), let cap = file.options.maxPredictions { return min(length, cap) }
        return length
    }

    /// Trains until `options.steps`, logging and checkpointing; returns the metrics of all steps.
    @discardableResult
    public func train() throws -> [Metrics] {
        let metricsPath = run + "/metrics.jsonl"
        let metricsFile = try PosixFile(path: metricsPath, mode: .append)
        defer { try? metricsFile.close() }
        let schedule = options.schedule
        while step < options.steps {
            let start = Date()
            var loss = 0.0, mlm = 0.0, pair = 0.0, mlmCorrect = 0, mlmCount = 0, pairCorrect = 0, pairCount = 0, tokens = 0
            var rtd = ReplacedTokenCounts()
            for micro in 0..<options.accumulation {
                let batch = try loader.next()
                let key = UInt64(step * options.accumulation + micro)
                var inputs = ModelInputs(batch: batch.rows, length: batch.length, inputIDs: batch.inputIDs, tokenTypeIDs: batch.tokenTypeIDs,
                                         attentionMask: batch.attentionMask, labels: batch.labels, pairLabels: batch.pairLabels)
                inputs.sampleKey = key
                let s = try model.forward(inputs, dropoutKey: key)
                model.backward(inputs, scale: 1 / Double(options.accumulation))
                loss += s.loss / Double(options.accumulation)
                mlm += s.mlmLoss / Double(options.accumulation)
                pair += s.pairLoss / Double(options.accumulation)
                mlmCorrect += s.mlmCorrect; mlmCount += s.predictions; pairCorrect += s.pairCorrect; pairCount += s.pairs
                rtd = rtd.adding(s.rtd)
                tokens += batch.tokenCount
            }
            let norm = clipGradients(model.gradients, maxNorm: options.clipNorm)
            let lr = schedule.rate(at: step)
            optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: lr)
            model.zeroGradients()
            step += 1
            guard loss.isFinite else { throw TrainingError(message: "loss is \(loss) at step \(step)") }
            let seconds = Date().timeIntervalSince(start)
            let m = Metrics(step: step, loss: loss, mlmLoss: mlm, pairLoss: pair,
                            mlmAccuracy: mlmCount > 0 ? Double(mlmCorrect) / Double(mlmCount) : nil,
                            pairAccuracy: pairCount > 0 ? Double(pairCorrect) / Double(pairCount) : nil,
                            learningRate: lr, gradientNorm: norm, tokensPerSecond: Double(tokens) / seconds, seconds: seconds,
                            rtd: model.config.modelType == "electra" ? rtd : nil)
            history.append(m)
            try metricsFile.writeAll(Array((m.json + "\n").utf8))
            if step % options.logEvery == 0 || step == 1 || step == options.steps {
                log(m.line(modelType: model.config.modelType))
            }
            if options.checkpointEvery > 0 && step % options.checkpointEvery == 0 && step < options.steps { try saveCheckpoint() }
        }
        try saveCheckpoint()
        try LossCurve.write(metricsPath: metricsPath, to: run + "/loss.svg")
        return history
    }
}

extension Trainer.Metrics {
    /// The progress line of this step: losses and accuracies of the model's objectives.
    func line(modelType: String) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
        if let r = rtd {
            return String(format: "step %5d  loss %.4f  mlm %.4f  mlm acc %@  rtd %.4f  rtd acc %@ (all-original %@)  lr %.2e  |g| %.2f  %.0f tok/s",
                          step, loss, mlmLoss, f(mlmAccuracy), r.loss, f(r.accuracy), f(r.baselineAccuracy), learningRate, gradientNorm, tokensPerSecond)
        }
        let what = modelType == "gpt2" ? "lm" : "mlm"
        return String(format: "step %5d  loss %.4f  %@ %.4f  %@ acc %@  pair %@  lr %.2e  |g| %.2f  %.0f tok/s",
                      step, loss, what, mlmLoss, what, f(mlmAccuracy), f(pairAccuracy), learningRate, gradientNorm, tokensPerSecond)
    }
}
