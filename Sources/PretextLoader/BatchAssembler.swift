import Foundation
import PretextCore
import PretextLabeling
import PretextShards

/// What the loader knows about a shard set: its blocks, its task and special ids (from the
/// shard metadata), and, for dynamic masking, the masker (from `masking.json`).
struct ShardSetLayout: Sendable {
    let folder: String
    let paths: [String]
    /// Storage-order blocks of all shards, and the shard and block number of each.
    let blocks: [EpochOrder.Block]
    let blockShard: [Int32]
    let blockInShard: [Int32]
    let task: String
    let padID: Int32
    /// Records store a pair label (NSP, SOP); −100 in batches otherwise.
    let hasPairs: Bool
    /// Records store where segment B starts (pair tasks and ELECTRA): token type ids 1 from there.
    let hasSegments: Bool
    let hasMasks: Bool
    let recordCount: UInt64
    /// The build's sequence length and vocabulary size (shard metadata).
    let maxLength: Int
    let vocabularySize: Int
    /// The end-of-document id of causal blocks (shard metadata `eod_id`), if recorded.
    let endOfDocumentID: Int?

    init(folder: String) throws {
        self.folder = folder
        let set = try ShardSet(folder: folder)
        guard !set.shards.isEmpty else { throw LoaderError.unsupported("\(folder) holds no shards") }
        var paths: [String] = [], blocks: [EpochOrder.Block] = [], shardOf: [Int32] = [], blockOf: [Int32] = []
        var metadata = "", pairs = false, segments = false, masks = false
        for s in 0..<set.shards.count {
            let reader = try set.openShard(s)
            paths.append(reader.path)
            if s == 0 {
                metadata = reader.header.metadata
                pairs = reader.header.schema.hasPairs
                segments = reader.header.schema.hasSegments
                masks = reader.header.schema.hasMasks
            } else if reader.header.schema.hasPairs != pairs || reader.header.schema.hasSegments != segments
                        || reader.header.schema.hasMasks != masks {
                throw LoaderError.unsupported("\(reader.path) has another schema than \(paths[0])")
            }
            for b in 0..<reader.blockCount {
                let first = reader.blockFirstRecord[b], end = reader.blockFirstRecord[b + 1]
                blocks.append(EpochOrder.Block(firstRecord: set.shardStart[s] + first, records: UInt32(end - first)))
                shardOf.append(Int32(s))
                blockOf.append(Int32(b))
            }
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(metadata.utf8)) as? [String: Any],
              let task = object["task"] as? String, let pad = (object["pad_id"] as? NSNumber)?.int32Value else {
            throw LoaderError.unsupported("\(paths[0]): shard metadata has no task and pad_id (not made by pretext build)")
        }
        self.paths = paths
        self.blocks = blocks
        blockShard = shardOf
        blockInShard = blockOf
        self.task = task
        padID = pad
        maxLength = (object["max_seq_length"] as? NSNumber)?.intValue ?? 512
        vocabularySize = (object["vocab_size"] as? NSNumber)?.intValue ?? 0
        endOfDocumentID = (object["eod_id"] as? NSNumber)?.intValue
        hasPairs = pairs
        hasSegments = segments
        hasMasks = masks
        recordCount = set.recordCount
    }

    /// Storage-order block holding global record `record`.
    func block(ofRecord record: UInt64) -> Int {
        var lo = 0, hi = blocks.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if blocks[mid].firstRecord <= record { lo = mid } else { hi = mid }
        }
        return lo
    }
}

/// Builds batches from records. One per thread: it owns shard readers, a cache of decoded
/// blocks (a shuffle window's worth, so a window's blocks are decoded once per thread) and
/// masking scratch.
final class BatchAssembler {
    let layout: ShardSetLayout
    let masker: Masker?
    let maskSeed: UInt64
    private var readers: [Int: ShardReader] = [:]
    private var cache: [Int: (block: DecodedBlock, lastUse: Int)] = [:]
    private var clock = 0
    private let cacheBlocks: Int
    private let scratch = MaskingScratch()
    private var masked = MaskedPositions()

    init(layout: ShardSetLayout, masker: Masker?, maskSeed: UInt64, cacheBlocks: Int) {
        self.layout = layout
        self.masker = masker
        self.maskSeed = maskSeed
        self.cacheBlocks = max(2, cacheBlocks)
    }

    /// One sample: tokens as the model sees them, labels, segment boundary and pair label.
    struct Sample {
        var tokens: [UInt32]
        var labels: [Int32]
        var segmentBoundary: Int?
        var pairLabel: Int32
    }

