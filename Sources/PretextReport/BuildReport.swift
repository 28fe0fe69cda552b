import Foundation
import PretextCore
import PretextLabeling
import PretextLoader
import PretextPipeline
import PretextShards

/// What a report shows of one build folder, gathered from its catalog, its shard files and a
/// sample of the loader's batches.
///
/// Whole-build figures (documents, tokens, UNK rate, instance lengths, labels, mask shares)
/// come from the catalog's statistics, which the build counted over every record. Figures of
/// the records as a model sees them (segment lengths, masked-unit lengths, padding waste,
/// tokens per word, examples) come from the first `sampleBatches` batches of epoch 0 of the
/// loader (`ShardLoader`, dynamic masks drawn as in training): a sample, so the page stays a
/// few hundred KB whatever the corpus size.
public struct BuildReport: Sendable {
    public struct InputRow: Sendable {
        public var path: String
        public var bytes: UInt64
        public var documents: UInt64
        public var status: String
        /// Problems counted in the units of this input (`input_*` statistics of the store stage).
        public var problems: [(String, Double)]
    }

    public struct ShardRow: Sendable {
        public var file: String
        public var records: UInt64
        public var tokens: UInt64
        public var bytes: UInt64
        public var blocks: Int
        /// Sum of the blocks' LZ4 payloads and of their decoded sizes (bytes).
        public var compressed: UInt64
        public var uncompressed: UInt64
    }

    /// One example row: tokens as shown, with the label where a prediction is wanted.
    public struct Example: Sendable {
        public var index: UInt64
        public var pairLabel: Int32
        public var tokens: [(text: String, segmentB: Bool, label: String?)]
    }

    public var folder: String
    public var runID: Int64
    public var status: String
    public var seed: UInt64
    public var task: String
    public var maxLength: Int
    public var statistics: [String: Double]
    public var inputs: [InputRow]
    public var shards: [ShardRow]
    /// nil when verification was not asked for.
    public var verification: ShardSetVerifier.Report?
    // Sample of the loader's batches.
    public var sampledRows = 0
    public var sampledBatches = 0
    public var batchSize = 0
    public var realTokens = 0
    public var paddedTokens = 0
    public var segmentALengths: [Int] = []
    public var segmentBLengths: [Int] = []
    public var predicted = 0
    public var predictedAsMask = 0
    public var predictedAsKept = 0
    public var predictedAsRandom = 0
    /// Lengths of runs of consecutive predicted positions (the masked units: words, n-grams, spans).
    public var maskedRunLengths: [Int] = []
    /// Tokens per word in the sample (non-special tokens ÷ tokens that start a word), when
    /// the build's masking.json names the continuation pieces.
    public var tokensPerWord: Double?
    public var examples: [Example] = []

    /// Gathers the report of `folder`. `tokenName` turns an id into the text shown in the
    /// examples (the build's vocabulary, or the number).
    public init(folder: String, sampleBatches: Int = 64, batchSize: Int = 32, examples exampleCount: Int = 6, verify: Bool = true,
                tokenName: (UInt32) -> String = { String($0) }) throws {
        self.folder = folder
        let catalog = try Catalog(folder: folder)
        guard let run = try catalog.runs().last else { throw ReportError("\(folder): the catalog holds no run") }
        runID = run.id
        status = run.status.rawValue
        seed = run.seed
        statistics = Dictionary(try catalog.statistics(run: run.id).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })

