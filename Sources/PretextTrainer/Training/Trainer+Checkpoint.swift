import Foundation
import PretextCore
import PretextLoader

extension Trainer {
    static let checkpointFolder = "checkpoints"

    /// `<run>/checkpoints/step-NNNNNN`.
    func checkpointPath(_ step: Int) -> String {
        let s = String(step)
        return run + "/\(Self.checkpointFolder)/step-" + String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// Writes the model (Hugging Face names: the folder loads with `BertForPreTraining.
    /// from_pretrained`; ELECTRA's two networks in `discriminator/` and `generator/`), the AdamW moments, the config and the trainer state with the loader's
    /// position into `checkpoints/.step-NNNNNN.partial`, then renames that folder to
    /// `step-NNNNNN`: a process killed while saving leaves no half-written checkpoint, only a
    /// hidden staging folder, which the next save removes.
    public func saveCheckpoint() throws {
        let folder = checkpointPath(step)
        let parent = run + "/" + Self.checkpointFolder
        let staging = parent + "/." + (folder.split(separator: "/").last.map(String.init) ?? "step") + ".partial"
        try PosixFile.makeDirectories(parent)
        for name in try PosixFile.listDirectory(parent) where name.hasPrefix(".step-") && name.hasSuffix(".partial") {
            try Self.removeTree(parent + "/" + name)
        }
        try PosixFile.makeDirectories(staging)
        var weights: [String: SafeTensors.Tensor] = [:], moments: [String: SafeTensors.Tensor] = [:]
        for e in model.table.entries {
            func values(_ p: UnsafeMutableBufferPointer<Float>) -> [Float] { Array(UnsafeBufferPointer(rebasing: p[e.offset..<(e.offset + e.count)])) }
            weights[e.name] = .init(shape: e.shape, values: values(model.parameters))
            moments["exp_avg." + e.name] = .init(shape: e.shape, values: values(optimizer.m))
            moments["exp_avg_sq." + e.name] = .init(shape: e.shape, values: values(optimizer.v))
        }
        for part in TrainableModel.huggingFaceFolders(config: model.config, weights: weights) {
            let folder = part.subfolder.isEmpty ? staging : staging + "/" + part.subfolder
            try PosixFile.makeDirectories(folder)
            try SafeTensors.write(part.weights, metadata: ["format": "pt"], to: folder + "/model.safetensors")
            try PosixFile.writeAtomically(Array(part.config.json.utf8), to: folder + "/config.json")
            if !part.subfolder.isEmpty { try PosixFile.syncDirectory(folder) }
        }
        try SafeTensors.write(moments, metadata: ["step": String(optimizer.step)], to: staging + "/optimizer.safetensors")
        // The run's config (for ELECTRA with the generator's fraction and λ, which the two HF
        // configs do not carry): what --resume reads.
        try PosixFile.writeAtomically(Array(model.config.json.utf8), to: staging + "/config.json")
        let state: [String: Any] = ["format": "pretext-trainer-state-1", "step": step, "optimizer_step": optimizer.step, "shards": shards, "shards_identity": shardsIdentity,
                                    "loader": loader.state().json, "options": options.dictionary]
        let data = try JSONSerialization.data(withJSONObject: state, options: [.prettyPrinted, .sortedKeys])
        try PosixFile.writeAtomically([UInt8](data), to: staging + "/trainer_state.json")
        try PosixFile.syncDirectory(staging)
        // A folder of this step already there is an earlier save of the same state (a resumed
        // run passing the step again): replaced whole.
        if PosixFile.exists(folder) { try Self.removeTree(folder) }
        try PosixFile.rename(staging, to: folder)
        try PosixFile.syncDirectory(parent)
    }

    /// Removes a folder and everything in it; a missing one is not an error.
    static func removeTree(_ path: String) throws {
        guard PosixFile.exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw TrainingError(message: "cannot remove \(path): \(error.localizedDescription)")
        }
    }

    /// The newest complete checkpoint of `run` (one with trainer_state.json), or nil.
    public static func latestCheckpoint(run: String) -> String? {
        let folder = run + "/" + checkpointFolder
        guard let names = try? PosixFile.listDirectory(folder) else { return nil }
        return names.filter { $0.hasPrefix("step-") && PosixFile.exists(folder + "/" + $0 + "/trainer_state.json") }.sorted().last.map { folder + "/" + $0 }
    }

