import PretextCore

/// Reads one shard file: validated structure, O(1) random access, sequential iteration.
///
/// `init` reads and checks header, footer and block index (magic, version, checksums,
/// sizes against the file size and the declared bounds) before anything else is trusted.
/// `block(_:)` reads one block, checks its XXH64, decompresses it into exactly the
/// declared size and decodes it with every length checked. Nothing is allocated from a
/// declared size until that size has been checked against the file, the header's
/// `blockLengthLimit`, and LZ4's 255:1 ceiling.
///
/// Random access: `record(_:)` finds the block of record i through a table built at open
/// (block of the first record of every run of `stride` records, where `stride` is the
/// smallest record count of any block but the last), so the lookup is one table read
/// plus at most one step, and decompresses only that block. The last decoded block is
/// cached. Not thread-safe: open one reader per thread.
public final class ShardReader {
    public let path: String
    public let header: ShardHeader
    public let footer: ShardFooter
    public let index: [BlockIndexEntry]
    public let fileSize: UInt64
    /// First record number of each block, plus the total at the end (`index.count + 1` entries).
    public let blockFirstRecord: [UInt64]

    private let file: MappedFile
    private let lookupStride: UInt64
    private let lookup: [UInt32]
    /// The last decoded block (`cachedBlockNumber` says which; -1 = none). Decoded in place.
    private var cachedBlock = DecodedBlock()
    private var cachedBlockNumber = -1

    /// Read blocks with `pread` into one reused buffer instead of through the mapping: for
    /// readers that visit large files at random (the document store, the loader), whose
    /// resident set would otherwise grow with every page of the files ever touched. Only the
    /// header, index and footer pages of the mapping are then resident.
    public var readsBlocksWithPread = false {
        didSet { if readsBlocksWithPread && handle == nil { handle = try? PosixFile(path: path, mode: .readOnly) } }
    }
    private var handle: PosixFile?
    private var readBuffer: [UInt8] = []

    public var recordCount: UInt64 { footer.recordCount }
    public var tokenCount: UInt64 { footer.tokenCount }
    public var blockCount: Int { index.count }

