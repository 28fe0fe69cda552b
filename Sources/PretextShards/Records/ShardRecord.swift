/// One training instance as stored in a shard.
///
/// Invariants (checked by `BlockBuilder.append`, through which every writer goes, and by
/// readers):
/// - `tokens` is the whole sequence, special tokens included, at most `UInt32.max` long;
/// - `segmentBoundary` (pair and segment schemas only) is the index of the first token of
///   segment B, `0 < segmentBoundary <= tokens.count` (equal to it when there is no B); token
///   type ids are 0 before it and 1 from it;
/// - `pairLabel` (pair schemas only): 0 = B follows A (NSP "is next", SOP "in order"),
///   1 = B is random (NSP) or swapped (SOP);
/// - `maskedPositions` (static masking) are strictly increasing indices into `tokens`, and
///   `maskedIDs[i]` is the original id at `maskedPositions[i]` (the stored token there is
///   the replacement: `[MASK]`, a random id, or the original);
/// - `inputOrdinal`/`documentOrdinal` name the source document (provenance).
public struct ShardRecord: Equatable, Sendable {
    public var tokens: [UInt32]
    public var segmentBoundary: UInt32?
    public var pairLabel: UInt8?
    public var maskedPositions: [UInt32]
    public var maskedIDs: [UInt32]
    public var inputOrdinal: UInt32
    public var documentOrdinal: UInt64

    public init(
        tokens: [UInt32],
        segmentBoundary: UInt32? = nil,
        pairLabel: UInt8? = nil,
        maskedPositions: [UInt32] = [],
        maskedIDs: [UInt32] = [],
        inputOrdinal: UInt32,
        documentOrdinal: UInt64
    ) {
        self.tokens = tokens
        self.segmentBoundary = segmentBoundary
        self.pairLabel = pairLabel
        self.maskedPositions = maskedPositions
        self.maskedIDs = maskedIDs
        self.inputOrdinal = inputOrdinal
        self.documentOrdinal = documentOrdinal
    }
}
