import PretextCore

/// What a finished shard file holds; goes into the catalog's `shards` table.
public struct ShardFileSummary: Sendable, Equatable {
    /// Path of the finished file (as given to the writer).
    public let path: String
    public let records: UInt64
    public let tokens: UInt64
    public let bytes: UInt64
    /// XXH64 of the whole file.
    public let checksum: UInt64

    public init(path: String, records: UInt64, tokens: UInt64, bytes: UInt64, checksum: UInt64) {
        self.path = path
        self.records = records
        self.tokens = tokens
        self.bytes = bytes
        self.checksum = checksum
    }
}

/// A record the writer refuses, and why.
public struct InvalidRecordError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let recordIndex: UInt64
    public let problem: String
    public var description: String { "\(path): record \(recordIndex) cannot be written: \(problem)" }
}

/// Streams records into one shard file.
///
/// Records accumulate in a column encoder until the block reaches `blockTargetLength`
/// uncompressed bytes; the block is then filtered, LZ4-compressed, checksummed and
/// appended. Everything is written to `<path>.partial`; `finish()` appends the index and
/// footer, fsyncs, renames to `path` and fsyncs the directory, so a reader never sees a
/// half-written file under the final name. Memory: one block of columns plus its
/// compressed copy, and 32 bytes of index per block.
public final class ShardWriter {
    public let path: String
    public let header: ShardHeader
    public let blockTargetLength: Int

    private let partialPath: String
    private var file: PosixFile?
    // Single-threaded by contract: skip Swift's dynamic exclusivity checks on the hot buffers.
    @exclusivity(unchecked) private var encoder: BlockEncoder
    @exclusivity(unchecked) private var payload: [UInt8] = []
    @exclusivity(unchecked) private var compressed: [UInt8] = []
    private var index: [BlockIndexEntry] = []
    private var fileHash = XXHash64()
    private let headerLength: UInt64
    /// Bytes written to the file so far.
    public private(set) var bytesWritten: UInt64 = 0
    public private(set) var recordCount: UInt64 = 0
    public private(set) var tokenCount: UInt64 = 0
    private var maxBlockLength: UInt64 = 0

    /// Suffix of the temporary file a writer writes before the final rename.
    public static let partialSuffix = ".partial"

    public init(path: String, header: ShardHeader, blockTargetLength: Int = ShardFormat.defaultBlockTargetLength) throws {
        precondition(blockTargetLength > 0, "block target must be positive")
        self.path = path
        self.header = header
        self.blockTargetLength = min(blockTargetLength, Int(header.blockLengthLimit))
        self.partialPath = path + Self.partialSuffix
        self.encoder = BlockEncoder(schema: header.schema, filter: header.filter)
        let file = try PosixFile(path: partialPath, mode: .createTruncate)
        self.file = file
        let headerBytes = header.encoded()
        headerLength = UInt64(headerBytes.count)
        try write(headerBytes)
    }

    deinit {
        // A writer dropped without finish() leaves no partial file behind.
        if file != nil { try? abandon() }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let file else { preconditionFailure("ShardWriter used after finish() or abandon()") }
        try file.writeAll(bytes)
        fileHash.update(bytes)
        bytesWritten += UInt64(bytes.count)
    }

    private func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Appends one record; throws `InvalidRecordError` if it does not fit the schema.
    public func append(_ record: ShardRecord) throws {
        try record.withView { try append($0) }
    }

    /// Appends one record given in place (copied into the current block).
    public func append(_ record: ShardRecordView) throws {
        try validate(record)
        let alone = BlockEncoder.encodedLength(schema: header.schema, records: 1, tokens: record.tokens.count, masks: record.maskedPositions.count)
        if encoder.recordCount > 0 && encoder.encodedLength + alone > Int(header.blockLengthLimit) {
            try flushBlock()
        }
        encoder.append(record)
        recordCount += 1
        tokenCount += UInt64(record.tokens.count)
        if encoder.encodedLength >= blockTargetLength { try flushBlock() }
    }

    private func validate(_ r: ShardRecordView) throws {
        func fail(_ problem: String) -> InvalidRecordError { InvalidRecordError(path: path, recordIndex: recordCount, problem: problem) }
        let schema = header.schema
        let limit: UInt64 = header.vocabularySize > 0 ? UInt64(header.vocabularySize) : (schema.tokenWidth == 2 ? 1 << 16 : 1 << 32)
        guard r.tokens.count <= Int(UInt32.max) else { throw fail("\(r.tokens.count) tokens exceed u32") }
        var maxID: UInt32 = 0
        for t in r.tokens { maxID = max(maxID, t) }
        for t in r.maskedIDs { maxID = max(maxID, t) }
        guard r.tokens.isEmpty && r.maskedIDs.isEmpty || UInt64(maxID) < limit else { throw fail("token id \(maxID) is not below \(limit)") }
        if schema.hasPairs {
            guard let b = r.segmentBoundary, let label = r.pairLabel else { throw fail("pair schema needs segmentBoundary and pairLabel") }
            guard b > 0, Int(b) <= r.tokens.count else { throw fail("segmentBoundary \(b) outside 1...\(r.tokens.count)") }
            guard label <= 1 else { throw fail("pairLabel \(label) is not 0 or 1") }
        } else if r.segmentBoundary != nil || r.pairLabel != nil {
            throw fail("schema has no pair fields but the record sets them")
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

    private func flushBlock() throws {
        guard encoder.recordCount > 0 else { return }
        let length = encoder.serialize(into: &payload)
        let bound = LZ4Block.compressBound(length)
        if compressed.count < bound { compressed = [UInt8](repeating: 0, count: bound) }
        try payload.withUnsafeBytes { whole in
            let source = UnsafeRawBufferPointer(rebasing: whole[0..<length])
            try compressed.withUnsafeMutableBytes { dst in
                let n = try LZ4Block.compress(source, into: dst)
                let block = UnsafeRawBufferPointer(rebasing: dst[0..<n])
                index.append(BlockIndexEntry(
                    offset: bytesWritten, compressedLength: UInt32(n), uncompressedLength: UInt32(length),
                    recordCount: UInt32(encoder.recordCount), tokenCount: UInt32(encoder.tokens.count),
                    checksum: XXHash64.hash(block)))
                try write(block)
            }
        }
        maxBlockLength = max(maxBlockLength, UInt64(length))
        encoder.removeAll()
    }

    /// Writes the last block, index and footer; makes the file durable under its final name.
    @discardableResult
    public func finish() throws -> ShardFileSummary {
        try flushBlock()
        var w = LittleEndianWriter(capacity: index.count * ShardFormat.indexEntryLength)
        for e in index { e.append(to: &w) }
        let footer = ShardFooter(
            indexOffset: bytesWritten, blockCount: UInt64(index.count), recordCount: recordCount,
            tokenCount: tokenCount, headerLength: headerLength, maxBlockLength: maxBlockLength)
        let footerBytes = footer.encoded(index: w.bytes)
        try write(w.bytes)
        try write(footerBytes)
        guard let file else { preconditionFailure("ShardWriter finished twice") }
        try file.sync()
        try file.close()
        self.file = nil
        try PosixFile.rename(partialPath, to: path)
        try PosixFile.syncDirectory(directoryName(of: path))
        return ShardFileSummary(path: path, records: recordCount, tokens: tokenCount, bytes: bytesWritten, checksum: fileHash.digest())
    }

    /// Stops writing and removes the partial file.
    public func abandon() throws {
        if let file { try? file.close() }
        file = nil
        try PosixFile.removeIfPresent(partialPath)
    }
}

/// The directory part of a path ("." when there is none).
func directoryName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