    /// Continues `run` from its newest checkpoint: same shards, config and options (with
    /// `steps` raised to `steps` when given). The shards are the recorded folder, or `shards`
    /// when given (the same build, moved: checked by `TrainingShards.resolve`). The metrics of
    /// later steps are dropped from metrics.jsonl, so the file ends as an uninterrupted run's would.
    public static func resume(run: String, steps: Int? = nil, shards override: String? = nil) throws -> Trainer {
        guard let checkpoint = latestCheckpoint(run: run) else { throw TrainingError(message: "\(run) holds no complete checkpoint") }
        guard let data = FileManager.default.contents(atPath: checkpoint + "/trainer_state.json"),
              let state = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              state["format"] as? String == "pretext-trainer-state-1",
              let step = state["step"] as? Int, let optimizerStep = state["optimizer_step"] as? Int,
              let shards = state["shards"] as? String, let loaderState = state["loader"] as? String,
              let optionValues = state["options"] as? [String: Any] else {
            throw TrainingError(message: "\(checkpoint)/trainer_state.json is not a trainer state")
        }
        var options = try TrainingOptions(dictionary: optionValues)
        if let steps { options.steps = steps }
        let folder = try TrainingShards.resolve(recorded: shards, identity: state["shards_identity"] as? String, override: override, run: run)
        let config = try ModelConfig.load(checkpoint + "/config.json")
        let trainer = try Trainer(shards: folder, config: config, options: options, run: run)
        try trainer.load(checkpoint: checkpoint, step: step, optimizerStep: optimizerStep, loaderState: try LoaderState(json: loaderState))
        // metrics.jsonl: keep the lines of steps ≤ step.
        let metrics = run + "/metrics.jsonl"
        if let text = try? String(contentsOfFile: metrics, encoding: .utf8) {
            let kept = text.split(separator: "\n").filter { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let s = o["step"] as? Int else { return false }
                return s <= step
            }
            try PosixFile.writeAtomically(Array((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8), to: metrics)
        }
        return trainer
    }

    func load(checkpoint: String, step: Int, optimizerStep: Int, loaderState: LoaderState) throws {
        let moments = try SafeTensors.read(checkpoint + "/optimizer.safetensors").tensors
        try model.table.load(try TrainableModel.readWeights(folder: checkpoint, config: model.config), into: model.parameters, source: checkpoint)
        try model.table.load(moments, prefix: "exp_avg.", into: optimizer.m, source: checkpoint)
        try model.table.load(moments, prefix: "exp_avg_sq.", into: optimizer.v, source: checkpoint)
        optimizer.restore(step: optimizerStep)
        try loader.restore(loaderState)
        restore(step: step)
    }
}

extension TrainingOptions {
    var dictionary: [String: Any] {
        ["steps": steps, "batch_size": batchSize, "accumulation": accumulation, "learning_rate": learningRate, "warmup_steps": warmupSteps,
         "decay": decay.rawValue, "weight_decay": weightDecay, "clip_norm": clipNorm, "beta1": beta1, "beta2": beta2, "epsilon": epsilon,
         "seed": seed, "log_every": logEvery, "checkpoint_every": checkpointEvery, "blas_threads": blasThreads]
    }

    init(dictionary d: [String: Any]) throws {
        self.init()
        func int(_ k: String) throws -> Int {
            guard let v = d[k] as? NSNumber else { throw TrainingError(message: "trainer state: option \(k) missing") }
            return v.intValue
        }
        func double(_ k: String) throws -> Double {
            guard let v = d[k] as? NSNumber else { throw TrainingError(message: "trainer state: option \(k) missing") }
            return v.doubleValue
        }
        steps = try int("steps"); batchSize = try int("batch_size"); accumulation = try int("accumulation")
        learningRate = try double("learning_rate"); warmupSteps = try int("warmup_steps")
        guard let decayName = d["decay"] as? String, let decay = LearningRateSchedule.Decay(rawValue: decayName) else { throw TrainingError(message: "trainer state: decay") }
        self.decay = decay
        weightDecay = try double("weight_decay"); clipNorm = try double("clip_norm")
        beta1 = try double("beta1"); beta2 = try double("beta2"); epsilon = try double("epsilon")
        seed = (d["seed"] as? NSNumber)?.uint64Value ?? 1
        logEvery = try int("log_every"); checkpointEvery = try int("checkpoint_every"); blasThreads = try int("blas_threads")
        try validate()
    }
}
