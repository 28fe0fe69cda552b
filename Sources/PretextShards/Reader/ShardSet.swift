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
        for s in shards {
            // Record counts come from the catalog: a hostile one must not overflow the sum.
            let (next, overflow) = starts.last!.addingReportingOverflow(s.records)
            guard !overflow else {
                throw CatalogError.corrupt(path: catalog.path, message: "the shards' record counts add up to more than 2^64 (at \(s.file.relative))")
            }
            starts.append(next)
        }
        shardStart = starts
    }

    public var recordCount: UInt64 { shardStart.last! }
    /// Tokens over every shard (saturating: the counts come from the catalog).
    public var tokenCount: UInt64 {
        shards.reduce(0) { total, shard in
            let (sum, overflow) = total.addingReportingOverflow(shard.tokens)
            return overflow ? .max : sum
        }
    }

    /// Full path of shard `s`.
    public func path(ofShard s: Int) -> String { shards[s].file.resolved(in: folder) }

    /// Opens shard `s`.
    public func openShard(_ s: Int) throws -> ShardReader { try ShardReader(path: path(ofShard: s)) }
}
