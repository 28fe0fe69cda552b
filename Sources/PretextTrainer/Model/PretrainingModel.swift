/// What the trainer needs of a model (BERT, GPT): its tensors in one arena with their
/// gradients, and paired forward/backward passes over a batch.
public protocol PretrainingModel<Element>: AnyObject {
    associatedtype Element: TrainerFloat
    var config: ModelConfig { get }
    var table: ParameterTable { get }
    var parameters: UnsafeMutableBufferPointer<Element> { get }
    var gradients: UnsafeMutableBufferPointer<Element> { get }
    var maxBatch: Int { get }
    var maxLength: Int { get }
    var dropoutSeed: UInt64 { get set }
    /// The workers of the model's loops between matrix products (the optimizer uses them too).
    var kernelThreads: KernelThreads { get }
    /// Forward pass and loss; `dropoutKey` (a micro-batch counter) switches dropout on.
    func forward(_ inputs: ModelInputs, dropoutKey: UInt64?) throws -> ModelStep
    /// Adds the gradients of `scale · loss` of the last forward pass (same inputs).
    func backward(_ inputs: ModelInputs, scale: Double)
    func zeroGradients()
    func initialize(seed: UInt64)
}

/// One batch, row-major `[batch × length]`: labels −100 where no prediction (masked LM: the
/// original id at masked positions; causal LM: the next token); pair labels −100 for rows
/// without a pair (and for every row of a causal model).
public struct ModelInputs: Sendable {
    public var batch: Int, length: Int
    public var inputIDs: [Int32], tokenTypeIDs: [Int32], attentionMask: [Int32], labels: [Int32], pairLabels: [Int32]
    /// Keys the randomness a model draws from the batch itself (ELECTRA's generator samples):
    /// the trainer's micro-batch counter, the evaluator's batch number.
    public var sampleKey: UInt64 = 0
    public init(batch: Int, length: Int, inputIDs: [Int32], tokenTypeIDs: [Int32], attentionMask: [Int32], labels: [Int32], pairLabels: [Int32]) {
        self.batch = batch; self.length = length; self.inputIDs = inputIDs; self.tokenTypeIDs = tokenTypeIDs
        self.attentionMask = attentionMask; self.labels = labels; self.pairLabels = pairLabels
    }
}

extension ModelInputs {
    /// Throws unless the batch fits the model's `maxBatch × maxLength` buffers and the
    /// buffers hold `batch × length` values (with `pairs`, token types and `batch` pair
    /// labels too).
    func checkShape(maxBatch: Int, maxLength: Int, pairs: Bool) throws {
        let M = batch * length
        guard batch <= maxBatch && length <= maxLength && batch > 0 && length > 0 else {
            throw ModelShapeError(message: "batch \(batch) × \(length) exceeds the model's buffers \(maxBatch) × \(maxLength)")
        }
        guard inputIDs.count == M, attentionMask.count == M, labels.count == M,
              !pairs || (tokenTypeIDs.count == M && pairLabels.count == batch) else {
            throw ModelShapeError(message: "input buffers do not match \(batch) × \(length)")
        }
    }

    /// Throws on a token id outside `0 ..< vocabulary` or a token type outside `0 ..< types`.
    func checkIDs(vocabulary: Int, types: Int) throws {
        for id in inputIDs where id < 0 || Int(id) >= vocabulary { throw ModelShapeError(message: "token id \(id) outside the vocabulary of \(vocabulary)") }
        for tt in tokenTypeIDs where tt < 0 || Int(tt) >= types { throw ModelShapeError(message: "token type \(tt) outside 0..<\(types)") }
    }

    /// Writes the labelled positions (labels ≠ −100), row-major, to `rows` and their labels
    /// to `targets`, and returns how many; throws on a label outside `0 ..< vocabulary` or
    /// more than `limit` of them.
    func gatherLabels(rows: UnsafeMutablePointer<Int>, targets: UnsafeMutablePointer<Int32>, limit: Int, vocabulary: Int) throws -> Int {
        var n = 0
        for r in labels.indices where labels[r] != -100 {
            guard n < limit else { throw ModelShapeError(message: "more than \(limit) labelled positions in a batch") }
            guard labels[r] >= 0 && Int(labels[r]) < vocabulary else { throw ModelShapeError(message: "label \(labels[r]) outside the vocabulary") }
            rows[n] = r; targets[n] = labels[r]; n += 1
        }
        return n
    }
}

/// What a forward pass computed: losses (the LM loss of a causal model is `mlmLoss`, the
/// generator's of ELECTRA too) and correct predictions, for the backward pass and the metrics.
public struct ModelStep: Sendable {
    public var batch = 0, length = 0
    public var predictions = 0, pairs = 0
    public var loss: Double = 0, mlmLoss: Double = 0, pairLoss: Double = 0
    public var mlmCorrect = 0, pairCorrect = 0
    /// ELECTRA's replaced-token detection: mean binary cross-entropy over the `rtdPositions`
    /// non-padding positions, and the counts behind accuracy, precision and recall (a position
    /// is predicted replaced when its logit is > 0).
    public var rtd = ReplacedTokenCounts()
    public var dropoutKey: UInt64? = nil
    public init() {}
}

public struct ModelShapeError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "model: \(message)" }
}

/// Replaced-token detection over some positions: the discriminator's loss and its confusion
/// counts. Sums over batches (`adding`) with the loss weighted by positions.
public struct ReplacedTokenCounts: Sendable, Equatable {
    public var loss = 0.0
    /// Non-padding positions judged; of them, replaced by the generator (label 1); predicted
    /// replaced; both (true positives); predicted right (either label).
    public var positions = 0, replaced = 0, predictedReplaced = 0, truePositives = 0, correct = 0
    public init() {}

    public var accuracy: Double? { positions > 0 ? Double(correct) / Double(positions) : nil }
    /// Of the positions predicted replaced, the share that was (nil when none was predicted).
    public var precision: Double? { predictedReplaced > 0 ? Double(truePositives) / Double(predictedReplaced) : nil }
    /// Of the replaced positions, the share found (nil when none was replaced).
    public var recall: Double? { replaced > 0 ? Double(truePositives) / Double(replaced) : nil }
    /// The accuracy of always answering "original": the share of positions not replaced.
    public var baselineAccuracy: Double? { positions > 0 ? Double(positions - replaced) / Double(positions) : nil }

    /// The counts of both, the loss averaged over all their positions.
    public func adding(_ o: ReplacedTokenCounts) -> ReplacedTokenCounts {
        var r = ReplacedTokenCounts()
        r.positions = positions + o.positions
        r.loss = r.positions > 0 ? (loss * Double(positions) + o.loss * Double(o.positions)) / Double(r.positions) : 0
        r.replaced = replaced + o.replaced; r.predictedReplaced = predictedReplaced + o.predictedReplaced
        r.truePositives = truePositives + o.truePositives; r.correct = correct + o.correct
        return r
    }
}
