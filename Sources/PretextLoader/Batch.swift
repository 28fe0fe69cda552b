/// One batch, row-major `[rows × length]` buffers of `Int32` as a model consumes them.
///
/// - `inputIDs`: token ids, `padID` after each row's end;
/// - `tokenTypeIDs`: 0 for segment A (and padding), 1 from segment B's first token;
/// - `attentionMask`: 1 on real tokens, 0 on padding;
/// - `labels`: the original id where a prediction is wanted (masked positions for masked LM,
///   the next token for causal LM), −100 elsewhere (PyTorch's ignore index);
/// - `pairLabels[row]`: 0 = B follows A, 1 = random/swapped, −100 when the task has no pair;
/// - `sampleIndices[row]`: the global record index (position in the shard set) of the row.
public struct Batch: Sendable, Equatable {
    public static let ignoreIndex: Int32 = -100

    public var rows: Int
    public var length: Int
    public var inputIDs: [Int32]
    public var tokenTypeIDs: [Int32]
    public var attentionMask: [Int32]
    public var labels: [Int32]
    public var pairLabels: [Int32]
    public var sampleIndices: [UInt64]
    /// Epoch and rank-local batch number this batch is.
    public var epoch: UInt64
    public var number: Int

    /// Row `r` of a `[rows × length]` buffer.
    public func row(_ buffer: [Int32], _ r: Int) -> ArraySlice<Int32> { buffer[(r * length)..<((r + 1) * length)] }

    /// Real (non-padding) tokens.
    public var tokenCount: Int { attentionMask.reduce(0) { $0 + Int($1) } }
}
