import PretextCore

/// Which epoch positions each batch of one rank (and loader worker) holds.
///
/// Positions `start ..< recordCount` of the epoch are dealt to the ranks like cards: rank r
/// takes `start + r`, `start + r + w`, … (see `LoaderOptions.uneven` for the remainder), so
/// after every rank has taken j samples the first `start + j·w` positions are consumed —
/// which is what lets a run resume on another world size (`ShardLoader.restore`). The rank's
/// samples are cut into batches in order; with length binning, each window of
/// `binningBatches` batches is re-cut by sequence length (`binnedBatches`). Worker k of K
/// takes the rank's batches k, k + K, …
public struct RankSchedule: Sendable, Equatable {
    public let recordCount: UInt64
    public let start: UInt64
    public let options: LoaderOptions

    public init(recordCount: UInt64, start: UInt64, options: LoaderOptions) {
        self.recordCount = recordCount
        self.start = min(start, recordCount)
        self.options = options
    }

    /// Samples this rank takes this epoch.
    public var rankSamples: UInt64 {
        let remaining = recordCount - start, w = UInt64(options.worldSize)
        return options.uneven == .pad ? (remaining + w - 1) / w : remaining / w
    }

    /// Batches of the rank this epoch.
    public var rankBatches: Int {
        let b = UInt64(options.batchSize)
        return Int(options.dropLast ? rankSamples / b : (rankSamples + b - 1) / b)
    }

    /// Batches this worker yields this epoch (rank batches k, k + K, …).
    public var workerBatches: Int {
        let total = rankBatches, k = options.workerIndex, K = options.workerCount
        return total > k ? (total - k + K - 1) / K : 0
    }

    /// Rank-local batch number of the worker's `n`-th batch.
    public func rankBatch(ofWorkerBatch n: Int) -> Int { options.workerIndex + n * options.workerCount }

    /// Epoch position of the rank's j-th sample.
    public func position(ofRankSample j: UInt64) -> UInt64 {
        let remaining = recordCount - start
        return start + (j * UInt64(options.worldSize) + UInt64(options.rank)) % remaining
    }

    /// Rank-sample numbers of rank batch `b` before binning: `b·B ..< min((b+1)·B, samples)`.
    public func rankSamples(ofBatch b: Int) -> Range<UInt64> {
        let size = UInt64(options.batchSize)
        return (UInt64(b) * size)..<min(UInt64(b + 1) * size, rankSamples)
    }

    /// Binning window of rank batch `b`, and the window's rank-sample range (whole batches;
    /// with `dropLast` the last window stops at the last full batch).
    public func binningWindow(ofBatch b: Int) -> (window: Int, samples: Range<UInt64>) {
        let m = options.binningBatches, size = UInt64(options.batchSize)
        let q = b / m
        let first = UInt64(q * m) * size
        var end = min(UInt64((q + 1) * m) * size, rankSamples)
        if options.dropLast { end = min(end, UInt64(rankBatches) * size) }
        return (q, first..<end)
    }

    /// With binning: the window's samples (rank-sample numbers) sorted by length (ties in
    /// sample order), cut into batches of `batchSize`, the batches in a keyed shuffled order.
    /// `lengths[i]` is the length of the window's i-th sample.
    public func binnedBatches(window q: Int, samples: Range<UInt64>, lengths: [Int], seed: UInt64, epoch: UInt64) -> [[UInt64]] {
        let sorted = samples.indices.sorted { lengths[Int($0 - samples.lowerBound)] < lengths[Int($1 - samples.lowerBound)] ||
            (lengths[Int($0 - samples.lowerBound)] == lengths[Int($1 - samples.lowerBound)] && $0 < $1) }
        var chunks: [[UInt64]] = stride(from: 0, to: sorted.count, by: options.batchSize).map {
            Array(sorted[$0..<min(sorted.count, $0 + options.batchSize)])
        }
        var random = KeyedRandom(seed: seed, purpose: .epochShuffle, index: UInt64(options.rank) << 40 | UInt64(q), subindex: epoch)
        // Fisher–Yates over the window's batches.
        if chunks.count > 1 {
            for i in stride(from: chunks.count - 1, to: 0, by: -1) { chunks.swapAt(i, random.below(i + 1)) }
        }
        return chunks
    }
}
