import Foundation

/// Where a loader stands, as a small JSON value a trainer stores in its checkpoint.
///
/// `batch` counts the rank-local batches of `epoch` already consumed by this worker's stream
/// (the next batch is the worker's batch number `batch`). `start` is the epoch position the
/// epoch's schedule began at (0 unless the epoch itself was resumed on another world size).
public struct LoaderState: Sendable, Equatable, Codable {
    public var format = "pretext-loader-state-1"
    public var seed: UInt64
    public var records: UInt64
    public var epoch: UInt64
    public var start: UInt64
    public var batch: Int
    public var batchSize: Int
    public var worldSize: Int
    public var rank: Int
    public var workerCount: Int
    public var workerIndex: Int
    public var shuffle: Bool
    public var binningBatches: Int

    enum CodingKeys: String, CodingKey {
        case format, seed, records, epoch, start, batch, rank, shuffle
        case batchSize = "batch_size", worldSize = "world_size", workerCount = "worker_count", workerIndex = "worker_index"
        case binningBatches = "binning_batches"
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public init(json: String) throws {
        do { self = try JSONDecoder().decode(LoaderState.self, from: Data(json.utf8)) } catch {
            throw LoaderError.invalidState("not a loader state (\(error))")
        }
        guard format == "pretext-loader-state-1" else { throw LoaderError.invalidState("unknown format \(format)") }
    }

    init(seed: UInt64, records: UInt64, epoch: UInt64, start: UInt64, batch: Int, options: LoaderOptions) {
        self.seed = seed
        self.records = records
        self.epoch = epoch
        self.start = start
        self.batch = batch
        batchSize = options.batchSize
        worldSize = options.worldSize
        rank = options.rank
        workerCount = options.workerCount
        workerIndex = options.workerIndex
        shuffle = options.shuffle
        binningBatches = options.binningBatches
    }
}
