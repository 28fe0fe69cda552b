#if canImport(Glibc)
import Glibc
#endif
import PretextCore
import PretextLabeling
import PretextShards

/// Batches from a shard set, epoch after epoch: shuffled (`EpochOrder`), dealt to ranks and
/// workers (`RankSchedule`), masked (static masks passed through; dynamic masks drawn from
/// (seed, sample, epoch)), padded — assembled ahead of the consumer on background threads.
///
/// Every batch is a pure function of (shard set, options, epoch, batch number): `batch(epoch:
/// number:)` regenerates any batch in isolation, the prefetch threads may build batches in
/// any order, and `restore(_:)` continues exactly where `state()` was taken.
///
/// Memory: one entry per block for the epoch order, one shuffle window of decoded blocks per
/// assembling thread, and `prefetchDepth` batches.
public final class ShardLoader {
    public let folder: String
    public let options: LoaderOptions
    public let seed: UInt64
    let layout: ShardSetLayout
    let masker: Masker?
    private(set) var epoch: UInt64 = 0
    private var start: UInt64 = 0
    /// Worker batches of `epoch` handed out by `next()`.
    private var consumed = 0
    private var order: EpochOrder
    private var schedule: RankSchedule
    private var prefetcher: Prefetcher?
    private let direct: BatchAssembler

    /// Opens `folder` (shards + catalog + `masking.json` when the shards carry no masks).
    public init(folder: String, options: LoaderOptions = LoaderOptions()) throws {
        try options.validate()
        self.folder = folder
        layout = try ShardSetLayout(folder: folder)
        var seed = options.seed
        if !layout.hasMasks && layout.task != "causal" {
            let file = try MaskingFile.read(folder: folder)
            masker = Masker(options: options.masking ?? file.options, vocabulary: file.vocabulary)
            seed = seed ?? file.seed
        } else {
            masker = nil
            if seed == nil, let file = try? MaskingFile.read(folder: folder) { seed = file.seed }
        }
        self.seed = seed ?? 0
        self.options = options
        order = EpochOrder(blocks: layout.blocks, seed: self.seed, epoch: 0, shuffle: options.shuffle, windowBlocks: options.windowBlocks)
        schedule = RankSchedule(recordCount: layout.recordCount, start: 0, options: options)
        direct = BatchAssembler(layout: layout, masker: masker, maskSeed: self.seed, cacheBlocks: 2 * options.windowBlocks)
        guard schedule.workerBatches > 0 else {
            throw LoaderError.unsupported("\(folder): \(layout.recordCount) records give rank \(options.rank) worker \(options.workerIndex) no batch")
        }
    }

    deinit { prefetcher?.stop() }

    /// Records in the shard set.
    public var recordCount: UInt64 { layout.recordCount }
    /// The longest sequence a batch can hold (the build's max_seq_length).
    public var maxLength: Int { layout.maxLength }
    /// The vocabulary size of the build's tokenizer (shard metadata).
    public var vocabularySize: Int { layout.vocabularySize }
    /// The end-of-document id between documents of causal blocks (shard metadata), if recorded.
    public var endOfDocumentID: Int? { layout.endOfDocumentID }
    /// The build's task (nsp, sop, full-sentences, doc-sentences, causal, electra).
    public var task: String { layout.task }
    /// Batches this worker yields in the current epoch.
    public var batchesPerEpoch: Int { schedule.workerBatches }
    /// The current epoch and the worker batches of it consumed so far.
    public var position: (epoch: UInt64, batch: Int) { (epoch, consumed) }

    /// The next batch; after the epoch's last batch, the first batch of the next epoch.
    public func next() throws -> Batch {
        if consumed >= schedule.workerBatches { try begin(epoch: epoch + 1, start: 0, batch: 0) }
        let batch: Batch
        if options.prefetchThreads == 0 {
            batch = try make(order: order, schedule: schedule, workerBatch: consumed, assembler: direct)
        } else {
            if prefetcher == nil { startPrefetch() }
            batch = try prefetcher!.take(consumed)
        }
        consumed += 1
        return batch
    }

    /// Worker batch `number` of `epoch` (rank-local numbering of this worker's stream), built
    /// on the calling thread — the same batch `next()` yields there.
    public func batch(epoch e: UInt64, number: Int) throws -> Batch {
        let o = e == epoch ? order : EpochOrder(blocks: layout.blocks, seed: seed, epoch: e, shuffle: options.shuffle, windowBlocks: options.windowBlocks)
        let s = e == epoch ? schedule : RankSchedule(recordCount: layout.recordCount, start: 0, options: options)
        guard number >= 0 && number < s.workerBatches else { throw LoaderError.invalidOptions("epoch \(e) has \(s.workerBatches) batches, not \(number + 1)") }
        return try make(order: o, schedule: s, workerBatch: number, assembler: direct)
    }

    /// The loader's position as a small value to store with a checkpoint.
    public func state() -> LoaderState {
        LoaderState(seed: seed, records: layout.recordCount, epoch: epoch, start: start, batch: consumed, options: options)
    }

