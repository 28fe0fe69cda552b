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

/// A record a writer or block builder refuses, and why.
public struct InvalidRecordError: Error, CustomStringConvertible, Sendable {
    /// Where the record was going: a shard path, or a unit of a build.
    public let destination: String
    /// The record's position among those given to the writer or builder.
    public let recordIndex: UInt64
    public let problem: String
    public var description: String { "\(destination): record \(recordIndex) cannot be written: \(problem)" }
}

/// Streams records, or blocks built elsewhere, into one shard file.
///
/// Records go through a `BlockBuilder`: columns accumulate until the block reaches
/// `blockTargetLength` uncompressed bytes; the block is then filtered, LZ4-compressed,
/// checksummed and appended. Blocks another thread built (`append(_: EncodedBlocks, …)`)
/// are appended as they are. Everything is written to `<path>.partial`; `finish()` appends the
/// index and footer, fsyncs, renames to `path` and fsyncs the directory, so a reader never
/// sees a half-written file under the final name. Memory: one block of columns plus its
/// compressed copy, and 32 bytes of index per block.
public final class ShardWriter {
    public let path: String
    public let header: ShardHeader
    public var blockTargetLength: Int { builder.blockTargetLength }

    private let partialPath: String
    private var file: PosixFile?
    private var builder: BlockBuilder
    private var index: [BlockIndexEntry] = []
    private var fileHash = XXHash64()
    private let headerLength: UInt64
    /// Bytes written to the file so far.
    public private(set) var bytesWritten: UInt64 = 0
    /// Records in the file so far, with those still in the open block.
    public private(set) var recordCount: UInt64 = 0
    /// Tokens of those records.
    public private(set) var tokenCount: UInt64 = 0
    private var maxBlockLength: UInt64 = 0

    /// Suffix of the temporary file a writer writes before the final rename.
    public static let partialSuffix = ".partial"

    public init(path: String, header: ShardHeader, blockTargetLength: Int = ShardFormat.defaultBlockTargetLength) throws {
        self.path = path
        self.header = header
        self.partialPath = path + Self.partialSuffix
        self.builder = BlockBuilder(header: header, blockTargetLength: blockTargetLength, context: path)
        let file = try PosixFile(path: partialPath, mode: .createTruncate)
        self.file = file
        let headerBytes = header.encoded()
        headerLength = UInt64(headerBytes.count)
        try headerBytes.withUnsafeBytes { try write($0) }
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

    /// Appends one record; throws `InvalidRecordError` if it does not fit the schema.
    public func append(_ record: ShardRecord) throws {
        try record.withView { try append($0) }
    }

    /// Appends one record given in place (copied into the open block).
    public func append(_ record: ShardRecordView) throws {
        try builder.append(record)
        recordCount += 1
        tokenCount += UInt64(record.tokens.count)
        if builder.finishedBlocks > 0 { try writeBlocks(builder.takeBlocks()) }
    }

    /// Appends blocks `range` of `blocks` (built for this writer's header) as they are, after
    /// closing the writer's own open block if it holds records.
    public func append(_ blocks: EncodedBlocks, range: Range<Int>) throws {
        precondition(blocks.header == header, "blocks built for another shard header")
        try flushBlock()
        for k in range {
            let e = blocks.entries[k]
            recordCount += UInt64(e.recordCount)
            tokenCount += UInt64(e.tokenCount)
            try writeBlock(blocks, k)
        }
    }

    private func writeBlocks(_ blocks: EncodedBlocks) throws {
        for k in blocks.entries.indices { try writeBlock(blocks, k) }
    }

    private func writeBlock(_ blocks: EncodedBlocks, _ k: Int) throws {
        var entry = blocks.entries[k]
        entry.offset = bytesWritten
        try blocks.withBlock(k) { try write($0) }
        index.append(entry)
        maxBlockLength = max(maxBlockLength, UInt64(entry.uncompressedLength))
    }

    private func flushBlock() throws {
        guard builder.pendingRecords > 0 else { return }
        try builder.closeBlock()
        try writeBlocks(builder.takeBlocks())
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
        try w.bytes.withUnsafeBytes { try write($0) }
        try footerBytes.withUnsafeBytes { try write($0) }
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
