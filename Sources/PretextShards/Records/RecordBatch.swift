/// Many records in a few flat arrays: what a labeling thread fills and the shard writer
/// drains, without an array per record. (Records built on one thread and freed on another
/// cost the allocator a lock per array; a batch hands over a dozen arrays, whatever its size.)
///
/// Record k's tokens are `tokens[tokenStarts[k] ..< tokenStarts[k + 1]]`, its masked positions
/// and ids likewise through `maskStarts`. The invariants of `ShardRecord` apply to each record.
public struct RecordBatch: Sendable, Equatable {
    public private(set) var tokens: [UInt32] = []
    private var tokenStarts: [Int] = [0]
    private var maskedPositions: [UInt32] = []
    private var maskedIDs: [UInt32] = []
    private var maskStarts: [Int] = [0]
    private var segmentBoundaries: [UInt32?] = []
    private var pairLabels: [UInt8?] = []
    private var inputOrdinals: [UInt32] = []
    private var documentOrdinals: [UInt64] = []

    public init() {}

    public var count: Int { inputOrdinals.count }
    public var isEmpty: Bool { inputOrdinals.isEmpty }

    /// Appends one record; `maskedPositions` and `maskedIDs` have the same length.
    public mutating func append(tokens recordTokens: UnsafeBufferPointer<UInt32>, segmentBoundary: UInt32? = nil, pairLabel: UInt8? = nil,
                                maskedPositions positions: UnsafeBufferPointer<UInt32> = .init(start: nil, count: 0),
                                maskedIDs ids: UnsafeBufferPointer<UInt32> = .init(start: nil, count: 0),
                                inputOrdinal: UInt32, documentOrdinal: UInt64) {
        precondition(positions.count == ids.count, "masked positions and ids differ in length")
        tokens.append(contentsOf: recordTokens)
        tokenStarts.append(tokens.count)
        maskedPositions.append(contentsOf: positions)
        maskedIDs.append(contentsOf: ids)
        maskStarts.append(maskedPositions.count)
        segmentBoundaries.append(segmentBoundary)
        pairLabels.append(pairLabel)
        inputOrdinals.append(inputOrdinal)
        documentOrdinals.append(documentOrdinal)
    }

    /// Appends a copy of `record`.
    public mutating func append(_ record: ShardRecord) {
        record.withView { v in
            append(tokens: v.tokens, segmentBoundary: v.segmentBoundary, pairLabel: v.pairLabel, maskedPositions: v.maskedPositions,
                   maskedIDs: v.maskedIDs, inputOrdinal: v.inputOrdinal, documentOrdinal: v.documentOrdinal)
        }
    }

    /// Calls `body` with record `k` in place (the view is valid only inside `body`).
    public func withRecord<R>(_ k: Int, _ body: (ShardRecordView) throws -> R) rethrows -> R {
        try tokens.withUnsafeBufferPointer { t in
            try maskedPositions.withUnsafeBufferPointer { p in
                try maskedIDs.withUnsafeBufferPointer { i in
                    try body(ShardRecordView(tokens: UnsafeBufferPointer(rebasing: t[tokenStarts[k]..<tokenStarts[k + 1]]),
                                             segmentBoundary: segmentBoundaries[k], pairLabel: pairLabels[k],
                                             maskedPositions: UnsafeBufferPointer(rebasing: p[maskStarts[k]..<maskStarts[k + 1]]),
                                             maskedIDs: UnsafeBufferPointer(rebasing: i[maskStarts[k]..<maskStarts[k + 1]]),
                                             inputOrdinal: inputOrdinals[k], documentOrdinal: documentOrdinals[k]))
                }
            }
        }
    }

    /// Record `k` as an owned value.
    public subscript(k: Int) -> ShardRecord { withRecord(k) { ShardRecord($0) } }
}

/// A record whose arrays live elsewhere (a `RecordBatch`, or a `ShardRecord`'s own arrays),
/// valid only while that storage is: what the writer validates and encodes.
public struct ShardRecordView {
    public var tokens: UnsafeBufferPointer<UInt32>
    public var segmentBoundary: UInt32?
    public var pairLabel: UInt8?
    public var maskedPositions: UnsafeBufferPointer<UInt32>
    public var maskedIDs: UnsafeBufferPointer<UInt32>
    public var inputOrdinal: UInt32
    public var documentOrdinal: UInt64
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