    private func decoded(_ b: Int) throws -> DecodedBlock {
        clock += 1
        if let entry = cache[b] {
            cache[b] = (entry.block, clock)
            return entry.block
        }
        if cache.count >= cacheBlocks, let oldest = cache.min(by: { $0.value.lastUse < $1.value.lastUse })?.key { cache[oldest] = nil }
        let s = Int(layout.blockShard[b])
        let reader: ShardReader
        if let r = readers[s] { reader = r } else {
            reader = try ShardReader(path: layout.paths[s])
            reader.readsBlocksWithPread = true  // decoded blocks live in the cache
            readers[s] = reader
        }
        let block = try reader.block(Int(layout.blockInShard[b]))
        cache[b] = (block, clock)
        return block
    }

    /// Length of global record `record` (tokens).
    func length(of record: UInt64) throws -> Int {
        let b = layout.block(ofRecord: record)
        let block = try decoded(b)
        let local = Int(record - layout.blocks[b].firstRecord)
        return block.tokenOffsets[local + 1] - block.tokenOffsets[local]
    }

    /// Sample of global record `record` in `epoch`: static masks passed through, dynamic masks
    /// drawn from (seed, dynamic masking, record, epoch), causal blocks shifted by one.
    func sample(_ record: UInt64, epoch: UInt64) throws -> Sample {
        let b = layout.block(ofRecord: record)
        let block = try decoded(b)
        let local = Int(record - layout.blocks[b].firstRecord)
        let range = block.tokenOffsets[local]..<block.tokenOffsets[local + 1]
        var tokens = [UInt32](repeating: 0, count: range.count)
        tokens.withUnsafeMutableBufferPointer { block.tokens.copy(range, into: $0.baseAddress!) }
        let boundary = layout.hasSegments ? Int(block.segmentBoundaries[local]) : nil
        let pair = layout.hasPairs ? Int32(block.pairLabels[local]) : Batch.ignoreIndex
        if layout.task == "causal" {
            guard tokens.count >= 2 else { return Sample(tokens: tokens, labels: tokens.map { _ in Batch.ignoreIndex }, segmentBoundary: nil, pairLabel: pair) }
            let labels = tokens.dropFirst().map { Int32(bitPattern: $0) }
            tokens.removeLast()
            return Sample(tokens: tokens, labels: labels, segmentBoundary: nil, pairLabel: pair)
        }
        var labels = [Int32](repeating: Batch.ignoreIndex, count: tokens.count)
        if layout.hasMasks {
            for m in block.maskOffsets[local]..<block.maskOffsets[local + 1] {
                labels[Int(block.maskedPositions[m])] = Int32(bitPattern: block.maskedIDs[m])
            }
        } else if let masker {
            var random = KeyedRandom(seed: maskSeed, purpose: .dynamicMasking, index: record, subindex: epoch)
            masker.mask(&tokens, random: &random, scratch: scratch, into: &masked)
            for (p, id) in zip(masked.positions, masked.originalIDs) { labels[Int(p)] = Int32(bitPattern: id) }
        }
        return Sample(tokens: tokens, labels: labels, segmentBoundary: boundary, pairLabel: pair)
    }

    /// The padded batch of `records` (global record numbers).
    func batch(records: [UInt64], epoch: UInt64, number: Int, padToMultipleOf: Int) throws -> Batch {
        let samples = try records.map { try sample($0, epoch: epoch) }
        var length = samples.map(\.tokens.count).max() ?? 0
        length = (length + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf
        let n = samples.count * length
        var batch = Batch(rows: samples.count, length: length,
                          inputIDs: [Int32](repeating: layout.padID, count: n), tokenTypeIDs: [Int32](repeating: 0, count: n),
                          attentionMask: [Int32](repeating: 0, count: n), labels: [Int32](repeating: Batch.ignoreIndex, count: n),
                          pairLabels: samples.map(\.pairLabel), sampleIndices: records, epoch: epoch, number: number)
        for (r, s) in samples.enumerated() {
            let base = r * length
            for (i, t) in s.tokens.enumerated() {
                batch.inputIDs[base + i] = Int32(bitPattern: t)
                batch.attentionMask[base + i] = 1
                batch.labels[base + i] = s.labels[i]
                if let boundary = s.segmentBoundary, i >= boundary { batch.tokenTypeIDs[base + i] = 1 }
            }
        }
        return batch
    }
}
