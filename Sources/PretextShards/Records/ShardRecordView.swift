/// A record whose arrays live elsewhere (a labeling thread's scratch buffers, or a
/// `ShardRecord`'s own arrays), valid only while that storage is: what the writer validates
/// and encodes, so that no record needs arrays of its own on the way to a shard.
public struct ShardRecordView {
    public var tokens: UnsafeBufferPointer<UInt32>
    public var segmentBoundary: UInt32?
    public var pairLabel: UInt8?
    public var maskedPositions: UnsafeBufferPointer<UInt32>
    public var maskedIDs: UnsafeBufferPointer<UInt32>
    public var inputOrdinal: UInt32
    public var documentOrdinal: UInt64

    public init(tokens: UnsafeBufferPointer<UInt32>, segmentBoundary: UInt32? = nil, pairLabel: UInt8? = nil,
                maskedPositions: UnsafeBufferPointer<UInt32> = .init(start: nil, count: 0),
                maskedIDs: UnsafeBufferPointer<UInt32> = .init(start: nil, count: 0), inputOrdinal: UInt32, documentOrdinal: UInt64) {
        self.tokens = tokens
        self.segmentBoundary = segmentBoundary
        self.pairLabel = pairLabel
        self.maskedPositions = maskedPositions
        self.maskedIDs = maskedIDs
        self.inputOrdinal = inputOrdinal
        self.documentOrdinal = documentOrdinal
    }
}

extension ShardRecord {
    /// Calls `body` with a view of this record's arrays.
    public func withView<R>(_ body: (ShardRecordView) throws -> R) rethrows -> R {
        try tokens.withUnsafeBufferPointer { t in
            try maskedPositions.withUnsafeBufferPointer { p in
                try maskedIDs.withUnsafeBufferPointer { i in
                    try body(ShardRecordView(tokens: t, segmentBoundary: segmentBoundary, pairLabel: pairLabel, maskedPositions: p,
                                             maskedIDs: i, inputOrdinal: inputOrdinal, documentOrdinal: documentOrdinal))
                }
            }
        }
    }

    /// A copy of a viewed record.
    public init(_ view: ShardRecordView) {
        self.init(tokens: Array(view.tokens), segmentBoundary: view.segmentBoundary, pairLabel: view.pairLabel,
                  maskedPositions: Array(view.maskedPositions), maskedIDs: Array(view.maskedIDs),
                  inputOrdinal: view.inputOrdinal, documentOrdinal: view.documentOrdinal)
    }
}