    public init(path: String) throws {
        self.path = path
        let file = try MappedFile(path: path)
        self.file = file
        let size = UInt64(file.bytes.count)
        fileSize = size
        func fail(_ region: ShardFormatError.Region, _ offset: UInt64, _ problem: String) -> ShardFormatError {
            ShardFormatError(path: path, region: region, byteOffset: offset, problem: problem)
        }
        let minimum = UInt64(ShardFormat.fixedHeaderLength + 8 + ShardFormat.footerLength)
        guard size >= minimum else {
            throw fail(.file, 0, "file is \(size) bytes, shorter than the smallest shard (\(minimum)): truncated or not a shard")
        }
        let prefix = Array(file.slice(0, 16))
        let headerLength = try prefix.withUnsafeBytes { try ShardHeader.declaredLength(fixedPrefix: $0, path: path, fileSize: size) }
        let headerBytes = file.slice(0, headerLength)
        let parsedHeader = try ShardHeader.decode(headerBytes, path: path)
        header = parsedHeader

        // Footer.
        let footerOffset = size - UInt64(ShardFormat.footerLength)
        let footerBytes = Array(file.slice(Int(footerOffset), ShardFormat.footerLength))
        guard Array(footerBytes[56..<64]) == ShardFormat.footerMagic else {
            throw fail(.footer, footerOffset, "bad footer magic: truncated or incompletely written file")
        }
        var c = ByteCursor(UnsafeRawBufferPointer(start: nil, count: 0))
        let f: ShardFooter = try footerBytes.withUnsafeBytes { raw in
            c = ByteCursor(raw)
            return ShardFooter(indexOffset: try c.read(), blockCount: try c.read(), recordCount: try c.read(),
                               tokenCount: try c.read(), headerLength: try c.read(), maxBlockLength: try c.read())
        }
        let storedChecksum = UInt64(littleEndian: footerBytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 48, as: UInt64.self) })
        guard f.headerLength == UInt64(headerLength) else {
            throw fail(.footer, footerOffset, "footer says the header is \(f.headerLength) bytes, header says \(headerLength)")
        }
        let maxBlocks = (footerOffset - UInt64(headerLength)) / UInt64(ShardFormat.indexEntryLength)
        guard f.blockCount <= maxBlocks else {
            throw fail(.footer, footerOffset, "block count \(f.blockCount) cannot fit in a file of \(size) bytes")
        }
        let indexLength = f.blockCount * UInt64(ShardFormat.indexEntryLength)
        guard f.indexOffset == footerOffset - indexLength else {
            throw fail(.footer, footerOffset, "index offset \(f.indexOffset) does not match \(f.blockCount) entries ending at the footer (\(footerOffset - indexLength))")
        }
        let indexBytes = file.slice(Int(f.indexOffset), Int(indexLength))
        var h = XXHash64()
        h.update(indexBytes)
        h.update(footerBytes[0..<48])
        guard h.digest() == storedChecksum else {
            throw fail(.index, f.indexOffset, "index/footer checksum mismatch (stored \(hex(storedChecksum)), computed \(hex(h.digest())))")
        }
        footer = f

        // Index entries: contiguous blocks from the end of the header to the index.
        var entries: [BlockIndexEntry] = []
        entries.reserveCapacity(Int(f.blockCount))
        var firsts: [UInt64] = [0]
        firsts.reserveCapacity(Int(f.blockCount) + 1)
        var expectedOffset = UInt64(headerLength)
        var records: UInt64 = 0, tokens: UInt64 = 0, maxBlock: UInt64 = 0
        try { (raw: UnsafeRawBufferPointer) in
            var ic = ByteCursor(raw)
            for b in 0..<Int(f.blockCount) {
                let at = f.indexOffset + UInt64(b * ShardFormat.indexEntryLength)
                let e = try BlockIndexEntry.read(&ic)
                guard e.offset == expectedOffset else {
                    throw fail(.index, at, "block \(b) starts at \(e.offset), expected \(expectedOffset)")
                }
                guard e.compressedLength > 0, UInt64(e.compressedLength) <= f.indexOffset - e.offset else {
                    throw fail(.index, at, "block \(b) compressed length \(e.compressedLength) does not fit before the index")
                }
                guard e.uncompressedLength > 0, e.uncompressedLength <= parsedHeader.blockLengthLimit,
                      UInt64(e.uncompressedLength) <= UInt64(e.compressedLength) * UInt64(ShardFormat.maxLZ4ExpansionRatio) + 16,
                      UInt64(e.compressedLength) <= UInt64(LZ4Block.compressBound(Int(e.uncompressedLength)))
                else {
                    throw fail(.index, at, "block \(b) sizes \(e.compressedLength)/\(e.uncompressedLength) are impossible under the limit \(parsedHeader.blockLengthLimit)")
                }
                guard e.recordCount > 0 else { throw fail(.index, at, "block \(b) holds no records") }
                expectedOffset = e.offset + UInt64(e.compressedLength)
                records += UInt64(e.recordCount)
                tokens += UInt64(e.tokenCount)
                maxBlock = max(maxBlock, UInt64(e.uncompressedLength))
                entries.append(e)
                firsts.append(records)
            }
        }(indexBytes)
        guard expectedOffset == f.indexOffset else {
            throw fail(.index, f.indexOffset, "blocks end at \(expectedOffset) but the index starts at \(f.indexOffset)")
        }
        guard records == f.recordCount, tokens == f.tokenCount, maxBlock == f.maxBlockLength else {
            throw fail(.footer, footerOffset, "footer totals (\(f.recordCount) records, \(f.tokenCount) tokens) disagree with the index (\(records), \(tokens))")
        }
        index = entries
        blockFirstRecord = firsts

        // O(1) lookup table: for every `stride` records, the block holding the first of them.
        let stride = UInt64(max(1, entries.dropLast().map(\.recordCount).min() ?? UInt32(max(records, 1))))
        var table: [UInt32] = []
        if records > 0 {
            table.reserveCapacity(Int((records + stride - 1) / stride))
            var b = 0
            var r: UInt64 = 0
            while r < records {
                while firsts[b + 1] <= r { b += 1 }
                table.append(UInt32(b))
                r += stride
            }
        }
        lookupStride = stride
        lookup = table
    }

    /// The block holding record `i` (`i < recordCount`).
    public func blockNumber(ofRecord i: UInt64) -> Int {
        var b = Int(lookup[Int(i / lookupStride)])
        while blockFirstRecord[b + 1] <= i { b += 1 }  // at most one step (see type docs)
        return b
    }

    /// Reads, verifies and decodes block `b`. Decoding reuses the previous block's storage
    /// when the caller kept no copy of it, so a sequential scan allocates nothing per block.
    public func block(_ b: Int) throws -> DecodedBlock {
        try ensureDecoded(b)
        return cachedBlock
    }

    private func ensureDecoded(_ b: Int) throws {
        precondition(b >= 0 && b < index.count, "block \(b) out of range 0..<\(index.count)")
        if b != cachedBlockNumber {
            cachedBlockNumber = -1
            try decodeBlock(b, index[b], into: &cachedBlock)
            cachedBlockNumber = b
        }
    }

    /// Calls `body` with the token ids of record `i` (a view valid during the call), without
    /// copying the decoded block.
    public func withTokens<R>(ofRecord i: UInt64, _ body: (TokenColumn, Range<Int>) throws -> R) throws -> R {
        precondition(i < recordCount, "record \(i) out of range 0..<\(recordCount)")
        let b = blockNumber(ofRecord: i)
        try ensureDecoded(b)
        let local = Int(i - blockFirstRecord[b])
        return try body(cachedBlock.tokens, cachedBlock.tokenOffsets[local]..<cachedBlock.tokenOffsets[local + 1])
    }

    private func decodeBlock(_ b: Int, _ e: BlockIndexEntry, into block: inout DecodedBlock) throws {
        // In bounds: the index was checked against the file size at open.
        let clen = Int(e.compressedLength)
        if readsBlocksWithPread, let handle {
            if readBuffer.count < clen { readBuffer = [UInt8](repeating: 0, count: clen) }
            try readBuffer.withUnsafeMutableBytes { bytes in
                let src = UnsafeMutableRawBufferPointer(rebasing: bytes[0..<clen])
                try handle.readExactly(into: src, at: e.offset)
                try decodeBlock(b, e, src: UnsafeRawBufferPointer(src), into: &block)
            }
        } else {
            try decodeBlock(b, e, src: file.slice(Int(e.offset), clen), into: &block)
        }
    }

    private func decodeBlock(_ b: Int, _ e: BlockIndexEntry, src: UnsafeRawBufferPointer, into block: inout DecodedBlock) throws {
        func fail(_ problem: String) -> ShardFormatError {
            ShardFormatError(path: path, region: .block(b), byteOffset: e.offset, problem: problem)
        }
        let ulen = Int(e.uncompressedLength)
        let sum = XXHash64.hash(src)
        guard sum == e.checksum else {
            throw fail("checksum mismatch (stored \(hex(e.checksum)), computed \(hex(sum)))")
        }
        // Release the previous token view so the payload buffer is uniquely referenced and is
        // overwritten in place. It only grows (sizes were bounded against the file at open).
        block.tokens = TokenColumn(payload: [], start: 0, count: 0, width: 2, shuffled: false)
        if block.payload.count < ulen { block.payload = [UInt8](repeating: 0, count: ulen) }
        do {
            try block.payload.withUnsafeMutableBytes { try LZ4Block.decompress(src, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<ulen])) }
        } catch let error as LZ4Error {
            throw fail("LZ4 data is corrupt: \(error)")
        }
        do {
            try DecodedBlock.decode(payloadLength: ulen, count: Int(e.recordCount), expectedTokens: Int(e.tokenCount),
                                    schema: header.schema, filter: header.filter, vocabularySize: header.vocabularySize,
                                    into: &block)
        } catch let problem as DecodedBlock.Problem {
            throw fail(problem.message)
        }
    }

    /// Record `i` (0-based in this file); decompresses at most one block.
    public func record(_ i: UInt64) throws -> ShardRecord {
        precondition(i < recordCount, "record \(i) out of range 0..<\(recordCount)")
        let b = blockNumber(ofRecord: i)
        try ensureDecoded(b)
        return cachedBlock.record(Int(i - blockFirstRecord[b]))
    }

    /// Calls `body` with every record in order.
    public func forEachRecord(_ body: (ShardRecord) throws -> Void) throws {
        for b in 0..<index.count {
            try ensureDecoded(b)
            for i in 0..<cachedBlock.count { try body(cachedBlock.record(i)) }
        }
    }

    /// Reads and decodes every block (checksum, LZ4, payload structure); throws the first problem.
    public func verifyBlocks() throws {
        var scratch = DecodedBlock()
        for b in 0..<index.count { try decodeBlock(b, index[b], into: &scratch) }
    }
}
