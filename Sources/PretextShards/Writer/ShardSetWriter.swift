import PretextCore

/// Writes a stream of records as a numbered series of shard files in one folder,
/// starting a new file once the current one reaches `shardTargetBytes`.
///
/// Files are named `<prefix>-00000.ptxs`, `<prefix>-00001.ptxs`, …; a shard is closed
/// after the block that crosses the target, so files are slightly larger than the target.
/// A set that receives no records still produces one (empty) shard, so every finished set
/// has at least one file.
public final class ShardSetWriter {
    public let folder: String
    public let prefix: String
    public let header: ShardHeader
    public let shardTargetBytes: UInt64
    public let blockTargetLength: Int

    private var current: ShardWriter?
    public private(set) var finished: [ShardFileSummary] = []

    public init(folder: String, prefix: String = "part", header: ShardHeader, shardTargetBytes: UInt64 = 256 << 20,
                blockTargetLength: Int = ShardFormat.defaultBlockTargetLength) throws {
        precondition(shardTargetBytes > 0)
        self.folder = folder
        self.prefix = prefix
        self.header = header
        self.shardTargetBytes = shardTargetBytes
        self.blockTargetLength = blockTargetLength
        try PosixFile.makeDirectories(folder)
    }

    /// The file name of shard number `n` in this set.
    public func fileName(_ n: Int) -> String {
        let digits = String(n)
        return "\(prefix)-\(String(repeating: "0", count: max(0, 5 - digits.count)))\(digits).\(ShardFormat.fileExtension)"
    }

    public func append(_ record: ShardRecord) throws {
        try record.withView { try append($0) }
    }

    /// Appends one record given in place.
    public func append(_ record: ShardRecordView) throws {
        let writer = try currentWriter()
        try writer.append(record)
        try closeIfFull(writer)
    }

    /// Appends finished blocks (built for this set's header, for example by a
    /// `BlockBuilder` on another thread) as they are; a shard closes after the block that
    /// crosses the target, as with records.
    public func append(_ blocks: EncodedBlocks) throws {
        for k in blocks.entries.indices {
            let writer = try currentWriter()
            try writer.append(blocks, range: k..<(k + 1))
            try closeIfFull(writer)
        }
    }

    private func currentWriter() throws -> ShardWriter {
        if let current { return current }
        let writer = try ShardWriter(path: folder + "/" + fileName(finished.count), header: header, blockTargetLength: blockTargetLength)
        current = writer
        return writer
    }

    private func closeIfFull(_ writer: ShardWriter) throws {
        guard writer.bytesWritten >= shardTargetBytes else { return }
        finished.append(try writer.finish())
        current = nil
    }

    /// Closes the last shard and returns every shard written, in order.
    public func finish() throws -> [ShardFileSummary] {
        if current == nil && finished.isEmpty {
            current = try ShardWriter(path: folder + "/" + fileName(0), header: header, blockTargetLength: blockTargetLength)
        }
        if let current { finished.append(try current.finish()) }
        current = nil
        return finished
    }
}
