import ArgumentParser
import Foundation
import PretextTrainer

/// `pretext train`: pretrain a BERT model on a shard folder.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Pretrain a BERT or ALBERT (masked LM + next-sentence/sentence-order), ELECTRA (generator + replaced-token detection) or GPT-2 (causal LM) model on a shard folder.",
        discussion: """
            Batches come from the dataloader (dynamic masks from masking.json, or the shards'
            static masks); the model is Hugging Face's BertForPreTraining (model_type bert, with
            the masked-LM head only at labelled positions), AlbertForPreTraining (albert:
            factorized embeddings, shared layers), ELECTRA (electra: a generator, ElectraForMaskedLM,
            fills the masked positions with tokens sampled from its MLM distribution and a
            discriminator, ElectraForPreTraining, learns which tokens were replaced; embeddings
            shared; loss = MLM + disc_weight·RTD; the config's generator_hidden_size and
            generator_layers are fractions of the discriminator's width and depth; checkpoints
            hold discriminator/ and generator/, each a HF model folder) or GPT2LMHeadModel (gpt2,
            on causal shards), computed over OpenBLAS. Every step appends loss, MLM and
            pair accuracy, learning rate, gradient norm and tokens/s to <run>/metrics.jsonl;
            <run>/loss.svg is the loss curve; checkpoints (model.safetensors with HF names,
            optimizer state, config.json, trainer_state.json) go to <run>/checkpoints/step-N.
            A model config's vocab_size may be "auto" (the bundled ones are): the model takes the
            shards' vocabulary size, so one config serves every tokenizer; --set field=value
            overrides any field of the config for this run (the checkpoint's config.json holds
            the values trained with).
            --resume continues a run from its newest checkpoint with the same losses as a run
            that never stopped, from any working directory: the run records its shard folder as
            an absolute path and the build's identity (catalog configuration and shard
            checksums); --shards with --resume names the same build's new place after a move
            (another build is refused).

            Examples:
              pretext train --shards shards/demo-bert --model pipelines/models/bert-tiny.json --steps 300 --run runs/demo
              pretext train --resume runs/demo --steps 600
              pretext train --resume runs/demo --shards /data/moved/demo-bert --steps 600
              pretext train --shards shards/gpt-causal --model pipelines/models/gpt-tiny.json --steps 200 --run runs/gpt
              pretext train --shards shards/electra --model pipelines/models/electra-tiny.json --steps 300 --run runs/electra
              pretext train --shards shards/bert-30k --model pipelines/models/bert-tiny.json --set hidden_size=256 --set num_attention_heads=4
            """)

    @Option(help: "Shard folder to train on (with --resume: the run's shards at a new place).")
    var shards: String?

    @Option(help: "Model config JSON (Hugging Face field names; vocab_size \"auto\" or absent takes the shards').")
    var model: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a field of the model config (repeatable), e.g. --set hidden_size=64 --set hidden_dropout_prob=0.", valueName: "field=value"))
    var overrides: [String] = []

    @Option(name: .customLong("run"), help: "Run folder for metrics, curve and checkpoints.")
    var runFolder: String = "runs/train"

    @Option(help: "Continue this run folder from its newest checkpoint.")
    var resume: String?

    @Option(help: "Optimizer steps.")
    var steps: Int?

    @Option(help: "Sequences per micro-batch.")
    var batchSize = 32

    @Option(help: "Micro-batches per optimizer step (gradient accumulation).")
    var accumulation = 1

    @Option(help: "Peak learning rate.")
    var lr = 1e-3

    @Option(help: "Warmup steps: update s (0-based) of the first N uses peak·(s+1)/N, so the first update learns; HF's get_linear_schedule_with_warmup uses peak·s/N (its first update has lr 0). The decay after warmup is HF's.")
    var warmup = 30

    @Option(help: "Decay after warmup: linear, cosine or constant.")
    var decay = "linear"

    @Option(help: "AdamW weight decay (not on biases and LayerNorm).")
    var weightDecay = 0.01

    @Option(help: "Clip the global gradient norm to this (0 = off).")
    var clip = 1.0

    @Option(help: "Seed of the initial weights and dropout.")
    var seed: UInt64 = 1

    @Option(help: "Print a line every N steps.")
    var logEvery = 10

    @Option(help: "Checkpoint every N steps (0 = only at the end).")
    var checkpointEvery = 0

    @Option(help: "OpenBLAS threads, and as many kernel workers for the loops between matrix products (0 = all cores).")
    var blasThreads = 0

    func run() throws {
        // Progress lines appear at once in logs and pipes too (stdout is block-buffered there).
        let log: (String) -> Void = { line in
            print(line)
            fflush(nil)
        }
        let trainer: Trainer
        if let resume {
            guard overrides.isEmpty, model == nil else { throw ValidationError("a resumed run keeps its model config: --model and --set are for new runs") }
            trainer = try Trainer.resume(run: resume, steps: steps, shards: shards)
            trainer.log = log
            print("resuming \(resume) at step \(trainer.step) of \(trainer.options.steps)")
        } else {
            guard let shards, let model else { throw ValidationError("--shards and --model are required (or --resume)") }
            guard let decayKind = LearningRateSchedule.Decay(rawValue: decay) else { throw ValidationError("--decay must be linear, cosine or constant") }
            var o = TrainingOptions()
            o.steps = steps ?? 300
            o.batchSize = batchSize
            o.accumulation = accumulation
            o.learningRate = lr
            o.warmupSteps = warmup
            o.decay = decayKind
            o.weightDecay = weightDecay
            o.clipNorm = clip
            o.seed = seed
            o.logEvery = logEvery
            o.checkpointEvery = checkpointEvery
            o.blasThreads = blasThreads
            guard Trainer.latestCheckpoint(run: runFolder) == nil else {
                throw ValidationError("\(runFolder) already holds a run; use --resume \(runFolder) or another --run")
            }
            try? FileManager.default.removeItem(atPath: runFolder + "/metrics.jsonl")
            trainer = try Trainer(shards: shards, config: try ModelConfig.load(model, overrides: overrides), options: o, run: runFolder)
            trainer.log = log
            let parameters = trainer.model.table.count
            print("training \(parameters) parameters on \(shards) for \(o.steps) steps of \(o.batchSize * o.accumulation) sequences → \(runFolder)")
        }
        let history = try trainer.train()
        try printSummary(trainer, history)
    }

    private func printSummary(_ trainer: Trainer, _ history: [Trainer.Metrics]) throws {
        guard let first = history.first else { return }
        let tail = history.suffix(20)
        let meanMLM = tail.map(\.mlmLoss).reduce(0, +) / Double(tail.count)
        let pair = tail.compactMap(\.pairAccuracy)
        let entropy = try UnigramEntropy.of(folder: trainer.shards)
        let tokensPerSecond = tail.map(\.tokensPerSecond).reduce(0, +) / Double(tail.count)
        print("")
        print("summary (\(trainer.run))")
        let what = trainer.model.config.modelType == "gpt2" ? "LM" : trainer.model.config.modelType == "electra" ? "generator MLM" : "MLM"
        print(String(format: "  %@ loss: step %d %.3f (ln V = %.3f) → last %d steps %.3f", what, first.step, first.mlmLoss, log(Double(trainer.model.config.vocabSize)), tail.count, meanMLM))
        print(String(format: "  unigram entropy of the corpus: %.3f nats → %@ loss is %@ it by %.3f", entropy, what, meanMLM < entropy ? "below" : "ABOVE", abs(entropy - meanMLM)))
        if !pair.isEmpty { print(String(format: "  pair accuracy, last %d steps: %.3f (chance 0.5)", pair.count, pair.reduce(0, +) / Double(pair.count))) }
        let rtd = tail.compactMap(\.rtd).reduce(ReplacedTokenCounts()) { $0.adding($1) }
        if rtd.positions > 0 {
            func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "-" }
            print("  discriminator, last \(tail.count) steps: RTD loss \(f(rtd.loss)), accuracy \(f(rtd.accuracy)) against \(f(rtd.baselineAccuracy)) "
                  + "for always answering original; replaced tokens: precision \(f(rtd.precision)), recall \(f(rtd.recall)) "
                  + "(\(rtd.replaced) of \(rtd.positions) positions replaced)")
        }
        print(String(format: "  %.0f tokens/s; loss curve %@/loss.svg; checkpoint %@", tokensPerSecond, trainer.run, Trainer.latestCheckpoint(run: trainer.run) ?? "-"))
    }
}

