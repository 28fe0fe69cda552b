import PretextLabeling

/// How a `ShardLoader` orders, partitions, masks and pads.
public struct LoaderOptions: Sendable, Equatable {
    /// Sequences per batch.
    public var batchSize = 32
    /// Pad each batch to its longest sequence rounded up to a multiple of this (1 = no rounding).
    public var padToMultipleOf = 1
    /// Seed of the shuffle and of dynamic masks; nil = the build's seed from `masking.json`.
    public var seed: UInt64?
    /// Shuffle each epoch (block permutation + record permutation within windows).
    public var shuffle = true
    /// Blocks per shuffle window (see `EpochOrder`).
    public var windowBlocks = 16
    /// Data-parallel rank and world size: rank r takes epoch positions start + r, start + r + w, …
    public var rank = 0
    public var worldSize = 1
    /// Loader workers inside a rank (one per process, as PyTorch's DataLoader workers): worker k
    /// of K yields the rank's batches k, k + K, k + 2K, …
    public var workerIndex = 0
    public var workerCount = 1
    /// When the epoch does not split evenly over the ranks: `pad` repeats positions from the
    /// start of the epoch so every rank gets ⌈n / w⌉ samples (at most w − 1 repeats, as
    /// PyTorch's DistributedSampler); `drop` gives every rank ⌊n / w⌋ (at most w − 1 left out).
    public var uneven = Uneven.pad
    /// Drop a last batch smaller than `batchSize`.
    public var dropLast = false
    /// Length binning (as NVIDIA LDDL): within each window of this many batches of a rank,
    /// sequences are sorted by length before being cut into batches, and the batches of the
    /// window are shuffled. 0 = off.
    public var binningBatches = 0
    /// Masking options for dynamic masking; nil = those of the build (`masking.json`).
    public var masking: MaskingOptions?
    /// Threads that assemble batches ahead of the consumer, and how many batches they may run ahead.
    public var prefetchThreads = 1
    public var prefetchDepth = 8

    public enum Uneven: String, Sendable, CaseIterable { case pad, drop }

    public init() {}

    public func validate() throws {
        func fail(_ m: String) -> LoaderError { .invalidOptions(m) }
        guard batchSize >= 1 else { throw fail("batch size must be at least 1") }
        guard padToMultipleOf >= 1 else { throw fail("pad-to-multiple-of must be at least 1") }
        guard worldSize >= 1 && rank >= 0 && rank < worldSize else { throw fail("rank must be in 0..<world size") }
        guard workerCount >= 1 && workerIndex >= 0 && workerIndex < workerCount else { throw fail("worker index must be in 0..<worker count") }
        guard windowBlocks >= 1 else { throw fail("window blocks must be at least 1") }
        guard binningBatches >= 0 else { throw fail("binning batches must be ≥ 0") }
        guard prefetchThreads >= 0 && prefetchDepth >= 1 else { throw fail("prefetch threads ≥ 0 and depth ≥ 1") }
    }
}

/// Loader errors: bad options, a shard set the loader cannot use, a state from another run.
public enum LoaderError: Error, CustomStringConvertible, Sendable {
    case invalidOptions(String)
    case unsupported(String)
    case invalidState(String)

    public var description: String {
        switch self {
        case .invalidOptions(let m): return "loader options: \(m)"
        case .unsupported(let m): return "loader: \(m)"
        case .invalidState(let m): return "loader state: \(m)"
        }
    }
}
