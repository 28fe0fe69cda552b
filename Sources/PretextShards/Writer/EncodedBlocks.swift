/// Finished blocks — filtered, LZ4-compressed and checksummed — waiting to be appended to a
/// shard: what a `BlockBuilder` on a labeling thread hands to the thread that writes files,
/// so that compressing is done where the records are made and the writer only appends bytes.
///
/// `bytes` holds the compressed blocks back to back; `entries[k]` describes block k with its
/// `offset` into `bytes` (the writer rebases it to the block's offset in the file). Every
/// block was built for `header` (schema, filter, block length limit, vocabulary size) and is
/// appended only to shards with that header.
public struct EncodedBlocks: Sendable {
    public let header: ShardHeader
    public internal(set) var bytes: [UInt8] = []
    public internal(set) var entries: [BlockIndexEntry] = []

    init(header: ShardHeader) {
        self.header = header
    }

    public var isEmpty: Bool { entries.isEmpty }
    /// Records in all blocks.
    public var recordCount: Int { entries.reduce(0) { $0 + Int($1.recordCount) } }

    /// Calls `body` with the compressed bytes of block `k`.
    func withBlock<R>(_ k: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let e = entries[k]
        return try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[Int(e.offset)..<(Int(e.offset) + Int(e.compressedLength))]))
        }
    }
}
