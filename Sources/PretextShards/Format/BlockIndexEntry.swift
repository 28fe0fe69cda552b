import PretextCore

/// One entry of the block index: where a block is and what it holds (32 bytes on disk).
///
/// `offset u64 | compressed_length u32 | uncompressed_length u32 | record_count u32 |
/// token_count u32 | checksum u64` — the checksum is XXH64 of the compressed bytes.
public struct BlockIndexEntry: Sendable, Equatable {
    public var offset: UInt64
    public var compressedLength: UInt32
    public var uncompressedLength: UInt32
    public var recordCount: UInt32
    public var tokenCount: UInt32
    public var checksum: UInt64

    func append(to w: inout LittleEndianWriter) {
        w.append(offset)
        w.append(compressedLength)
        w.append(uncompressedLength)
        w.append(recordCount)
        w.append(tokenCount)
        w.append(checksum)
    }

    static func read(_ c: inout ByteCursor) throws -> BlockIndexEntry {
        BlockIndexEntry(
            offset: try c.read(), compressedLength: try c.read(), uncompressedLength: try c.read(),
            recordCount: try c.read(), tokenCount: try c.read(), checksum: try c.read())
    }
}

/// The last 64 bytes of a shard file.
///
/// `index_offset u64 | block_count u64 | record_count u64 | token_count u64 |
/// header_length u64 | max_block_length u64 | checksum u64 | magic "PTXFOOT1"` — the
/// checksum is XXH64 over the index bytes followed by footer bytes 0..<48.
public struct ShardFooter: Sendable, Equatable {
    public var indexOffset: UInt64
    public var blockCount: UInt64
    public var recordCount: UInt64
    public var tokenCount: UInt64
    public var headerLength: UInt64
    /// Largest uncompressed block in the file.
    public var maxBlockLength: UInt64

    /// Footer bytes, with the checksum computed over `index` and the footer's first 48 bytes.
    func encoded(index: [UInt8]) -> [UInt8] {
        var w = LittleEndianWriter(capacity: ShardFormat.footerLength)
        w.append(indexOffset)
        w.append(blockCount)
        w.append(recordCount)
        w.append(tokenCount)
        w.append(headerLength)
        w.append(maxBlockLength)
        var h = XXHash64()
        h.update(index)
        h.update(w.bytes)
        w.append(h.digest())
        w.append(bytes: ShardFormat.footerMagic)
        return w.bytes
    }
}
