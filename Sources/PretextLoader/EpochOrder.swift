import PretextCore

/// The order of one epoch: which global record sits at each position `0 ..< recordCount`.
///
/// Shuffle: blocks are permuted (a keyed permutation over all blocks of the shard set), cut
/// into windows of `windowBlocks` consecutive blocks of that order, and the records of each
/// window are permuted again. Every record appears exactly once per epoch; neighbours in the
/// order come from `windowBlocks` random places of the corpus; and reading a window decodes
/// each of its blocks once. (A full permutation over records would decode one compressed
/// block per sample, some hundred times the data; a shuffle buffer fed by shuffled blocks —
/// MosaicML's and webdataset's approach — mixes about as well but cannot jump to position k
/// without replaying the epoch, which exact resume needs.) `shuffle == false` keeps storage
/// order. Memory: one entry per block.
public struct EpochOrder: Sendable {
    /// Storage-order blocks: global number of the first record, and the record count.
    public struct Block: Sendable, Equatable {
        public var firstRecord: UInt64
        public var records: UInt32
        public init(firstRecord: UInt64, records: UInt32) {
            self.firstRecord = firstRecord
            self.records = records
        }
    }

    public let blocks: [Block]
    public let recordCount: UInt64
    public let epoch: UInt64
    public let shuffle: Bool
    public let windowBlocks: Int
    private let blockOrder: KeyedPermutation
    /// Per window: first position, plus the total (windows + 1 entries).
    private let windowStart: [UInt64]
    private let seed: UInt64

    public init(blocks: [Block], seed: UInt64, epoch: UInt64, shuffle: Bool = true, windowBlocks: Int = 16) {
        precondition(windowBlocks >= 1)
        self.blocks = blocks
        self.seed = seed
        self.epoch = epoch
        self.shuffle = shuffle
        self.windowBlocks = windowBlocks
        recordCount = blocks.reduce(0) { $0 + UInt64($1.records) }
        blockOrder = KeyedPermutation(count: UInt64(max(1, blocks.count)), key: Self.key(seed, epoch, 0xB10C))
        var starts: [UInt64] = [0]
        var position: UInt64 = 0
        for k in 0..<blocks.count {
            position += UInt64(blocks[shuffle ? Int(blockOrder[UInt64(k)]) : k].records)
            if (k + 1) % windowBlocks == 0 || k == blocks.count - 1 { starts.append(position) }
        }
        windowStart = starts
    }

    static func key(_ seed: UInt64, _ epoch: UInt64, _ what: UInt64) -> UInt64 {
        var r = KeyedRandom(seed: seed, purpose: .epochShuffle, index: what, subindex: epoch)
        return r.next()
    }

    /// Number of windows.
    public var windowCount: Int { windowStart.count - 1 }

    /// Positions of window `w`.
    public func positions(ofWindow w: Int) -> Range<UInt64> { windowStart[w]..<windowStart[w + 1] }

    /// The window holding `position`.
    public func window(ofPosition position: UInt64) -> Int {
        var lo = 0, hi = windowStart.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if windowStart[mid] <= position { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// The global record at `position` (`position < recordCount`).
    public func record(at position: UInt64) -> UInt64 {
        precondition(position < recordCount, "position \(position) out of range 0..<\(recordCount)")
        guard shuffle else { return position }
        let w = window(ofPosition: position)
        let range = positions(ofWindow: w)
        let within = KeyedPermutation(count: UInt64(range.count), key: Self.key(seed, epoch, 0x3000_0000 + UInt64(w)))
        var local = within[position - range.lowerBound]
        // The window's blocks in permuted order; find the one holding `local`.
        for k in (w * windowBlocks)..<min(blocks.count, (w + 1) * windowBlocks) {
            let block = blocks[Int(blockOrder[UInt64(k)])]
            if local < UInt64(block.records) { return block.firstRecord + local }
            local -= UInt64(block.records)
        }
        preconditionFailure("window \(w) holds fewer records than its range")
    }
}
