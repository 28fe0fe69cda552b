import PretextCore

/// Validates records against a shard header and cuts them into finished blocks: columns
/// accumulate until the block reaches `blockTargetLength` uncompressed bytes (or the next
/// record would pass the header's block length limit), then the block is serialized, filtered,
/// LZ4-compressed and checksummed into `EncodedBlocks`.
///
/// A `ShardWriter` builds its blocks with one, and so can any thread on its own: a labeling
/// thread turns a task's records into blocks and the writer appends them as they are. Where
/// blocks are cut depends only on the records given to one builder and on `closeBlock()`
/// calls, never on threads. Memory: one block of columns, its payload and compressed copy
/// (reused), plus the finished blocks not yet taken.
public struct BlockBuilder {
    public let header: ShardHeader
    public let blockTargetLength: Int
    /// Names the records' destination in errors (a shard path, or a task of a build).
    public private(set) var context: String

    private var encoder: BlockEncoder
    private var payload: [UInt8] = []
    private var compressed: [UInt8] = []
    private var finished: EncodedBlocks
    /// Records accepted so far, finished or pending (the index errors report).
    public private(set) var recordCount: UInt64 = 0
    /// Tokens of the records accepted so far.
    public private(set) var tokenCount: UInt64 = 0

    public init(header: ShardHeader, blockTargetLength: Int = ShardFormat.defaultBlockTargetLength, context: String) {
        precondition(blockTargetLength > 0, "block target must be positive")
        self.header = header
        self.blockTargetLength = min(blockTargetLength, Int(header.blockLengthLimit))
        self.context = context
        encoder = BlockEncoder(schema: header.schema, filter: header.filter)
        finished = EncodedBlocks(header: header)
    }

    /// Starts a new run of records for another destination: errors name `context` and count
    /// records from 0 again. Records and blocks a failed run left behind (one that threw
    /// before its blocks were taken) are dropped.
    public mutating func begin(context: String) {
        encoder.removeAll()
        if !finished.entries.isEmpty { finished = EncodedBlocks(header: header) }
        self.context = context
        recordCount = 0
        tokenCount = 0
    }

    /// Records waiting in the open block.
    public var pendingRecords: Int { encoder.recordCount }
    /// Finished blocks not yet taken.
    public var finishedBlocks: Int { finished.entries.count }

    /// Validates `record` and adds it to the open block (closing the block first if the record
    /// would push it past the length limit, and after if it reaches the target). Throws
    /// `InvalidRecordError` for a record that does not fit the schema; nothing is added then.
    public mutating func append(_ record: ShardRecordView) throws {
        try validate(record)
        let alone = BlockEncoder.encodedLength(schema: header.schema, records: 1, tokens: record.tokens.count, masks: record.maskedPositions.count)
        if encoder.recordCount > 0 && encoder.encodedLength + alone > Int(header.blockLengthLimit) {
            try closeBlock()
        }
        encoder.append(record)
        recordCount += 1
        tokenCount += UInt64(record.tokens.count)
        if encoder.encodedLength >= blockTargetLength { try closeBlock() }
    }

    /// Finishes the open block, if it holds any record.
    public mutating func closeBlock() throws {
        guard encoder.recordCount > 0 else { return }
        let length = encoder.serialize(into: &payload)
        let bound = LZ4Block.compressBound(length)
        if compressed.count < bound { compressed = [UInt8](repeating: 0, count: bound) }
        let n = try payload.withUnsafeBytes { whole in
            try compressed.withUnsafeMutableBytes { try LZ4Block.compress(UnsafeRawBufferPointer(rebasing: whole[0..<length]), into: $0) }
        }
        compressed.withUnsafeBytes { dst in
            let block = UnsafeRawBufferPointer(rebasing: dst[0..<n])
            finished.entries.append(BlockIndexEntry(
                offset: UInt64(finished.bytes.count), compressedLength: UInt32(n), uncompressedLength: UInt32(length),
                recordCount: UInt32(encoder.recordCount), tokenCount: UInt32(encoder.tokens.count), checksum: XXHash64.hash(block)))
            finished.bytes.append(contentsOf: block)
        }
        encoder.removeAll()
    }

    /// Hands over the finished blocks (the open block stays open).
    public mutating func takeBlocks() -> EncodedBlocks {
        let blocks = finished
        finished = EncodedBlocks(header: header)
        return blocks
    }

    private func validate(_ r: ShardRecordView) throws {
        func fail(_ problem: String) -> InvalidRecordError { InvalidRecordError(destination: context, recordIndex: recordCount, problem: problem) }
        let schema = header.schema
        let limit: UInt64 = header.vocabularySize > 0 ? UInt64(header.vocabularySize) : (schema.tokenWidth == 2 ? 1 << 16 : 1 << 32)
        guard r.tokens.count <= Int(UInt32.max) else { throw fail("\(r.tokens.count) tokens exceed u32") }
        var maxID: UInt32 = 0
        for t in r.tokens { maxID = max(maxID, t) }
        for t in r.maskedIDs { maxID = max(maxID, t) }
        guard r.tokens.isEmpty && r.maskedIDs.isEmpty || UInt64(maxID) < limit else { throw fail("token id \(maxID) is not below \(limit)") }
        if schema.hasSegments {
            guard let b = r.segmentBoundary else { throw fail("\(schema.hasPairs ? "pair" : "segment") schema needs segmentBoundary") }
            guard b > 0, Int(b) <= r.tokens.count else { throw fail("segmentBoundary \(b) outside 1...\(r.tokens.count)") }
        } else if r.segmentBoundary != nil {
            throw fail("schema has no segment_boundary but the record sets one")
        }
        if schema.hasPairs {
            guard let label = r.pairLabel else { throw fail("pair schema needs segmentBoundary and pairLabel") }
            guard label <= 1 else { throw fail("pairLabel \(label) is not 0 or 1") }
        } else if r.pairLabel != nil {
            throw fail("schema has no pair_label but the record sets one")
        }
        if schema.hasMasks {
            guard r.maskedPositions.count == r.maskedIDs.count else { throw fail("maskedPositions and maskedIDs differ in length") }
            var previous: Int64 = -1
            for p in r.maskedPositions {
                guard Int64(p) > previous, Int(p) < r.tokens.count else { throw fail("masked position \(p) out of order or out of range") }
                previous = Int64(p)
            }
        } else if !r.maskedPositions.isEmpty || !r.maskedIDs.isEmpty {
            throw fail("schema has no mask fields but the record sets them")
        }
        let alone = BlockEncoder.encodedLength(schema: schema, records: 1, tokens: r.tokens.count, masks: r.maskedPositions.count)
        guard alone <= Int(header.blockLengthLimit) else {
            throw fail("encoded record of \(alone) bytes exceeds the block length limit \(header.blockLengthLimit)")
        }
    }
}
