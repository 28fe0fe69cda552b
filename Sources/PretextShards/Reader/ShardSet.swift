import PretextCore

/// A folder of shards with its catalog: the unit `inspect`, `verify` and the loader open.
///
/// Record numbers run across the shards in catalog order (file-name order):
/// `globalRecord = shardStart[s] + local`.
public struct ShardSet {
    public let folder: String
    public let catalog: Catalog
    public let shards: [Catalog.Shard]
    /// Global number of each shard's first record, plus the total (`shards.count + 1` entries).
    public let shardStart: [UInt64]

    public init(folder: String) throws {
        self.folder = folder
        catalog = try Catalog(folder: folder)
        shards = try catalog.shards()
        var starts: [UInt64] = [0]
        for s in shards { starts.append(starts.last! + s.records) }
        shardStart = starts
    }

    public var recordCount: UInt64 { shardStart.last! }
    public var tokenCount: UInt64 { shards.reduce(0) { $0 + $1.tokens } }

    /// Full path of shard `s`.
    public func path(ofShard s: Int) -> String { shards[s].file.resolved(in: folder) }

    /// Opens shard `s`.
    public func openShard(_ s: Int) throws -> ShardReader { try ShardReader(path: path(ofShard: s)) }
}