        // Inputs, with the problems of the store-stage units attributed to the input holding
        // most of each unit's bytes.
        let unitStats = try catalog.finishedUnits(run: run.id, stage: BuildRunner.storeStage)
        var ownerOfUnit: [Int: (ordinal: Int, bytes: UInt64)] = [:]
        for row in try catalog.unitInputs(run: run.id) where row.bytes > (ownerOfUnit[row.unit]?.bytes ?? 0) || ownerOfUnit[row.unit] == nil {
            ownerOfUnit[row.unit] = (row.ordinal, row.bytes)
        }
        var problems: [Int: [String: Double]] = [:]
        for (unit, stats) in unitStats {
            guard let owner = ownerOfUnit[unit]?.ordinal else { continue }
            for (name, value) in stats where name.hasPrefix("input_") && name != "input_bytes" && value > 0 {
                problems[owner, default: [:]][name, default: 0] += value
            }
        }
        inputs = try catalog.inputs(run: run.id).map {
            InputRow(path: $0.path, bytes: $0.size, documents: $0.documents, status: $0.status,
                     problems: (problems[$0.ordinal] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }

        shards = try catalog.shards().map { row in
            let reader = try ShardReader(path: folder + "/" + row.file.description)
            return ShardRow(file: row.file.description, records: row.records, tokens: row.tokens, bytes: row.bytes, blocks: reader.blockCount,
                            compressed: reader.index.reduce(0) { $0 + UInt64($1.compressedLength) },
                            uncompressed: reader.index.reduce(0) { $0 + UInt64($1.uncompressedLength) })
        }
        verification = verify ? try ShardSetVerifier.verify(folder: folder) : nil

        var options = LoaderOptions()
        options.batchSize = batchSize
        options.prefetchThreads = 0
        let loader = try ShardLoader(folder: folder, options: options)
        task = loader.task
        maxLength = loader.maxLength
        self.batchSize = batchSize
        let masking = try? MaskingFile.read(folder: folder)
        let special = Set(masking?.specialIDs ?? [])
        let continuation = Set(masking?.continuationIDs ?? [])
        var words = 0, pieces = 0
        let batches = min(sampleBatches, loader.batchesPerEpoch)
        for n in 0..<batches {
            let batch = try loader.batch(epoch: 0, number: n)
            sampledBatches += 1
            paddedTokens += batch.rows * batch.length
            for r in 0..<batch.rows {
                let mask = batch.row(batch.attentionMask, r), ids = Array(batch.row(batch.inputIDs, r))
                let types = Array(batch.row(batch.tokenTypeIDs, r)), labels = Array(batch.row(batch.labels, r))
                let real = mask.reduce(0) { $0 + Int($1) }
                realTokens += real
                sampledRows += 1
                let b = types.prefix(real).firstIndex(of: 1) ?? real
                if b < real || task == "nsp" || task == "sop" || task == "electra" {
                    segmentALengths.append(b)
                    segmentBLengths.append(real - b)
                }
                var run = 0
                for i in 0..<real {
                    let id = UInt32(bitPattern: ids[i])
                    if !special.contains(id) {
                        pieces += 1
                        if !continuation.contains(id) { words += 1 }
                    }
                    guard task != "causal" else { continue }
                    if labels[i] != Batch.ignoreIndex {
                        predicted += 1
                        if let m = masking, id == m.maskID { predictedAsMask += 1 } else if ids[i] == labels[i] { predictedAsKept += 1 } else { predictedAsRandom += 1 }
                        run += 1
                    } else if run > 0 {
                        maskedRunLengths.append(run)
                        run = 0
                    }
                }
                if run > 0 { maskedRunLengths.append(run) }
                if examples.count < exampleCount {
                    var shown: [(String, Bool, String?)] = []
                    for i in 0..<real {
                        let label: String?
                        if task == "causal" || labels[i] == Batch.ignoreIndex { label = nil } else { label = tokenName(UInt32(bitPattern: labels[i])) }
                        shown.append((tokenName(UInt32(bitPattern: ids[i])), types[i] == 1, label))
                    }
                    examples.append(Example(index: batch.sampleIndices[r], pairLabel: batch.pairLabels[r], tokens: shown))
                }
            }
        }
        if !continuation.isEmpty && words > 0 { tokensPerWord = Double(pieces) / Double(words) }
    }

    /// The instance length histogram of the whole build: (upper bound of the 16-token bucket, count).
    public var lengthBuckets: [(upper: Int, count: Double)] {
        statistics.compactMap { name, value in
            name.hasPrefix("length_") ? Int(name.dropFirst("length_".count)).map { ($0, value) } : nil
        }.sorted { $0.upper < $1.upper }
    }
}

/// A report that cannot be made: names the folder or file and the problem.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
