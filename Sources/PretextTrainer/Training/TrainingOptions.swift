/// How `pretext train` trains: steps, batches, optimizer, schedule, logging and checkpoints.
public struct TrainingOptions: Sendable, Equatable {
    public var steps = 300
    public var batchSize = 32
    /// Micro-batches whose gradients are summed (averaged) before each update.
    public var accumulation = 1
    public var learningRate = 1e-3
    public var warmupSteps = 30
    public var decay = LearningRateSchedule.Decay.linear
    public var weightDecay = 0.01
    public var clipNorm = 1.0
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-6
    /// Seed of the initial weights and of dropout (the loader's shuffle and masks use the build's).
    public var seed: UInt64 = 1
    /// Print a line every `logEvery` steps (metrics.jsonl gets every step).
    public var logEvery = 10
    /// Save a checkpoint every `checkpointEvery` steps (0 = only at the end).
    public var checkpointEvery = 0
    /// Threads of OpenBLAS (0 = its default: all cores).
    public var blasThreads = 0

    public init() {}

    public func validate() throws {
        func fail(_ m: String) -> TrainingError { TrainingError(message: m) }
        guard steps >= 1, batchSize >= 1, accumulation >= 1 else { throw fail("steps, batch size and accumulation must be at least 1") }
        guard learningRate > 0, warmupSteps >= 0, weightDecay >= 0, clipNorm >= 0 else { throw fail("learning rate > 0, warmup, weight decay and clip ≥ 0") }
        guard logEvery >= 1, checkpointEvery >= 0, blasThreads >= 0 else { throw fail("log-every ≥ 1, checkpoint-every ≥ 0, blas-threads ≥ 0") }
    }

    var schedule: LearningRateSchedule { LearningRateSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: steps, decay: decay) }
}

/// A training run that cannot start or continue, with the reason.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "train: \(message)" }
}