    /// Continues from `state`: the next batches are those an uninterrupted run would yield.
    ///
    /// Same world size, worker count and batch size: exact. Another world size (or worker
    /// count): the remaining positions of the epoch — everything after the first
    /// `start + batch·batchSize·worldSize` — are dealt to the new ranks, so no sample of the
    /// epoch is repeated or skipped, provided every rank saved after the same number of
    /// batches; with length binning the epoch resumes at the start of the window the state
    /// was in (samples of that window consumed before the save are seen again).
    public func restore(_ state: LoaderState) throws {
        guard state.records == layout.recordCount else {
            throw LoaderError.invalidState("state is of a shard set of \(state.records) records, this one has \(layout.recordCount)")
        }
        guard state.seed == seed && state.shuffle == options.shuffle else { throw LoaderError.invalidState("state was taken with another seed or shuffle setting") }
        let sameLayout = state.worldSize == options.worldSize && state.workerCount == options.workerCount && state.batchSize == options.batchSize
            && state.binningBatches == options.binningBatches
        if sameLayout {
            guard state.rank == options.rank && state.workerIndex == options.workerIndex else {
                throw LoaderError.invalidState("state belongs to rank \(state.rank) worker \(state.workerIndex), this loader is rank \(options.rank) worker \(options.workerIndex)")
            }
            try begin(epoch: state.epoch, start: state.start, batch: state.batch)
        } else {
            // Rank batches consumed by every rank: the worker's stream position converted back.
            let rankBatches = state.batch * state.workerCount
            var samples = UInt64(rankBatches) * UInt64(state.batchSize)
            if state.binningBatches > 0 { samples = UInt64(rankBatches / state.binningBatches * state.binningBatches) * UInt64(state.batchSize) }
            let newStart = min(layout.recordCount, state.start + samples * UInt64(state.worldSize))
            if newStart >= layout.recordCount { try begin(epoch: state.epoch + 1, start: 0, batch: 0) } else { try begin(epoch: state.epoch, start: newStart, batch: 0) }
        }
    }

    private func begin(epoch e: UInt64, start s: UInt64, batch: Int) throws {
        prefetcher?.stop()
        prefetcher = nil
        epoch = e
        start = s
        consumed = batch
        order = EpochOrder(blocks: layout.blocks, seed: seed, epoch: e, shuffle: options.shuffle, windowBlocks: options.windowBlocks)
        schedule = RankSchedule(recordCount: layout.recordCount, start: s, options: options)
        if schedule.workerBatches == 0 && s > 0 { try begin(epoch: e + 1, start: 0, batch: 0) }
    }

    private func startPrefetch() {
        let order = order, schedule = schedule, layout = layout, masker = masker, seed = seed
        let cache = 2 * options.windowBlocks
        let assemblers = PerWorker(count: options.prefetchThreads) { _ in
            BatchAssembler(layout: layout, masker: masker, maskSeed: seed, cacheBlocks: cache)
        }
        let maker = self.makeFunction()
        prefetcher = Prefetcher(first: consumed, end: schedule.workerBatches, threads: options.prefetchThreads, depth: options.prefetchDepth) { worker, n in
            try assemblers.with(worker) { try maker(order, schedule, n, $0) }
        }
    }

    private func makeFunction() -> @Sendable (EpochOrder, RankSchedule, Int, BatchAssembler) throws -> Batch {
        let options = options, seed = seed
        return { order, schedule, n, assembler in
            try Self.make(order: order, schedule: schedule, workerBatch: n, assembler: assembler, options: options, seed: seed)
        }
    }

    private func make(order: EpochOrder, schedule: RankSchedule, workerBatch n: Int, assembler: BatchAssembler) throws -> Batch {
        try Self.make(order: order, schedule: schedule, workerBatch: n, assembler: assembler, options: options, seed: seed)
    }

    static func make(order: EpochOrder, schedule: RankSchedule, workerBatch n: Int, assembler: BatchAssembler,
                     options: LoaderOptions, seed: UInt64) throws -> Batch {
        let b = schedule.rankBatch(ofWorkerBatch: n)
        var samples: [UInt64]
        if options.binningBatches > 0 {
            let (q, range) = schedule.binningWindow(ofBatch: b)
            let lengths = try range.map { try assembler.length(of: order.record(at: schedule.position(ofRankSample: $0))) }
            let chunks = schedule.binnedBatches(window: q, samples: range, lengths: lengths, seed: seed, epoch: order.epoch)
            samples = chunks[b - q * options.binningBatches]
        } else {
            samples = Array(schedule.rankSamples(ofBatch: b))
        }
        let records = samples.map { order.record(at: schedule.position(ofRankSample: $0)) }
        return try assembler.batch(records: records, epoch: order.epoch, number: n, padToMultipleOf: options.padToMultipleOf)
    }
}

extension BatchAssembler: @unchecked Sendable {}