/// `pretext eval`: loss and accuracies of a checkpoint on held-out shards.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on a shard folder (no dropout, the same batches every time).",
        discussion: """
            Loads model.safetensors and config.json from a checkpoint folder (or a run folder's
            newest checkpoint) and prints MLM loss and accuracy and pair loss and accuracy (BERT,
            ALBERT), LM loss and next-token accuracy (GPT-2), or the generator's MLM loss and
            accuracy and the discriminator's replaced-token detection — accuracy against the
            baseline of always answering "original", precision and recall on the replaced
            tokens (ELECTRA) — over the first --batches batches of the folder in storage order.

            Example:
              pretext eval --shards shards/demo-bert-heldout --checkpoint runs/demo
            """)

    @Option(help: "Shard folder to evaluate on.")
    var shards: String

    @Option(help: "A checkpoint folder, or a run folder (its newest checkpoint).")
    var checkpoint: String

    @Option(help: "Sequences per batch.")
    var batchSize = 32

    @Option(help: "Batches to evaluate.")
    var batches = 50

    func run() throws {
        let folder = FileManager.default.fileExists(atPath: checkpoint + "/model.safetensors") ? checkpoint : (Trainer.latestCheckpoint(run: checkpoint) ?? checkpoint)
        let model = try CheckpointLoader.model(folder: folder, shards: shards, batchSize: batchSize)
        let r = try Evaluator.evaluate(model: model, shards: shards, batchSize: batchSize, batches: batches)
        if model.config.modelType == "electra" {
            func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
            print(String(format: "%@ on %@: %d batches, generator MLM loss %.6f (ln V = %.3f), MLM accuracy %.4f (%d predictions)",
                         folder, shards, r.batches, r.mlmLoss, log(Double(model.config.vocabSize)), r.mlmAccuracy, r.predictions))
            print("  discriminator: RTD loss \(String(format: "%.6f", r.rtd.loss)), accuracy \(f(r.rtd.accuracy)) (always original: \(f(r.rtd.baselineAccuracy))), "
                  + "precision \(f(r.rtd.precision)), recall \(f(r.rtd.recall)) on replaced tokens (\(r.rtd.replaced) of \(r.rtd.positions) positions)")
        } else if model.config.modelType == "gpt2" {
            // A causal model has one loss, next-token prediction, and no pair head.
            print(String(format: "%@ on %@: %d batches, LM loss %.6f, next-token accuracy %.4f (%d predictions)",
                         folder, shards, r.batches, r.mlmLoss, r.mlmAccuracy, r.predictions))
        } else {
            print(String(format: "%@ on %@: %d batches, MLM loss %.6f, MLM accuracy %.4f (%d predictions), pair loss %.6f, pair accuracy %.4f (%d pairs)",
                         folder, shards, r.batches, r.mlmLoss, r.mlmAccuracy, r.predictions, r.pairLoss, r.pairAccuracy, r.pairs))
        }
    }
}
